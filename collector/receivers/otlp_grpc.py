"""The gRPC port: OTLP trace, logs and metrics Export, and RunService, in the HTTP server's event loop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import grpc
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from collector.auth import KeyChecker, presented_key
from collector.config import Config
from collector.receivers import run_service
from collector.receivers.grpc_overload import unavailable
from collector.receivers.otlp import SIGNALS, OtlpDecodeError, export_response
from collector.receivers.workers import Workers, WorkersUnavailable
from collector.writer import Unavailable, Writer

log = logging.getLogger(__name__)

_SERVICES = {
    "traces": trace_service_pb2.DESCRIPTOR.services_by_name["TraceService"],
    "logs": logs_service_pb2.DESCRIPTOR.services_by_name["LogsService"],
    "metrics": metrics_service_pb2.DESCRIPTOR.services_by_name["MetricsService"],
}


class BindError(OSError):
    """gRPC could not listen on the address."""


class _Exporter:
    """One signal's Export: the same decode, export and writer path as OTLP/HTTP, with gRPC status codes."""

    def __init__(self, signal_name: str, workers: Workers, writer: Writer):
        self._signal_name = signal_name
        self._workers = workers
        self._writer = writer

    async def export(self, body: bytes, context: grpc.aio.ServicerContext) -> Message:
        try:
            export = await self._workers.export(self._signal_name, body)
        except OtlpDecodeError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except WorkersUnavailable as exc:
            await context.abort_with_status(unavailable(exc))
        if export.batch.rows:
            try:
                await self._writer.write(export.batch, inspected=True)
            except Unavailable as exc:
                await context.abort_with_status(unavailable(exc))
        return export_response(SIGNALS[self._signal_name], export)


def _service(name: str, workers: Workers, writer: Writer) -> grpc.GenericRpcHandler:
    # The request arrives as bytes (no deserializer) so that garbage is INVALID_ARGUMENT, not grpc's UNKNOWN.
    export = grpc.unary_unary_rpc_method_handler(_Exporter(name, workers, writer).export,
                                                 response_serializer=SIGNALS[name].response.SerializeToString)
    return grpc.method_handlers_generic_handler(_SERVICES[name].full_name, {"Export": export})


async def _refuse(request: bytes, context: grpc.aio.ServicerContext) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid or missing API key")


class _ApiKeyAuth(grpc.aio.ServerInterceptor):
    """Refuses a call without a configured key before its message is decoded."""

    _refusal = grpc.unary_unary_rpc_method_handler(_refuse)

    def __init__(self, checker: KeyChecker):
        self._checker = checker

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        metadata = dict(details.invocation_metadata or ())
        if self._checker.accepts(presented_key(metadata.get("authorization"), metadata.get("x-api-key"))):
            return await continuation(details)
        return self._refusal


class _Internal(grpc.aio.ServerInterceptor):
    """A failure of the collector's own is INTERNAL with a plain message, as OTLP/HTTP's 500 is, not grpc's UNKNOWN
    carrying the Python exception's class and text; the traceback goes to the log."""

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior = handler.unary_unary

        async def guarded(request: bytes, context: grpc.aio.ServicerContext) -> Message:
            try:
                return await behavior(request, context)
            except grpc.aio.AbortError:
                raise
            except Exception:
                log.exception("%s failed", details.method)
                await context.abort(grpc.StatusCode.INTERNAL, "internal error; the collector's log has the cause")

        return handler._replace(unary_unary=guarded)


async def start(config: Config, workers: Workers, writer: Writer) -> tuple[grpc.aio.Server, str]:
    """Serve OTLP/gRPC on config.host:config.grpc_port in the running loop; returns the server and its host:port.

    Stop it with `await server.stop(grace)`: calls in flight get `grace` seconds to finish.
    """
    checker = KeyChecker(config.api_keys)
    server = grpc.aio.server(
        interceptors=[*([_ApiKeyAuth(checker)] if checker.enabled else []), _Internal()],
        options=[
            # OTLP's size limit; grpc applies it after decompression too, answering RESOURCE_EXHAUSTED.
            ("grpc.max_receive_message_length", config.max_body_bytes),
            # Without this a second process could listen on the same port and take half the calls.
            ("grpc.so_reuseport", 0),
        ],
    )
    server.add_generic_rpc_handlers([_service(name, workers, writer) for name in _SERVICES])
    run_service.add_to_server(server, writer)
    host = f"[{config.host}]" if ":" in config.host else config.host
    try:
        port = server.add_insecure_port(f"{host}:{config.grpc_port}")
    except RuntimeError:
        port = 0
    if not port:
        raise BindError(f"{host}:{config.grpc_port} cannot be bound")
    await server.start()
    return server, f"{host}:{port}"
