"""The real agentd-sdk client, batch and streaming, against a real collector; values read back through every route."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import agentd
import pytest

MODEL = "claude-sonnet-4-5-20250929"


# agentd's tracker dispatches on type(message).__name__, so these stand in for claude_agent_sdk's messages.
@dataclass
class SystemMessage:
    subtype: str
    data: dict


@dataclass
class TextBlock:
    text: str


@dataclass
class ThinkingBlock:
    thinking: str


@dataclass
class ToolUseBlock:
    id: str
    name: str
    input: dict


@dataclass
class ToolResultBlock:
    tool_use_id: str
    content: str
    is_error: bool = False


@dataclass
class AssistantMessage:
    content: list
    model: str = MODEL
    error: Any = None


@dataclass
class UserMessage:
    content: list


@dataclass
class Usage:
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int


@dataclass
class ResultMessage:
    result: str
    usage: Usage
    duration_ms: int = 1234
    duration_api_ms: int = 1100
    num_turns: int = 3
    total_cost_usd: float = 0.0123
    session_id: str = "sdk-sess-1"
    is_error: bool = False


async def _conversation(fail: bool):
    yield SystemMessage("init", {"model": MODEL})
    yield AssistantMessage([ThinkingBlock("let me search"), TextBlock("Searching."),
                            ToolUseBlock("toolu_1", "WebSearch", {"query": "ai agents"})])
    await asyncio.sleep(0.03)
    yield UserMessage([ToolResultBlock("toolu_1", "3 results")])
    if fail:
        raise RuntimeError("simulated crash")
    yield AssistantMessage([ToolUseBlock("toolu_2", "Read", {"path": "/x"})])
    yield UserMessage([ToolResultBlock("toolu_2", "ENOENT", is_error=True)])
    yield AssistantMessage([TextBlock("Done.")])
    yield ResultMessage("Done.", Usage(1500, 320, 100, 0))


async def _send_runs(url: str, *, streaming: bool, api_key: str | None = None) -> None:
    agentd.configure(endpoint_url=url, agent_id="unused-default", api_key=api_key, streaming=streaming,
                     include_prompt=True, default_metadata={"env": "test"})
    try:
        for agent_id, fail in (("researcher", False), ("researcher", False), ("crasher", True)):
            with pytest.raises(RuntimeError) if fail else contextlib.nullcontext():
                async for _ in agentd.tracked_query(_conversation(fail), agent_id=agent_id, session_id="s-1",
                                                    prompt="research agents", metadata={"ticket": 7}):
                    pass
        await asyncio.sleep(0.5)  # streamed events are fire-and-forget tasks; let them land
    finally:
        await agentd.close_session()


def send_runs(url: str, *, streaming: bool, api_key: str | None = None) -> None:
    asyncio.run(_send_runs(url, streaming=streaming, api_key=api_key))


COMPLETED_EVENT_TYPES = ["run_start", "system_message", "thinking", "tool_call", "assistant_message", "tool_result",
                         "tool_call", "tool_result", "assistant_message", "run_end"]
FAILED_EVENT_TYPES = ["run_start", "system_message", "thinking", "tool_call", "assistant_message", "tool_result",
                      "error"]


@pytest.mark.parametrize("streaming", [False, True], ids=["batch", "streaming"])
def test_sdk_runs_through_every_query_route(collector, streaming):
    send_runs(collector.url, streaming=streaming)
    http = collector.client()

    page = http.get("/v1/runs").json()
    assert page["total"] == 3 and page["limit"] == 50 and page["offset"] == 0 and page["has_more"] is False
    runs = page["data"]
    assert [r["agent_id"] for r in runs] == ["crasher", "researcher", "researcher"]  # newest first
    completed = [r for r in runs if r["status"] == "completed"]
    (failed,) = [r for r in runs if r["status"] == "failed"]

    for run in completed:
        assert list(run) == ["run_id", "agent_id", "session_id", "sdk_session_id", "started_at", "finished_at",
                             "duration_ms", "api_duration_ms", "first_token_ms", "num_turns", "status", "tokens",
                             "cost_usd", "cost_source", "sdk_cost_usd", "estimated_cost_usd", "model", "trace_id",
                             "span_id", "parent_span_id", "error", "tool_calls", "events", "metadata", "prompt",
                             "security"]
        assert run["security"] == {"findings": 0, "by_severity": {}, "by_category": {}}
        assert run["tokens"] == {"input": 1500, "output": 320, "cache_read": 100, "cache_write": 0}
        assert (run["cost_usd"], run["cost_source"], run["sdk_cost_usd"]) == (0.0123, "sdk", 0.0123)
        assert (run["model"], run["session_id"], run["sdk_session_id"]) == (MODEL, "s-1", "sdk-sess-1")
        assert (run["api_duration_ms"], run["num_turns"]) == (1100, 3)
        assert run["metadata"] == {"env": "test", "ticket": 7} and run["prompt"] == "research agents"
        assert [e["type"] for e in run["events"]] == COMPLETED_EVENT_TYPES
        assert [e["sequence_number"] for e in run["events"]] == list(range(10))
        assert run["started_at"].endswith("Z") and "+00:00" not in run["started_at"]
        assert {t["tool"]: (t["count"], t["success_count"], t["failure_count"]) for t in run["tool_calls"]} == {
            "WebSearch": (1, 1, 0), "Read": (1, 0, 1)}
    assert failed["error"] == {"type": "RuntimeError", "message": "simulated crash", "stack": None}
    assert (failed["tokens"]["input"], failed["cost_usd"], failed["cost_source"]) == (0, 0.0, "estimated")
    assert [e["type"] for e in failed["events"]] == FAILED_EVENT_TYPES

    # One run, its events, its trace.
    run = completed[0]
    assert http.get(f"/v1/runs/{run['run_id']}").json() == run
    events = http.get(f"/v1/runs/{run['run_id']}/events").json()
    assert events == run["events"]
    assert [r["run_id"] for r in http.get(f"/v1/traces/{run['trace_id']}").json()] == [run["run_id"]]

    # Filters and paging.
    assert [r["run_id"] for r in http.get("/v1/runs", params={"status": "failed"}).json()["data"]] == [failed["run_id"]]
    assert http.get("/v1/runs", params={"agent_id": "researcher"}).json()["total"] == 2
    assert http.get("/v1/runs", params={"model": MODEL}).json()["total"] == 3
    assert http.get("/v1/runs", params={"trace_id": failed["trace_id"]}).json()["total"] == 1
    second = http.get("/v1/runs", params={"limit": 1, "offset": 1}).json()
    assert (second["total"], second["has_more"], [r["run_id"] for r in second["data"]]) == (
        3, True, [runs[1]["run_id"]])

    agents = http.get("/v1/agents").json()
    assert agents == [
        {"agent_id": "crasher", "run_count": 1, "success_count": 0, "failure_count": 1,
         "avg_duration_ms": float(failed["duration_ms"]), "total_cost_usd": 0.0, "last_run_at": failed["started_at"]},
        {"agent_id": "researcher", "run_count": 2, "success_count": 2, "failure_count": 0,
         "avg_duration_ms": sum(r["duration_ms"] for r in completed) / 2, "total_cost_usd": 0.0246,
         "last_run_at": max(r["started_at"] for r in completed)},
    ]

    stats = http.get("/v1/stats").json()
    assert stats == {
        "total_runs": 3, "completed": 2, "failed": 1,
        "avg_duration_ms": sum(r["duration_ms"] for r in runs) / 3,
        "avg_api_duration_ms": 1100.0, "avg_first_token_ms": sum(r["first_token_ms"] for r in runs) / 3,
        "avg_num_turns": 3.0, "total_tokens_input": 3000, "total_tokens_output": 640, "total_cache_read": 200,
        "total_cache_write": 0, "total_cost_usd": 0.0246, "total_sdk_cost_usd": 0.0246,
        "total_estimated_cost_usd": 0.0,
    }
    researcher = http.get("/v1/stats", params={"agent_id": "researcher", "since": "2000-01-01"}).json()
    assert (researcher["total_runs"], researcher["total_tokens_input"], researcher["total_estimated_cost_usd"]) == (
        2, 3000, None)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert http.get("/v1/stats", params={"since": future}).json()["total_runs"] == 0
    # An instant with an offset is compared as an instant: two hours ago in UTC+05:00 includes every run.
    earlier = (datetime.now(timezone(timedelta(hours=5))) - timedelta(hours=2)).isoformat()
    assert http.get("/v1/stats", params={"since": earlier}).json()["total_runs"] == 3

    # Each tool use is one call, success and failure from its result, duration as the SDK measured it.
    results = [e for r in runs for e in r["events"] if e["type"] == "tool_result"]
    durations = {name: [e["tool_duration_ms"] for e in results if e["tool_name"] == name]
                 for name in ("WebSearch", "Read")}
    assert min(durations["WebSearch"]) >= 30
    assert http.get("/v1/tools").json() == [
        {"tool_name": "WebSearch", "call_count": 3, "success_count": 3, "failure_count": 0,
         "avg_duration_ms": pytest.approx(sum(durations["WebSearch"]) / 3)},
        {"tool_name": "Read", "call_count": 2, "success_count": 0, "failure_count": 2,
         "avg_duration_ms": pytest.approx(sum(durations["Read"]) / 2)},
    ]
    assert http.get("/v1/tools", params={"agent_id": "crasher"}).json() == [
        {"tool_name": "WebSearch", "call_count": 1, "success_count": 1, "failure_count": 0,
         "avg_duration_ms": float(next(e["tool_duration_ms"] for e in failed["events"] if e["tool_duration_ms"]))}]
    assert http.get("/v1/tools", params={"since": future}).json() == []


def test_sdk_with_api_key(start_collector):
    collector = start_collector("--api-key", "k123")
    send_runs(collector.url, streaming=True, api_key="k123")
    http = collector.client(headers={"Authorization": "Bearer k123"})
    assert http.get("/v1/stats").json()["total_runs"] == 3
    assert sum(len(r["events"]) for r in http.get("/v1/runs").json()["data"]) == 2 * 10 + 7
