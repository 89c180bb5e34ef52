"""The AgentD (AgentMetrics) receiver ingest API: POST /v1/runs and POST /v1/runs/{run_id}/events."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from analytics.tables import EVENTS, RUNS
from collector.batch import Batch, Columns
from collector.instants import Instant
from collector.landing import Received
from collector.receivers.jsonbody import Id, Int64, Millis, Record, Tokens, Usd, documented, ingest_route, parse

SOURCE = "agentd"
# The name POST /v1/runs bodies land under (collector/receivers/received.py).
RUNS_DECODER = "agentd.runs"


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    timeout = "timeout"


class EventType(StrEnum):
    run_start = "run_start"
    assistant_message = "assistant_message"
    thinking = "thinking"
    tool_call = "tool_call"
    tool_result = "tool_result"
    error = "error"
    api_error = "api_error"
    run_end = "run_end"
    stream_event = "stream_event"
    system_message = "system_message"
    user_message = "user_message"


class TokenUsage(Record):
    input: Tokens = 0
    output: Tokens = 0
    cache_read: Tokens = 0
    cache_write: Tokens = 0


class ErrorInfo(Record):
    type: str
    message: str
    stack: str | None = None


class ToolCallSummary(Record):
    tool: str
    count: Int64 = 0
    total_duration_ms: Millis = 0
    success_count: Int64 = 0
    failure_count: Int64 = 0


# Field order is the receiver's response key order; unknown fields are dropped, as the receiver does.
class RunEvent(Record):
    event_id: Id
    type: EventType
    timestamp: Instant
    sequence_number: Int64 = 0
    tool_name: str | None = None
    tool_id: str | None = None
    tool_input: dict[str, Any] | None = None
    tool_output: str | None = None
    tool_duration_ms: Millis | None = None
    tool_success: bool | None = None
    content: str | None = None
    thinking: str | None = None
    tokens: TokenUsage | None = None
    error: ErrorInfo | None = None


class AgentRun(Record):
    run_id: Id
    agent_id: str | None = None
    session_id: str | None = None
    sdk_session_id: str | None = None
    started_at: Instant
    finished_at: Instant | None = None
    duration_ms: Millis | None = None
    api_duration_ms: Millis | None = None
    first_token_ms: Millis | None = None
    num_turns: Int64 | None = None
    status: RunStatus = RunStatus.running
    tokens: TokenUsage = TokenUsage()
    cost_usd: Usd | None = None
    cost_source: str | None = None
    sdk_cost_usd: Usd | None = None
    estimated_cost_usd: Usd | None = None
    model: str | None = None
    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    error: ErrorInfo | None = None
    tool_calls: list[ToolCallSummary] = []
    events: list[RunEvent] = []
    metadata: dict[str, Any] = {}
    prompt: str | None = None


def _columns(schema: pa.Schema, rows: int, **given: list[Any]) -> Columns:
    """A Batch table of `rows` rows: the given columns, every other column of the schema NULL."""
    if not rows:
        return {}
    return {name: given[name] if name in given else [None] * rows for name in schema.names}


def _event_columns(run_ids: list[str], events: list[RunEvent], runs: list[AgentRun | None]) -> Columns:
    """Column by column, not row by row: a request's rows cost one list per column instead of one dict per row and a
    transposition. A streamed event knows only its run id; the writer fills its agent and session from the run."""
    tokens = [event.tokens for event in events]
    errors = [event.error for event in events]
    return _columns(
        EVENTS, len(events),
        event_id=[event.event_id for event in events],
        run_id=run_ids,
        source=[SOURCE] * len(events),
        type=[event.type.value for event in events],
        timestamp=[event.timestamp for event in events],
        sequence_number=[event.sequence_number for event in events],
        tool_name=[event.tool_name for event in events],
        tool_id=[event.tool_id for event in events],
        tool_duration_ms=[event.tool_duration_ms for event in events],
        tool_success=[event.tool_success for event in events],
        tokens_input=[t and t.input for t in tokens],
        tokens_output=[t and t.output for t in tokens],
        tokens_cache_read=[t and t.cache_read for t in tokens],
        tokens_cache_write=[t and t.cache_write for t in tokens],
        error_type=[e and e.type for e in errors],
        error_message=[e and e.message for e in errors],
        agent_id=[run and run.agent_id for run in runs],
        session_id=[run and run.session_id for run in runs],
        level=["ERROR" if error is not None or event.tool_success is False else "INFO"
               for event, error in zip(events, errors, strict=True)],
        duration_ms=[event.tool_duration_ms for event in events],
        data=[event.model_dump_json() for event in events],
    )


def _run_columns(runs: list[AgentRun]) -> Columns:
    tokens = [run.tokens for run in runs]
    errors = [run.error for run in runs]
    return _columns(
        RUNS, len(runs),
        run_id=[run.run_id for run in runs],
        source=[SOURCE] * len(runs),
        agent_id=[run.agent_id for run in runs],
        session_id=[run.session_id for run in runs],
        sdk_session_id=[run.sdk_session_id for run in runs],
        status=[run.status.value for run in runs],
        started_at=[run.started_at for run in runs],
        finished_at=[run.finished_at for run in runs],
        duration_ms=[run.duration_ms for run in runs],
        api_duration_ms=[run.api_duration_ms for run in runs],
        first_token_ms=[run.first_token_ms for run in runs],
        num_turns=[run.num_turns for run in runs],
        tokens_input=[t.input for t in tokens],
        tokens_output=[t.output for t in tokens],
        tokens_cache_read=[t.cache_read for t in tokens],
        tokens_cache_write=[t.cache_write for t in tokens],
        cost_usd=[run.cost_usd for run in runs],
        cost_source=[run.cost_source for run in runs],
        sdk_cost_usd=[run.sdk_cost_usd for run in runs],
        estimated_cost_usd=[run.estimated_cost_usd for run in runs],
        model=[run.model for run in runs],
        trace_id=[run.trace_id for run in runs],
        span_id=[run.span_id for run in runs],
        parent_span_id=[run.parent_span_id for run in runs],
        error_type=[e and e.type for e in errors],
        error_message=[e and e.message for e in errors],
        tokens_reasoning=[0] * len(runs),  # the AgentD SDK does not report it
        # The AgentD SDK tracks Claude Agent SDK runs only.
        framework=["claude-agent-sdk"] * len(runs),
        provider=["anthropic"] * len(runs),
        # Events live in their own table, where streamed and batched copies of one event meet.
        data=[run.model_dump_json(exclude={"events"}) for run in runs],
    )


def runs_batch(runs: list[AgentRun]) -> Batch:
    """The runs and the events they carry."""
    owned = [(run, event) for run in runs for event in run.events]
    return Batch(runs=_run_columns(runs), events=_event_columns(
        [run.run_id for run, _ in owned], [event for _, event in owned], [run for run, _ in owned]))


def decode_runs(bodies: Sequence[bytes]) -> Batch:
    """The batch of POST /v1/runs bodies that were accepted: their runs, parsed again, and the events they carry."""
    return runs_batch([parse(AgentRun, body) for body in bodies])


def events_batch(run_ids: list[str], events: list[RunEvent]) -> Batch:
    """Events streamed on their own, each under its run id."""
    return Batch(events=_event_columns(run_ids, events, [None] * len(events)))


async def post_run(request: Request) -> JSONResponse:
    """A finished (or updated) run with its events; re-posting a run_id replaces it. Validated here, so that a bad
    body is answered 422; its rows are made when it is derived."""
    body = await request.body()
    run = parse(AgentRun, body)
    await request.app.state.writer.write(Received(RUNS_DECODER, body, 1 + len(run.events)))
    return JSONResponse({"status": "accepted", "run_id": run.run_id}, status_code=202)


router = APIRouter(tags=["AgentD ingest"])
ingest_route(router, "/v1/runs", post_run, AgentRun, 202)


@router.post("/v1/runs/{run_id:path}/events", status_code=202, openapi_extra=documented(RunEvent))
async def post_event(run_id: str, request: Request) -> dict[str, Any]:
    """One streamed event; it may arrive before or after its run, and re-posting an event_id replaces it."""
    event = parse(RunEvent, await request.body())
    await request.app.state.writer.write(events_batch([run_id], [event]))
    return {"status": "accepted", "run_id": run_id}
