"""The cylestio-local-server ingest API (cylestio-monitor 0.1.6 and later): POST /v1/telemetry and /batch.

Same paths, status codes and bodies as cylestio-local-server 0.1.20, except that `event_id` is the collector's
id of the event (the hash that makes a re-sent event replace itself), and a 201 means it is committed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from collector.instants import Instant
from collector.receivers.cylestio_events import (
    ERROR_LEVELS,
    FAILED_TOOL_NAMES,
    FAILURE_TYPES,
    SECURITY_PREFIX,
    BadValue,
    CylestioEvent,
    batch,
    milliseconds,
    severity,
    text,
    tokens,
)
from collector.receivers.jsonbody import documented, parse

# What the monitor sends when it has no trace context yet (events logged before start_monitoring).
NO_TRACE = "null-trace"
SECURITY_DATA = {"keywords": "security.keywords", "content_sample": "security.content_sample",
                 "message_id": "security.message_id", "detection_time": "security.detection_time",
                 "llm_vendor": "llm.vendor"}


class TelemetryEventCreate(BaseModel):
    # Keys beyond the schema (channel, performance, ... that log_event may add) are kept in the event's data.
    model_config = ConfigDict(allow_inf_nan=False, extra="allow")

    schema_version: str
    timestamp: Instant
    name: str = Field(min_length=1)
    level: str
    trace_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    agent_id: str | None = None
    attributes: dict[str, Any] | None = None


class TelemetryBatch(BaseModel):
    events: list[TelemetryEventCreate]


def _read(event: TelemetryEventCreate) -> CylestioEvent:
    """One validated event as a CylestioEvent; raises BadValue (located in the body) for unstorable values."""
    attributes = event.attributes or {}
    trace_id = event.trace_id if event.trace_id and event.trace_id != NO_TRACE else None
    agent_id = event.agent_id or text(attributes.get("agent.id"))
    session = text(attributes.get("session.id"))
    # One run per monitoring session: the monitor keeps one trace id from start_monitoring to stop_monitoring.
    run_id = trace_id or session or agent_id or "unknown-agent"
    sent = {"schema_version": event.schema_version, "trace_id": event.trace_id, "span_id": event.span_id,
            "parent_span_id": event.parent_span_id, "attributes": event.attributes}
    if event.model_extra:
        sent["extras"] = event.model_extra
    parsed = CylestioEvent(
        format="current", name=event.name, timestamp=event.timestamp, level=event.level.upper(),
        agent_id=agent_id, session_id=session, run_id=run_id,
        identity=("current", agent_id, event.trace_id, event.span_id, event.name, event.timestamp.isoformat()),
        sent=sent)
    kind, name = parsed.type, event.name
    if kind.startswith("llm_") or kind == "error":
        parsed.model = text(attributes.get("llm.model"))
        parsed.provider = text(attributes.get("llm.vendor"))
        parsed.duration_ms = milliseconds(attributes.get("llm.response.duration_ms"),
                                          ("attributes", "llm.response.duration_ms"))
    if kind == "llm_call":
        parsed.tokens = tokens(attributes, ("attributes",), prefix="llm.usage.")
    if kind in ("tool_call", "tool_result"):
        parsed.tool_name = text(attributes.get("tool.name"))
        # A tool's start and end events share the span the monitor opened for the call.
        parsed.tool_id = event.span_id
        parsed.duration_ms = milliseconds(attributes.get("tool.duration_ms"), ("attributes", "tool.duration_ms"))
    if kind == "tool_result":
        status = text(attributes.get("tool.status"))
        parsed.tool_success = status == "success" if status else name not in FAILED_TOOL_NAMES
    if kind == "framework_patch":
        parsed.framework = text(attributes.get("framework.name"))
    if kind in FAILURE_TYPES or name in FAILED_TOOL_NAMES or parsed.level in ERROR_LEVELS:
        parsed.error_type = text(attributes.get("error.type")) or text(attributes.get("tool.error_type")) or name
        parsed.error_message = text(attributes.get("error.message")) or text(attributes.get("tool.error"))
    if name.startswith(SECURITY_PREFIX):
        alert_level = text(attributes.get("security.alert_level")) or name.removeprefix(SECURITY_PREFIX)
        parsed.add_finding(
            category=text(attributes.get("security.category")) or alert_level,
            severity=severity(attributes.get("security.severity"), alert_level), alert_level=alert_level,
            description=text(attributes.get("security.description")),
            data={key: attributes.get(attribute) for key, attribute in SECURITY_DATA.items()},
            keywords=attributes.get("security.keywords"), excerpt=text(attributes.get("security.content_sample")))
    return parsed


def _rows(event: TelemetryEventCreate, *where: str | int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        return _read(event).rows()
    except BadValue as exc:
        raise RequestValidationError([{"type": "value_error", "loc": ("body", *where, *exc.where),
                                       "msg": exc.message}]) from None


router = APIRouter(tags=["Cylestio ingest"])


@router.post("/v1/telemetry", status_code=201, openapi_extra=documented(TelemetryEventCreate))
async def post_event(request: Request) -> dict[str, Any]:
    """One event; answered once it is committed."""
    rows = _rows(parse(TelemetryEventCreate, await request.body()))
    await request.app.state.writer.write(batch([rows]))
    return {"success": True, "event_id": rows[0]["event_id"], "error": None}


@router.post("/v1/telemetry/batch", status_code=201, openapi_extra=documented(TelemetryBatch))
async def post_batch(request: Request) -> dict[str, Any]:
    """Many events, all committed together or none (an invalid one is a 422 for the whole batch)."""
    events = parse(TelemetryBatch, await request.body()).events
    rows = [_rows(event, "events", index) for index, event in enumerate(events)]
    if rows:
        await request.app.state.writer.write(batch(rows))
    return {"success": True, "total": len(rows), "processed": len(rows), "failed": 0, "details": []}
