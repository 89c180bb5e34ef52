"""The Cylestio mini-server ingest API (cylestio-monitor up to 0.1.4): POST /api/v1/telemetry[/] and /batch.

Same paths, status codes and bodies as cylestio-local-mini-server, except that a 202 means the events are
committed (the original answered first and stored later, losing whole batches on errors), the no-slash path
answers directly instead of redirecting, and timestamps or counts that cannot be stored are a 400 up front.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pydantic_core
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from collector.instants import parse_instant
from collector.receivers.cylestio_events import (
    ERROR_LEVELS,
    FAILED_TOOL_NAMES,
    FAILURE_TYPES,
    BadValue,
    CylestioEvent,
    batch,
    first,
    milliseconds,
    text,
    tokens,
)

REQUIRED = ("timestamp", "agent_id", "event_type")
SINGLE_BODY = {"type": "object", "required": list(REQUIRED),
               "properties": {"timestamp": {"type": "string"}, "agent_id": {"type": "string"},
                              "event_type": {"type": "string"}, "level": {"type": "string"},
                              "channel": {"type": "string"}, "session_id": {"type": "string"},
                              "data": {"type": "object"}}}
# The other fields the format defines, kept in the event's data as sent (anything else goes under "extras").
SENT = ("channel", "direction", "conversation_id", "caller", "data")
# Where a legacy event may name its session, first present wins.
SESSION_FIELDS = (("session_id",), ("data", "session_id"), ("conversation_id",), ("data", "conversation_id"))
# The client's own alert words and what they mean (the mini server's security extractor, client alerts only).
ALERTS = {"dangerous": ("high", "Potentially harmful content detected"),
          "suspicious": ("medium", "Suspicious pattern detected")}
BLOCKED = {"LLM_call_blocked": "LLM call blocked", "MCP_tool_call_blocked": "MCP tool call blocked"}


def _refuse(errors: list[Any]) -> HTTPException:
    return HTTPException(400, {"errors": errors})


def _body(raw: bytes) -> Any:
    try:
        return pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise _refuse([f"Request body is not valid JSON: {exc}"]) from None


def _problems(event: Any) -> list[str]:
    """What the original checks (the three required fields), then what the collector needs to store the event."""
    if not isinstance(event, Mapping):
        return ["Event must be a JSON object"]
    missing = [f"Missing required field: {name}" for name in REQUIRED if name not in event]
    if missing:
        return missing
    problems = [f"Invalid field: {name} must be a non-empty string" for name in ("agent_id", "event_type")
                if not isinstance(event[name], str) or not event[name]]
    if not isinstance(event["timestamp"], str):
        problems.append("Invalid field: timestamp must be an ISO 8601 string")
    else:
        try:
            parse_instant(event["timestamp"])
        except ValueError as exc:
            problems.append(f"Invalid field: timestamp: {exc}")
    if event.get("level") is not None and not isinstance(event["level"], str):
        problems.append("Invalid field: level must be a string")
    return problems


def _dig(event: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _provider(response: Mapping[str, Any]) -> str | None:
    """The vendor whose response shape this is: the legacy format does not name it."""
    if response.get("type") == "message" and response.get("role") == "assistant":
        return "anthropic"
    if isinstance(response.get("object"), str) and response["object"].startswith("chat.completion"):
        return "openai"
    return None


def _framework(data: Mapping[str, Any]) -> str | None:
    framework = data.get("framework")
    return text(framework.get("name")) if isinstance(framework, Mapping) else text(framework)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _read(event: Mapping[str, Any]) -> CylestioEvent:
    """One validated legacy event (see _problems) as a CylestioEvent; raises BadValue for unstorable numbers."""
    name, agent_id = event["event_type"], event["agent_id"]
    timestamp: datetime = parse_instant(event["timestamp"])
    data = _mapping(event.get("data"))
    session = next((found for path in SESSION_FIELDS if (found := text(_dig(event, path)))), None)
    # Without a session the writer picks the agent's run by time; the date run is only its starting point.
    run_id = f"{agent_id}:{session or timestamp.strftime('%Y-%m-%d')}"
    sent = {key: event[key] for key in SENT if key in event}
    extras = {key: value for key, value in event.items() if key not in (*REQUIRED, *SENT, "level", "session_id")}
    if extras:
        sent["extras"] = extras
    parsed = CylestioEvent(
        format="legacy", name=name, timestamp=timestamp, level=str(event.get("level") or "INFO").upper(),
        agent_id=agent_id, session_id=session, run_id=run_id,
        identity=("legacy", agent_id, name, timestamp.isoformat(), session), sent=sent)
    kind = parsed.type
    response = _mapping(data.get("response"))
    if kind in ("llm_request", "llm_call", "llm_blocked", "error"):
        parsed.model = text(response.get("model")) or text(data.get("model"))
        parsed.provider = _provider(response)
    if kind == "llm_call":
        if isinstance(response.get("usage"), Mapping):
            parsed.tokens = tokens(response["usage"], ("data", "response", "usage"))
        elif isinstance(data.get("usage"), Mapping):
            parsed.tokens = tokens(data["usage"], ("data", "usage"))
    if kind in ("llm_call", "model_response"):
        # The LangChain callback of 0.1.4 reports each model response as `model_response`, timed in
        # performance.duration_ms: the only LLM latency that version sends (the mini server reads it there).
        parsed.duration_ms = first(
            milliseconds(data.get("duration_ms"), ("data", "duration_ms")),
            milliseconds(_dig(data, ("performance", "duration_ms")), ("data", "performance", "duration_ms")),
            milliseconds(data.get("duration"), ("data", "duration"), scale=1000.0))
    if kind in ("tool_call", "tool_result", "tool_blocked"):
        parsed.tool_name = text(data.get("tool")) or text(data.get("function")) or text(data.get("method"))
    if kind == "tool_result":
        parsed.tool_success = name not in FAILED_TOOL_NAMES
        # call_finish and MCP_tool_call_finish measure in seconds.
        parsed.duration_ms = milliseconds(data.get("duration"), ("data", "duration"), scale=1000.0)
    if kind == "framework_patch":
        parsed.framework = _framework(data)
    if kind in FAILURE_TYPES or name in FAILED_TOOL_NAMES or parsed.level in ERROR_LEVELS:
        parsed.error_type = text(data.get("error_type")) or name
        parsed.error_message = text(data.get("reason")) or text(data.get("error"))
    _add_findings(parsed, event, data)
    return parsed


def _add_findings(parsed: CylestioEvent, event: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """The original's rules for alerts the client raised: a block with a reason, else the alert word."""
    reason = text(data.get("reason"))
    alert = text(event.get("alert")) or text(data.get("alert"))
    details = {"alert": alert, "reason": reason, "tool": text(data.get("tool"))}
    if parsed.name in BLOCKED and reason:
        parsed.add_finding("blocked", "high", alert, f"{BLOCKED[parsed.name]}: {reason}", details)
    elif alert and alert != "none":
        severity, description = ALERTS.get(alert, ("low", "Informational security notice"))
        parsed.add_finding(alert, severity, alert, description, details)


def _bad_value(exc: BadValue, index: int | None = None) -> HTTPException:
    message = f"Invalid field: {'.'.join(map(str, exc.where))} {exc.message}" if exc.where else exc.message
    return _refuse([message] if index is None else [{"index": index, "errors": [message]}])


def _documented(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its free-form JSON body itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


router = APIRouter(tags=["Cylestio ingest"])


@router.post("/api/v1/telemetry/", status_code=202, openapi_extra=_documented(SINGLE_BODY))
@router.post("/api/v1/telemetry", status_code=202, include_in_schema=False)
async def post_event(request: Request) -> JSONResponse:
    """One event; answered once it is committed. Both paths answer: 0.1.6+ clients do not follow redirects."""
    event = _body(await request.body())
    problems = _problems(event)
    if problems:
        raise _refuse(problems)
    try:
        rows = _read(event).rows()
    except BadValue as exc:
        raise _bad_value(exc) from None
    await request.app.state.writer.write(batch([rows]))
    return JSONResponse({"status": "accepted", "message": "Event queued for processing"}, status_code=202)


@router.post("/api/v1/telemetry/batch", status_code=202,
             openapi_extra=_documented({"type": "array", "items": SINGLE_BODY}))
async def post_batch(request: Request) -> JSONResponse:
    """A bare JSON array of events, all committed together or none."""
    events = _body(await request.body())
    if not isinstance(events, list):
        raise _refuse(["Request body must be a JSON array of events"])
    if not events:
        raise _refuse(["No events provided"])
    problems = [{"index": i, "errors": found} for i, event in enumerate(events) if (found := _problems(event))]
    if problems:
        raise _refuse(problems)
    rows = []
    for index, event in enumerate(events):
        try:
            rows.append(_read(event).rows())
        except BadValue as exc:
            raise _bad_value(exc, index) from None
    await request.app.state.writer.write(batch(rows))
    return JSONResponse({"status": "accepted", "message": f"{len(events)} events queued for processing"},
                        status_code=202)
