"""OTLP/HTTP: POST /v1/traces, /v1/logs and /v1/metrics in protobuf or JSON, answered in the request's encoding."""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc.status_pb2 import Status

from collector.receivers.otlp import SIGNALS, OtlpDecodeError, export_response
from collector.receivers.workers import WorkersUnavailable
from collector.writer import RETRY_AFTER_SECONDS, Unavailable

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
PATHS = ("/v1/traces", "/v1/logs", "/v1/metrics")

_DOCUMENTED = {"requestBody": {"required": True, "content": {
    PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
    JSON: {"schema": {"type": "object", "description": "OTLP/JSON: hex ids, integer enums, lowerCamelCase keys"}},
}}}


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return (content_type or "").partition(";")[0].strip().lower()


def _encoded(message: Message, media: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """The message as JSON for a JSON request, else as protobuf: OTLP answers in the encoding it was sent."""
    if media == JSON:
        body = json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()
        return Response(body, status, headers, JSON)
    return Response(message.SerializeToString(), status, headers, PROTOBUF)


def status_response(status: int, message: str, content_type: str | None,
                    headers: Mapping[str, str] | None = None) -> Response:
    """An OTLP/HTTP error: a google.rpc.Status body (its code is unused, as the spec allows)."""
    return _encoded(Status(message=message), media_type(content_type), status, headers)


# For the body cap's 400/413/415 answers on the OTLP paths.
ERROR_RESPONDERS = dict.fromkeys(PATHS, status_response)


async def _export(request: Request, signal_name: str) -> Response:
    content_type = request.headers.get("content-type")
    media = media_type(content_type)
    if media not in (PROTOBUF, JSON):
        return status_response(415, f"Content-Type {content_type or ''!r} is not supported; use {PROTOBUF} or {JSON}",
                               content_type)
    try:
        export = await request.app.state.workers.export(signal_name, await request.body(), media == JSON)
        if export.batch.rows:
            await request.app.state.writer.write(export.batch, inspected=True)
    except OtlpDecodeError as exc:
        return status_response(400, str(exc), media)
    except (WorkersUnavailable, Unavailable) as exc:
        return status_response(503, f"{exc}; retry later", media, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _encoded(export_response(SIGNALS[signal_name], export), media)


router = APIRouter(tags=["OTLP ingest"])


@router.post("/v1/traces", response_class=Response, openapi_extra=_DOCUMENTED)
async def post_traces(request: Request) -> Response:
    """ExportTraceServiceRequest; answered once its spans are committed."""
    return await _export(request, "traces")


@router.post("/v1/logs", response_class=Response, openapi_extra=_DOCUMENTED)
async def post_logs(request: Request) -> Response:
    """ExportLogsServiceRequest; answered once its log records are committed."""
    return await _export(request, "logs")


@router.post("/v1/metrics", response_class=Response, openapi_extra=_DOCUMENTED)
async def post_metrics(request: Request) -> Response:
    """ExportMetricsServiceRequest; answered once its data points are committed."""
    return await _export(request, "metrics")
