"""The agentmetrics 0.2.0 ingest API: POST /v1/events and POST /v1/events/batch; one event is one run."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import to_json

from collector import pricing
from collector.batch import Batch
from collector.bounds import MAX_COST_USD
from collector.instants import format_instant
from collector.receivers.jsonbody import Int64, Record, documented, ingest_route, parse

SOURCE = "agentmetrics"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
_METADATA_MAX = 65_536

# agentmetrics-server 0.2.0 (app/schemas/event.py) blanks these out of `error` before storing it.
_SECRETS = [
    re.compile(r"sk-[A-Za-z0-9]{20,}"),
    re.compile(r"Bearer [A-Za-z0-9._\-]{20,}"),
    re.compile(r"(?i)password\s*[:=]\s*\S+"),
]


Text32 = Annotated[str, Field(max_length=32)]
Text64 = Annotated[str, Field(max_length=64)]
Text100 = Annotated[str, Field(max_length=100)]
Text128 = Annotated[str, Field(max_length=128)]
Text200 = Annotated[str, Field(max_length=200)]
Text255 = Annotated[str, Field(max_length=255)]
Text2000 = Annotated[str, Field(max_length=2000)]
Tokens = Annotated[int, Field(ge=0, le=10_000_000)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
SmallCount = Annotated[int, Field(ge=0, le=100_000)]
Money = Annotated[float, Field(ge=0, le=MAX_COST_USD)]
# Bounded so the rounded value fits the BIGINT columns.
Millis = Annotated[float, Field(ge=0, le=2**53)]
EpochMillis = Annotated[int, Field(ge=0, le=_LAST_MS, description="when the run ended, Unix epoch milliseconds")]


class AgentEndStatus(StrEnum):
    success = "success"
    failed = "failed"
    timeout = "timeout"
    killed = "killed"
    cancelled = "cancelled"


# Bounds are agentmetrics-server 0.2.0's; unknown fields are dropped, as there.
class AgentEndEvent(Record):
    event_id: Text64 | None = None
    trace_id: Annotated[str, Field(min_length=1, max_length=255)]  # the run's id when event_id is absent
    session_id: Text255 | None = None
    run_id: Text255 | None = None
    agent_id: Text255
    platform: Text64 | None = None
    event_name: Text128 | None = None
    ts: EpochMillis | None = None
    status: AgentEndStatus
    duration_ms: Millis | None = None
    cost_usd: Money | None = None
    model: Text200 | None = None
    model_provider: Text100 | None = None
    input_tokens: Tokens | None = None
    output_tokens: Tokens | None = None
    cache_read_tokens: Tokens | None = None
    cache_write_tokens: Tokens | None = None
    total_tokens: Annotated[int, Field(ge=0, le=50_000_000)] | None = None
    tool_calls: Count | None = None
    tool_errors: Count | None = None
    tool_names: list[str] | None = None
    step_count: Count | None = None
    loop_count: Count | None = None
    llm_calls: Count | None = None
    images_count: SmallCount | None = None
    subagents_spawned: SmallCount | None = None
    subagent_errors: SmallCount | None = None
    compactions: SmallCount | None = None
    resets: SmallCount | None = None
    error: Text2000 | None = None
    environment: Text100 | None = None
    version: Text100 | None = None
    redaction_policy_version: Text64 | None = None
    parent_trace_id: Text255 | None = None
    estimated_cost_usd: Money | None = None
    sdk_version: Text32 | None = None
    host_id: Text255 | None = None
    workflow_id: Text255 | None = None
    skill_name: Text255 | None = None
    toolset: Text100 | None = None
    secrets_blocked_count: Count | None = None
    pii_detected_count: Count | None = None
    # The agentmetrics SDK sends these too; the reference server drops them, we keep them.
    span_id: str | None = None
    parent_span_id: str | None = None
    skills_loaded_count: Int64 | None = None
    skill_names_hash: str | None = None
    memory_writes_count: Int64 | None = None
    session_search_calls: Int64 | None = None
    delegation_depth: Int64 | None = None
    cronjob_id: str | None = None
    cron_run_id: str | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > _METADATA_MAX:
            raise ValueError("metadata must be 64KB or smaller")
        return value

    @field_validator("error")
    @classmethod
    def _scrub(cls, value: str | None) -> str | None:
        for pattern in _SECRETS if value else ():
            value = pattern.sub("[REDACTED]", value)
        return value

    @model_validator(mode="after")
    def _representable(self) -> AgentEndEvent:
        try:
            self.interval(datetime.now(UTC))
        except OverflowError:
            raise ValueError("ts - duration_ms falls before year 1") from None
        return self

    @property
    def key(self) -> str:
        """The run id: the client's event_id, stable across its retries, else its trace_id."""
        return self.event_id or self.trace_id

    def interval(self, received: datetime) -> tuple[datetime, datetime]:
        """(started_at, finished_at): the SDK stamps `ts` when the run ends; without it, when it arrived."""
        finished = _EPOCH + timedelta(milliseconds=self.ts) if self.ts is not None else received
        return finished - timedelta(milliseconds=self.duration_ms or 0), finished


class AgentEndBatch(Record):
    events: list[AgentEndEvent] = Field(min_length=1, max_length=100)


# The SDK's own record of each step and tool call, in metadata.steps / metadata.tool_calls_detail.
class Step(Record):
    name: str | None = None
    type: str | None = None
    status: str | None = None
    duration_ms: Millis | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None


def _entries(value: Any) -> list[Step]:
    """The well-formed entries of a free-form list; the rest stay in metadata only, as the reference keeps them."""
    entries = []
    for item in value if isinstance(value, list) else ():
        try:
            entries.append(Step.model_validate(item))
        except ValidationError:
            continue
    return entries


# Fields the run's columns or its AgentD-shaped record hold; every other field sent goes into its metadata.
_MAPPED = {"event_id", "trace_id", "session_id", "agent_id", "ts", "status", "duration_ms", "cost_usd",
           "estimated_cost_usd", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
           "error", "span_id", "parent_span_id", "metadata"}
# agentmetrics status -> (run status, error type); a success that still reports an error gets "AgentError".
_STATUS = {"success": ("completed", None), "failed": ("failed", "AgentError"), "timeout": ("timeout", "timeout"),
           "killed": ("failed", "killed"), "cancelled": ("failed", "cancelled")}
_STEP_TYPES = {"llm": "llm_call", "tool": "tool_call"}


def _costs(event: AgentEndEvent, tokens: dict[str, int]) -> dict[str, Any]:
    """A cost the client paid wins (sdk), then the SDK's estimate, then ours from the genai-prices tables."""
    sdk = event.cost_usd or None  # the reference server's default is 0: no cost
    estimated = event.estimated_cost_usd
    if sdk is None and estimated is None:
        estimated, _ = pricing.cost(None, tokens, event.model, event.model_provider)
    cost, source = (sdk, "sdk") if sdk is not None else (estimated, "estimated" if estimated is not None else None)
    return {"cost_usd": cost, "cost_source": source, "sdk_cost_usd": sdk, "estimated_cost_usd": estimated}


def _tool_summary(tools: list[Step]) -> list[dict[str, Any]]:
    summary: dict[str | None, dict[str, Any]] = {}
    for tool in tools:
        entry = summary.setdefault(tool.name, {"tool": tool.name, "count": 0, "total_duration_ms": 0.0,
                                               "success_count": 0, "failure_count": 0})
        entry["count"] += 1
        entry["total_duration_ms"] += tool.duration_ms or 0
        entry["success_count" if tool.status == "success" else "failure_count"] += 1
    return [{**entry, "total_duration_ms": round(entry["total_duration_ms"])} for entry in summary.values()]


def _event(run: dict[str, Any], sequence: int, kind: str, key: str, at: tuple[datetime, str], *,
           tool: Step | None = None, step: Step | None = None, failed: bool = False, error_type: str | None = None,
           error_message: str | None = None) -> dict[str, Any]:
    """One events row at `at` (the instant and its text); its data has the AgentD event's keys first, then what
    agentmetrics adds."""
    detail = tool or step
    duration = detail and detail.duration_ms
    level = "ERROR" if failed else "INFO"
    error = {"type": error_type, "message": error_message, "stack": None} if failed and (
        error_type or error_message) else None
    tool_fields = {"tool_name": tool.name, "tool_id": None, "tool_duration_ms": round(tool.duration_ms or 0),
                   "tool_success": tool.status == "success"} if tool else {}
    data = {
        "event_id": f"{run['run_id']}:{key}", "type": kind, "timestamp": at[1],
        "sequence_number": sequence, "tool_name": tool_fields.get("tool_name"), "tool_id": None, "tool_input": None,
        "tool_output": None, "tool_duration_ms": tool_fields.get("tool_duration_ms"),
        "tool_success": tool_fields.get("tool_success"), "content": None, "thinking": None, "tokens": None,
        "error": error, "duration_ms": duration, "level": level, "step_name": step and step.name,
        "step_type": step and step.type, "status": detail and detail.status, "metadata": detail and detail.metadata,
    }
    return {
        "event_id": data["event_id"], "run_id": run["run_id"], "source": SOURCE, "type": kind, "timestamp": at[0],
        "sequence_number": sequence, **tool_fields, "error_type": error_type if failed else None,
        "error_message": error_message if failed else None, "agent_id": run["agent_id"],
        "session_id": run["session_id"], "level": level, "duration_ms": duration,
        "data": to_json(data, inf_nan_mode="null").decode(),
    }


def _events(run: dict[str, Any], steps: list[Step], tools: list[Step]) -> list[dict[str, Any]]:
    """run_start, each step, each tool call, run_end; the SDK gives no time per step, so order is the sequence."""
    # Every event is stamped with the run's start or end: each is formatted once, not once per event.
    started = run["started_at"], format_instant(run["started_at"])
    finished = run["finished_at"], format_instant(run["finished_at"])
    rows = [_event(run, 0, "run_start", "start", started)]
    for i, step in enumerate(steps):
        rows.append(_event(run, len(rows), _STEP_TYPES.get(step.type, "step"), f"step:{i}", started, step=step,
                           failed=step.status == "failed", error_message=step.error))
    for i, tool in enumerate(tools):
        # No tool_id: each call is one tool_call event, counted once by /v1/tools.
        rows.append(_event(run, len(rows), "tool_call", f"tool:{i}", started, tool=tool,
                           failed=tool.status != "success", error_message=tool.error))
    rows.append(_event(run, len(rows), "run_end", "end", finished, failed=run["status"] != "completed",
                       error_type=run["error_type"], error_message=run["error_message"]))
    return rows


# What the SDK counted in the run before sending it: (field, category, rule, severity, what it means).
_CLIENT_FINDINGS = (("secrets_blocked_count", "secret", "client:secrets_blocked", "medium",
                     "agentmetrics blocked {count} secret(s) in this run"),
                    ("pii_detected_count", "pii", "client:pii_detected", "low",
                     "agentmetrics detected {count} PII value(s) in this run"))


def _findings(event: AgentEndEvent, run: dict[str, Any]) -> list[dict[str, Any]]:
    """One client finding per kind the SDK counted (it sends counts, never the values)."""
    found = []
    for name, category, rule, severity, description in _CLIENT_FINDINGS:
        count = getattr(event, name)
        if count:
            found.append({
                "finding_id": f"{run['run_id']}:{rule}", "source": SOURCE, "detector": "client",
                "run_id": run["run_id"], "agent_id": run["agent_id"], "session_id": run["session_id"],
                "timestamp": run["finished_at"], "category": category, "severity": severity, "rule": rule,
                "description": description.format(count=count), "data": json.dumps({"count": count})})
    return found


def _rows(event: AgentEndEvent, received: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run row and event rows of one agent_end event."""
    started, finished = event.interval(received)
    tokens = {"input": event.input_tokens or 0, "output": event.output_tokens or 0,
              "cache_read": event.cache_read_tokens or 0, "cache_write": event.cache_write_tokens or 0}
    costs = _costs(event, tokens)
    sent = event.metadata or {}
    steps, tools = _entries(sent.get("steps")), _entries(sent.get("tool_calls_detail"))
    status, error_type = _STATUS[event.status]
    error_type = error_type or ("AgentError" if event.error else None)
    duration = round(event.duration_ms) if event.duration_ms is not None else None
    data = {
        "run_id": event.key, "agent_id": event.agent_id, "session_id": event.session_id, "sdk_session_id": None,
        "started_at": format_instant(started), "finished_at": format_instant(finished), "duration_ms": duration,
        "api_duration_ms": None, "first_token_ms": None, "num_turns": None, "status": status,
        "tokens": tokens, **costs, "model": event.model, "trace_id": event.trace_id, "span_id": event.span_id,
        "parent_span_id": event.parent_span_id,
        "error": {"type": error_type, "message": event.error, "stack": None} if error_type else None,
        "tool_calls": _tool_summary(tools),
        "metadata": {**sent, **event.model_dump(exclude=_MAPPED, exclude_none=True)},
        "prompt": None,
    }
    run = {
        "run_id": event.key, "source": SOURCE, "agent_id": event.agent_id, "session_id": event.session_id,
        "status": status, "started_at": started, "finished_at": finished, "duration_ms": duration,
        "tokens_input": tokens["input"], "tokens_output": tokens["output"], "tokens_cache_read": tokens["cache_read"],
        "tokens_cache_write": tokens["cache_write"], "tokens_reasoning": 0, **costs, "model": event.model,
        "provider": event.model_provider, "framework": event.platform, "trace_id": event.trace_id,
        "span_id": event.span_id, "parent_span_id": event.parent_span_id, "error_type": error_type,
        "error_message": event.error,
        # pydantic_core keeps the key order and writes NaN in free-form metadata as null, which JSON can hold.
        "data": to_json(data, inf_nan_mode="null").decode(),
    }
    return run, _events(run, steps, tools)


def _batch(events: list[AgentEndEvent]) -> Batch:
    received = datetime.now(UTC)
    runs, rows, findings = [], [], []
    for event in events:
        run, event_rows = _rows(event, received)
        runs.append(run)
        rows.extend(event_rows)
        findings.extend(_findings(event, run))
    return Batch.from_rows(runs=runs, events=rows, security_findings=findings)


router = APIRouter(tags=["agentmetrics ingest"])


# 201, not 202: the agentmetrics SDK takes anything but 200/201 as a failure and sends the events again.
@router.post("/v1/events", status_code=201, openapi_extra=documented(AgentEndEvent))
async def post_event(request: Request) -> dict[str, Any]:
    """One agent_end event; re-posting its event_id (or, without one, its trace_id) replaces the run."""
    event = parse(AgentEndEvent, await request.body())
    await request.app.state.writer.write(_batch([event]))
    return {"status": "accepted", "event_id": event.key}


def decode_batch(body: bytes) -> tuple[Batch, int]:
    """A /v1/events/batch body as its batch and the number of events it holds."""
    events = parse(AgentEndBatch, body).events
    return _batch(events), len(events)


async def post_events(request: Request) -> JSONResponse:
    """1 to 100 agent_end events, all stored or none (one invalid event refuses the request with a 422). Decoded in
    a worker process (workers.py): a batch of 20 costs the event loop ~2 ms of Python otherwise (bench_handoff)."""
    batch, accepted = await request.app.state.workers.decode(decode_batch, await request.body())
    await request.app.state.writer.write(batch, inspected=True)
    return JSONResponse({"status": "accepted", "accepted": accepted, "rejected": 0}, status_code=201)


ingest_route(router, "/v1/events/batch", post_events, AgentEndBatch, 201)
