"""RunService, the gRPC twin of POST /v1/runs: protobuf runs and events through the AgentD receiver's validation."""

from __future__ import annotations

from typing import Any, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from pydantic import BaseModel, ValidationError

from collector.batch import Batch
from collector.contract import runs_pb2
from collector.receivers.agentd import AgentRun, RunEvent, events_batch, runs_batch
from collector.receivers.grpc_overload import unavailable
from collector.writer import Unavailable, Writer

Model = TypeVar("Model", bound=BaseModel)

# A gRPC status message travels in a trailer, which clients cap (8 KiB by default).
MAX_REPORTED_ERRORS = 3


class InvalidRecord(ValueError):
    """A run or event the AgentD receiver would refuse; the message names the field."""


def _fields(message: Message, where: str) -> dict[str, Any]:
    """The message as the AgentD JSON record, before validation: names as in the REST body, "" and 0 when unset."""
    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)
    except json_format.SerializeToJsonError as exc:  # a Timestamp out of range, a NaN inside a Struct
        raise InvalidRecord(f"{where}: {exc}") from None


def _enum(record: dict[str, Any], key: str, prefix: str) -> None:
    """RUN_STATUS_COMPLETED becomes "completed"; UNSPECIFIED leaves the field out, so the model's default or
    "Field required" applies as for a REST body without it. An unknown number stays a number, which the model refuses.
    """
    value = record.pop(key)
    if value != f"{prefix}UNSPECIFIED":
        record[key] = value.removeprefix(prefix).lower() if isinstance(value, str) else value


def _plain(value: Any) -> Any:
    """A Struct's content as the REST body would hold it: Struct numbers are doubles, so whole ones become ints
    (`{"ticket": 7}` is stored as 7, not 7.0); keys are sorted, since a Struct's map order is arbitrary."""
    if isinstance(value, dict):
        return {key: _plain(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _event_fields(record: dict[str, Any]) -> dict[str, Any]:
    _enum(record, "type", "EVENT_TYPE_")
    if "tool_input" in record:
        record["tool_input"] = _plain(record["tool_input"])
    return record


def _path(where: str, loc: tuple[int | str, ...]) -> str:
    """pydantic's ("events", 3, "type") under "runs[1]" as runs[1].events[3].type."""
    return where + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _validated(model: type[Model], record: dict[str, Any], where: str) -> Model:
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        errors = exc.errors()
        reported = [f"{_path(where, error['loc'])}: {error['msg']}" for error in errors[:MAX_REPORTED_ERRORS]]
        more = f" (and {len(errors) - MAX_REPORTED_ERRORS} more)" if len(errors) > MAX_REPORTED_ERRORS else ""
        raise InvalidRecord("; ".join(reported) + more) from None


def _run(message: runs_pb2.Run, where: str) -> AgentRun:
    """The protobuf run as the REST body would give it, validated the same way; raises InvalidRecord."""
    record = _fields(message, where)
    _enum(record, "status", "RUN_STATUS_")
    if "metadata" in record:
        record["metadata"] = _plain(record["metadata"])
    record["events"] = [_event_fields(event) for event in record["events"]]
    return _validated(AgentRun, record, where)


def _event(entry: runs_pb2.RunEventEntry, where: str) -> RunEvent:
    """The entry's event validated as the REST body would be; raises InvalidRecord."""
    if not entry.run_id:
        raise InvalidRecord(f"{where}.run_id: must not be empty")  # as it cannot be in the REST path
    if not entry.HasField("event"):
        raise InvalidRecord(f"{where}.event: Field required")
    return _validated(RunEvent, _event_fields(_fields(entry.event, f"{where}.event")), f"{where}.event")


def _decoded(message: type[Message], body: bytes) -> Message:
    try:
        return message.FromString(body)
    except DecodeError as exc:
        raise InvalidRecord(f"request is not a valid protobuf {message.DESCRIPTOR.name}: {exc}") from None


class RunService:
    """Each call is all or nothing: validated whole, then committed as one batch before it is answered. Requests
    arrive as bytes (no deserializer), so that garbage is INVALID_ARGUMENT, as on the OTLP services, not grpc's
    UNKNOWN."""

    def __init__(self, writer: Writer):
        self._writer = writer

    async def ExportRuns(self, body: bytes, context: grpc.aio.ServicerContext) -> runs_pb2.ExportRunsResponse:
        try:
            request = _decoded(runs_pb2.ExportRunsRequest, body)
            runs = [_run(run, f"runs[{i}]") for i, run in enumerate(request.runs)]
        except InvalidRecord as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        await self._write(runs_batch(runs), context)
        return runs_pb2.ExportRunsResponse(accepted_runs=len(runs))

    async def ExportEvents(self, body: bytes, context: grpc.aio.ServicerContext) -> runs_pb2.ExportEventsResponse:
        try:
            request = _decoded(runs_pb2.ExportEventsRequest, body)
            events = [_event(entry, f"events[{i}]") for i, entry in enumerate(request.events)]
        except InvalidRecord as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        await self._write(events_batch([entry.run_id for entry in request.events], events), context)
        return runs_pb2.ExportEventsResponse(accepted_events=len(events))

    async def _write(self, batch: Batch, context: grpc.aio.ServicerContext) -> None:
        if not batch.rows:
            return
        try:
            await self._writer.write(batch)
        except Unavailable as exc:
            await context.abort_with_status(unavailable(exc))


def add_to_server(server: grpc.aio.Server, writer: Writer) -> None:
    """Serve RunService on `server` (the OTLP gRPC server), storing through `writer`."""
    service = RunService(writer)
    handlers = {
        "ExportRuns": grpc.unary_unary_rpc_method_handler(
            service.ExportRuns, response_serializer=runs_pb2.ExportRunsResponse.SerializeToString),
        "ExportEvents": grpc.unary_unary_rpc_method_handler(
            service.ExportEvents, response_serializer=runs_pb2.ExportEventsResponse.SerializeToString),
    }
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        runs_pb2.DESCRIPTOR.services_by_name["RunService"].full_name, handlers)])
