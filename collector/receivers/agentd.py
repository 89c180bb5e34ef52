"""The AgentD (AgentMetrics) receiver ingest API: POST /v1/runs and POST /v1/runs/{run_id}/events."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field

from collector.batch import Batch
from collector.instants import Instant
from collector.receivers.jsonbody import Int64, Record, documented, parse

SOURCE = "agentd"


Count = Annotated[int, Field(ge=0, le=2**63 - 1)]


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
    input: Count = 0
    output: Count = 0
    cache_read: Count = 0
    cache_write: Count = 0


class ErrorInfo(Record):
    type: str
    message: str
    stack: str | None = None


class ToolCallSummary(Record):
    tool: str
    count: Int64 = 0
    total_duration_ms: Int64 = 0
    success_count: Int64 = 0
    failure_count: Int64 = 0


# Field order is the receiver's response key order; unknown fields are dropped, as the receiver does.
class RunEvent(Record):
    event_id: str
    type: EventType
    timestamp: Instant
    sequence_number: Int64 = 0
    tool_name: str | None = None
    tool_id: str | None = None
    tool_input: dict[str, Any] | None = None
    tool_output: str | None = None
    tool_duration_ms: Int64 | None = None
    tool_success: bool | None = None
    content: str | None = None
    thinking: str | None = None
    tokens: TokenUsage | None = None
    error: ErrorInfo | None = None


class AgentRun(Record):
    run_id: str
    agent_id: str | None = None
    session_id: str | None = None
    sdk_session_id: str | None = None
    started_at: Instant
    finished_at: Instant | None = None
    duration_ms: Int64 | None = None
    api_duration_ms: Int64 | None = None
    first_token_ms: Int64 | None = None
    num_turns: Int64 | None = None
    status: RunStatus = RunStatus.running
    tokens: TokenUsage = TokenUsage()
    cost_usd: float | None = None
    cost_source: str | None = None
    sdk_cost_usd: float | None = None
    estimated_cost_usd: float | None = None
    model: str | None = None
    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    error: ErrorInfo | None = None
    tool_calls: list[ToolCallSummary] = []
    events: list[RunEvent] = []
    metadata: dict[str, Any] = {}
    prompt: str | None = None


def event_row(run_id: str, event: RunEvent, run: AgentRun | None = None) -> dict[str, Any]:
    """A streamed event knows only its run id; the writer fills its agent and session from the run."""
    tokens, error = event.tokens, event.error
    failed = error is not None or event.tool_success is False
    return {
        "event_id": event.event_id,
        "run_id": run_id,
        "source": SOURCE,
        "type": event.type.value,
        "timestamp": event.timestamp,
        "sequence_number": event.sequence_number,
        "tool_name": event.tool_name,
        "tool_id": event.tool_id,
        "tool_duration_ms": event.tool_duration_ms,
        "tool_success": event.tool_success,
        "tokens_input": tokens and tokens.input,
        "tokens_output": tokens and tokens.output,
        "tokens_cache_read": tokens and tokens.cache_read,
        "tokens_cache_write": tokens and tokens.cache_write,
        "error_type": error and error.type,
        "error_message": error and error.message,
        "agent_id": run and run.agent_id,
        "session_id": run and run.session_id,
        "level": "ERROR" if failed else "INFO",
        "duration_ms": event.tool_duration_ms,
        "data": event.model_dump_json(),
    }


def run_row(run: AgentRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "source": SOURCE,
        "agent_id": run.agent_id,
        "session_id": run.session_id,
        "sdk_session_id": run.sdk_session_id,
        "status": run.status.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_ms": run.duration_ms,
        "api_duration_ms": run.api_duration_ms,
        "first_token_ms": run.first_token_ms,
        "num_turns": run.num_turns,
        "tokens_input": run.tokens.input,
        "tokens_output": run.tokens.output,
        "tokens_cache_read": run.tokens.cache_read,
        "tokens_cache_write": run.tokens.cache_write,
        "cost_usd": run.cost_usd,
        "cost_source": run.cost_source,
        "sdk_cost_usd": run.sdk_cost_usd,
        "estimated_cost_usd": run.estimated_cost_usd,
        "model": run.model,
        "trace_id": run.trace_id,
        "span_id": run.span_id,
        "parent_span_id": run.parent_span_id,
        "error_type": run.error and run.error.type,
        "error_message": run.error and run.error.message,
        "tokens_reasoning": 0,  # the AgentD SDK does not report it
        # The AgentD SDK tracks Claude Agent SDK runs only.
        "framework": "claude-agent-sdk",
        "provider": "anthropic",
        # Events live in their own table, where streamed and batched copies of one event meet.
        "data": run.model_dump_json(exclude={"events"}),
    }


router = APIRouter(tags=["AgentD ingest"])


@router.post("/v1/runs", status_code=202, openapi_extra=documented(AgentRun))
async def post_run(request: Request) -> dict[str, Any]:
    """A finished (or updated) run with its events; re-posting a run_id replaces it."""
    run = parse(AgentRun, await request.body())
    batch = Batch.from_rows(runs=[run_row(run)], events=[event_row(run.run_id, e, run) for e in run.events])
    await request.app.state.writer.write(batch)
    return {"status": "accepted", "run_id": run.run_id}


@router.post("/v1/runs/{run_id}/events", status_code=202, openapi_extra=documented(RunEvent))
async def post_event(run_id: str, request: Request) -> dict[str, Any]:
    """One streamed event; it may arrive before or after its run, and re-posting an event_id replaces it."""
    event = parse(RunEvent, await request.body())
    await request.app.state.writer.write(Batch.from_rows(events=[event_row(run_id, event)]))
    return {"status": "accepted", "run_id": run_id}
