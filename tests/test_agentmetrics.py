"""The real agentmetrics 0.2.0 SDK and its captured batch against a real collector: each agent_end is one run."""

from __future__ import annotations

import contextlib
import json
import socket
from datetime import datetime
from urllib.parse import urlsplit

import agentmetrics
import agentmetrics.http_client
import pytest
from agentmetrics_shared import estimate_cost

from tests.conftest import captured_requests

KEY = "testkey"
AUTH = {"Authorization": f"Bearer {KEY}"}
# The SDK gzips only bodies over 1024 bytes; this metadata makes every body it sends larger than that.
BLOB = "lorem ipsum " * 120
CAPTURE = captured_requests("am201.jsonl")[0]


@pytest.fixture
def sent(monkeypatch):
    """(path, Content-Encoding, status answered) of every request the SDK makes, seen around its own HTTP call."""
    calls = []
    post = agentmetrics.http_client.requests.post

    def spy(url, data=None, headers=None, **kwargs):
        response = post(url, data=data, headers=headers, **kwargs)
        calls.append((urlsplit(url).path, headers.get("Content-Encoding"), response.status_code))
        return response

    monkeypatch.setattr(agentmetrics.http_client.requests, "post", spy)
    return calls


@pytest.fixture
def configure(sent):
    """The SDK keeps one module-global client: configure it per test and stop its flush timer afterwards."""
    def configure_sdk(url: str, **options) -> None:
        # A long timer and explicit flushes make the grouping of events into requests deterministic.
        agentmetrics.configure(api_key=KEY, base_url=url + "/v1", flush_interval=60, **options)

    yield configure_sdk
    if agentmetrics._client.is_configured:
        agentmetrics.flush(10)
        agentmetrics._client._batch.stop()


def research() -> None:
    with agentmetrics.step("plan", step_type="llm"):
        agentmetrics._client._on_llm_response("gpt-4o-mini", 120, 40)
    with agentmetrics.tool("web_search"):
        pass
    with contextlib.suppress(ValueError), agentmetrics.tool("calculator"):
        raise ValueError("bad expr")
    agentmetrics.score("quality", 0.9)


def crash() -> None:
    raise RuntimeError("boom")


def loop() -> None:
    for _ in range(3):
        with agentmetrics.tool("fetch"):
            pass


def answer() -> None:
    with agentmetrics.step("answer"):
        agentmetrics._client._on_llm_response("claude-3-5-haiku-20241022", 1000, 200, cache_read=500)


def only_run(http, agent_id: str) -> dict:
    page = http.get("/v1/runs", params={"agent_id": agent_id}).json()
    assert page["total"] == 1, page
    return page["data"][0]


def tools(http, agent_id: str) -> list[tuple]:
    rows = http.get("/v1/tools", params={"agent_id": agent_id}).json()
    return [(t["tool_name"], t["call_count"], t["success_count"], t["failure_count"]) for t in rows]


def elapsed_ms(run: dict) -> float:
    started, finished = (datetime.fromisoformat(run[key]) for key in ("started_at", "finished_at"))
    return (finished - started).total_seconds() * 1000


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_sdk_runs_are_stored_once_with_their_values(start_collector, configure, sent, compress):
    collector = start_collector("--api-key", KEY)
    configure(collector.url, compress=compress)
    agentmetrics.track(agent_id="researcher", metadata={"team": "x", "blob": BLOB})(research)()
    with pytest.raises(RuntimeError):
        agentmetrics.track(agent_id="crasher", metadata={"blob": BLOB})(crash)()
    agentmetrics.track(agent_id="looper", metadata={"blob": BLOB})(loop)()
    agentmetrics.flush(10)
    agentmetrics.track(agent_id="solo", metadata={"blob": BLOB})(answer)()
    agentmetrics.flush(10)

    # One batch, one single event, each answered 201 at the first attempt (a 202 would have been sent 3 times).
    encoding = "gzip" if compress else None
    assert sent == [("/v1/events/batch", encoding, 201), ("/v1/events", encoding, 201)]
    http = collector.client(headers=AUTH)
    assert http.get("/v1/stats").json()["total_runs"] == 4

    researcher = only_run(http, "researcher")
    assert researcher["status"] == "completed" and researcher["error"] is None
    assert researcher["run_id"] != researcher["trace_id"]  # the event_id, stable across the SDK's retries
    assert researcher["tokens"] == {"input": 120, "output": 40, "cache_read": 0, "cache_write": 0}
    assert (researcher["model"], researcher["cost_source"], researcher["sdk_cost_usd"]) == ("gpt-4o-mini",
                                                                                           "estimated", None)
    assert researcher["cost_usd"] == researcher["estimated_cost_usd"] == 4.2e-05
    assert abs(elapsed_ms(researcher) - researcher["duration_ms"]) <= 0.5
    assert [{k: v for k, v in t.items() if k != "total_duration_ms"} for t in researcher["tool_calls"]] == [
        {"tool": "web_search", "count": 1, "success_count": 1, "failure_count": 0},
        {"tool": "calculator", "count": 1, "success_count": 0, "failure_count": 1}]
    metadata = researcher["metadata"]
    assert (metadata["team"], metadata["blob"], metadata["scores"]) == ("x", BLOB, {"quality": 0.9})
    assert {k: metadata[k] for k in ("platform", "event_name", "llm_calls", "step_count", "tool_calls", "tool_errors",
                                     "total_tokens", "sdk_version", "host_id")} == {
        "platform": "python", "event_name": "agent_end", "llm_calls": 1, "step_count": 1, "tool_calls": 2,
        "tool_errors": 1, "total_tokens": 160, "sdk_version": "0.1.2", "host_id": socket.gethostname()}
    events = http.get(f"/v1/runs/{researcher['run_id']}/events").json()
    assert events == researcher["events"]
    assert [(e["type"], e["sequence_number"], e["tool_name"], e["tool_success"], e["level"]) for e in events] == [
        ("run_start", 0, None, None, "INFO"), ("llm_call", 1, None, None, "INFO"),
        ("tool_call", 2, "web_search", True, "INFO"), ("tool_call", 3, "calculator", False, "ERROR"),
        ("run_end", 4, None, None, "INFO")]
    assert (events[1]["step_name"], events[3]["error"]["message"]) == ("plan", "bad expr")
    assert events[0]["timestamp"] == researcher["started_at"] and events[-1]["timestamp"] == researcher["finished_at"]
    assert tools(http, "researcher") == [("calculator", 1, 0, 1), ("web_search", 1, 1, 0)]

    crasher = only_run(http, "crasher")
    assert crasher["status"] == "failed"
    assert crasher["error"] == {"type": "AgentError", "message": "boom", "stack": None}
    assert crasher["tokens"] == {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    assert crasher["cost_usd"] is None and crasher["tool_calls"] == []
    assert [(e["type"], e["level"]) for e in crasher["events"]] == [("run_start", "INFO"), ("run_end", "ERROR")]

    looper = only_run(http, "looper")
    assert looper["status"] == "failed" and looper["metadata"]["loop_count"] == 1
    assert looper["error"] == {"type": "AgentError", "message": "Loop detected: repeated tool calls", "stack": None}
    assert tools(http, "looper") == [("fetch", 3, 3, 0)]

    solo = only_run(http, "solo")
    assert solo["status"] == "completed" and solo["model"] == "claude-3-5-haiku-20241022"
    # input_tokens excludes the cache in this SDK, as the collector's buckets do.
    assert solo["tokens"] == {"input": 1000, "output": 200, "cache_read": 500, "cache_write": 0}
    assert solo["metadata"]["total_tokens"] == 1700
    assert solo["cost_usd"] == estimate_cost("claude-3-5-haiku-20241022", 1000, 200, 500, 0) == 0.00164
    assert [e["type"] for e in solo["events"]] == ["run_start", "step", "run_end"]


def post_capture(http):
    body = json.dumps(CAPTURE["body"]).encode()  # the SDK's own serialization, byte for byte
    assert len(body) == CAPTURE["raw_len"]
    headers = {k: v for k, v in CAPTURE["headers"].items() if k not in ("Host", "Content-Length")}
    return http.post(CAPTURE["path"], content=body, headers=headers)


RESEARCH_RUN = {
    "run_id": "e8de7e76-ad0c-4cfe-a769-97575a443a88", "agent_id": "research-agent", "session_id": None,
    "sdk_session_id": None,
    # ts 1795388241560 is when the run ended; it lasted 10.15 ms.
    "started_at": "2026-11-22T22:57:21.549850Z", "finished_at": "2026-11-22T22:57:21.560000Z", "duration_ms": 10,
    "api_duration_ms": None, "first_token_ms": None, "num_turns": None, "status": "completed",
    "tokens": {"input": 120, "output": 40, "cache_read": 0, "cache_write": 0},
    "cost_usd": 4.2e-05, "cost_source": "estimated", "sdk_cost_usd": None, "estimated_cost_usd": 4.2e-05,
    "model": "gpt-4o-mini", "trace_id": "ab3238ae-7a8e-4872-860d-39328f641e3b", "span_id": None,
    "parent_span_id": None, "error": None,
    "tool_calls": [
        {"tool": "web_search", "count": 1, "total_duration_ms": 10, "success_count": 1, "failure_count": 0},
        {"tool": "calculator", "count": 1, "total_duration_ms": 0, "success_count": 0, "failure_count": 1}],
    "metadata": {
        "environment": "dev", "steps": [{"name": "plan", "type": "llm", "status": "success", "duration_ms": 0.0}],
        "tool_calls_detail": [{"name": "web_search", "status": "success", "duration_ms": 10.11},
                              {"name": "calculator", "status": "failed", "duration_ms": 0.0, "error": "bad expr"}],
        "scores": {"quality": 0.9}, "team": "x", "platform": "python", "event_name": "agent_end",
        "total_tokens": 160, "tool_calls": 2, "tool_errors": 1, "tool_names": ["calculator", "web_search"],
        "step_count": 1, "llm_calls": 1, "redaction_policy_version": "v1-strict", "sdk_version": "0.1.2",
        "host_id": "vm"},
    "prompt": None,
    "security": {"findings": 0, "by_severity": {}, "by_category": {}},
}


def test_captured_batch_replays_with_exact_values_and_reposting_changes_nothing(start_collector):
    collector = start_collector("--api-key", KEY)  # the key the capture's Authorization header carries
    assert collector.client().post("/v1/events/batch", json=CAPTURE["body"]).status_code == 401
    http = collector.client(headers=AUTH)
    response = post_capture(http)
    assert (response.status_code, response.json()) == (201, {"status": "accepted", "accepted": 3, "rejected": 0})

    research = only_run(http, "research-agent")
    assert list(research) == ["run_id", "agent_id", "session_id", "sdk_session_id", "started_at", "finished_at",
                              "duration_ms", "api_duration_ms", "first_token_ms", "num_turns", "status", "tokens",
                              "cost_usd", "cost_source", "sdk_cost_usd", "estimated_cost_usd", "model", "trace_id",
                              "span_id", "parent_span_id", "error", "tool_calls", "events", "metadata", "prompt",
                              "security"]
    assert {k: v for k, v in research.items() if k != "events"} == RESEARCH_RUN
    events = research["events"]
    assert [e["event_id"].removeprefix(research["run_id"]) for e in events] == [
        ":start", ":step:0", ":tool:0", ":tool:1", ":end"]
    assert [(e["type"], e["timestamp"], e["tool_name"], e["tool_duration_ms"], e["tool_success"], e["duration_ms"])
            for e in events] == [
        ("run_start", "2026-11-22T22:57:21.549850Z", None, None, None, None),
        ("llm_call", "2026-11-22T22:57:21.549850Z", None, None, None, 0.0),
        ("tool_call", "2026-11-22T22:57:21.549850Z", "web_search", 10, True, 10.11),
        ("tool_call", "2026-11-22T22:57:21.549850Z", "calculator", 0, False, 0.0),
        ("run_end", "2026-11-22T22:57:21.560000Z", None, None, None, None)]

    looping = only_run(http, "looping-agent")
    assert (looping["status"], looping["duration_ms"], looping["error"]["message"]) == (
        "failed", 0, "Loop detected: repeated tool calls")
    assert looping["metadata"]["loop_count"] == 1 and looping["cost_usd"] is None

    failing = only_run(http, "failing-agent")
    # Secrets in `error` are blanked as agentmetrics-server does; the SDK cut the message at 500 characters.
    sent_error = CAPTURE["body"]["events"][2]["error"]
    assert failing["error"] == {"type": "AgentError", "message": sent_error.replace("password=hunter2", "[REDACTED]"),
                                "stack": None}
    assert "hunter2" not in json.dumps(failing)

    assert http.get("/v1/tools").json() == [
        {"tool_name": "fetch", "call_count": 3, "success_count": 3, "failure_count": 0, "avg_duration_ms": 0.0},
        {"tool_name": "calculator", "call_count": 1, "success_count": 0, "failure_count": 1, "avg_duration_ms": 0.0},
        {"tool_name": "web_search", "call_count": 1, "success_count": 1, "failure_count": 0, "avg_duration_ms": 10.0}]
    before = [http.get(path).json() for path in ("/v1/runs", "/v1/tools", "/v1/agents", "/v1/stats")]
    assert before[3]["total_runs"] == 3 and before[3]["total_cost_usd"] == 4.2e-05

    assert post_capture(http).status_code == 201
    assert [http.get(path).json() for path in ("/v1/runs", "/v1/tools", "/v1/agents", "/v1/stats")] == before


def event(**fields) -> dict:
    return {"trace_id": "t-1", "agent_id": "costs", "status": "success", "ts": 1795388241560, "duration_ms": 1500.4,
            **fields}


def test_single_events_costs_and_statuses(collector):
    http = collector.client()
    # Without an event_id the trace_id is the run id, so a resent event still replaces its run.
    for _ in range(2):
        response = http.post("/v1/events", json=event(trace_id="no-event-id", agent_id="plain"))
        assert (response.status_code, response.json()) == (201, {"status": "accepted", "event_id": "no-event-id"})
    plain = only_run(http, "plain")
    assert (plain["run_id"], plain["duration_ms"], plain["started_at"], plain["finished_at"]) == (
        "no-event-id", 1500, "2026-11-22T22:57:20.059600Z", "2026-11-22T22:57:21.560000Z")

    tokens = {"model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 100}
    cases = {
        "paid": event(event_id="paid", cost_usd=0.5, estimated_cost_usd=0.2, **tokens),
        "sdk-estimate": event(event_id="sdk-estimate", estimated_cost_usd=0.2, **tokens),
        "our-estimate": event(event_id="our-estimate", **tokens),
        "unpriced": event(event_id="unpriced", model="my-local-model", input_tokens=10, output_tokens=1),
        "timeout": event(event_id="timeout", status="timeout"),
        "killed": event(event_id="killed", status="killed", error="OOM"),
        "cancelled": event(event_id="cancelled", status="cancelled"),
        "nan-metadata": event(event_id="nan-metadata", metadata={"score": float("nan")}),
    }
    response = http.post("/v1/events/batch", content=json.dumps({"events": list(cases.values())}),
                         headers={"Content-Type": "application/json"})
    assert response.json() == {"status": "accepted", "accepted": len(cases), "rejected": 0}
    runs = {r["run_id"]: r for r in http.get("/v1/runs", params={"agent_id": "costs"}).json()["data"]}

    def costs(name):
        run = runs[name]
        return run["cost_usd"], run["cost_source"], run["sdk_cost_usd"], run["estimated_cost_usd"]

    assert costs("paid") == (0.5, "sdk", 0.5, 0.2)
    assert costs("sdk-estimate") == (0.2, "estimated", None, 0.2)
    assert costs("our-estimate") == (pytest.approx(0.00021), "estimated", None, pytest.approx(0.00021))
    assert costs("unpriced") == (None, None, None, None)
    statuses = {name: (runs[name]["status"], runs[name]["error"]) for name in ("timeout", "killed", "cancelled")}
    assert statuses == {"timeout": ("timeout", {"type": "timeout", "message": None, "stack": None}),
                        "killed": ("failed", {"type": "killed", "message": "OOM", "stack": None}),
                        "cancelled": ("failed", {"type": "cancelled", "message": None, "stack": None})}
    assert runs["nan-metadata"]["metadata"]["score"] is None


def with_changes(**changes) -> bytes:
    return json.dumps(event(**changes)).encode()


def batch_of(count: int, **changes) -> bytes:
    events = [event(event_id=f"e{i}") for i in range(count)]
    events[-1].update(changes)
    return json.dumps({"events": events}).encode()


JSON = {"Content-Type": "application/json"}
# (name, path, body, status, where the error points, a phrase the message must contain)
CASES = [
    ("AgentD's status word", "/v1/events", with_changes(status="completed"), 422, ["body", "status"], "'success'"),
    ("bad status in a batch", "/v1/events/batch", batch_of(4, status="completed"), 422,
     ["body", "events", 3, "status"], "'cancelled'"),
    ("missing trace_id", "/v1/events", json.dumps({"agent_id": "a", "status": "success"}).encode(), 422,
     ["body", "trace_id"], "Field required"),
    ("missing agent_id", "/v1/events/batch", json.dumps({"events": [{"trace_id": "t", "status": "failed"}]}).encode(),
     422, ["body", "events", 0, "agent_id"], "Field required"),
    ("101 events", "/v1/events/batch", batch_of(101), 422, ["body", "events"], "at most 100 items"),
    ("no events", "/v1/events/batch", b'{"events": []}', 422, ["body", "events"], "at least 1 item"),
    ("tokens over the bound", "/v1/events", with_changes(input_tokens=10_000_001), 422, ["body", "input_tokens"],
     "less than or equal to 10000000"),
    ("negative duration", "/v1/events", with_changes(duration_ms=-1), 422, ["body", "duration_ms"],
     "greater than or equal to 0"),
    ("NaN cost", "/v1/events", with_changes(cost_usd=float("nan")), 422, ["body", "cost_usd"], "finite"),
    ("ts in seconds before 1970", "/v1/events", with_changes(ts=-5), 422, ["body", "ts"], "greater than or equal"),
    ("duration before year 1", "/v1/events", with_changes(ts=0, duration_ms=2**52), 422, ["body"], "before year 1"),
    ("error over 2000 characters", "/v1/events", with_changes(error="x" * 2001), 422, ["body", "error"], "2000"),
    ("metadata over 64 KB", "/v1/events", with_changes(metadata={"x": "y" * 70_000}), 422, ["body", "metadata"],
     "64KB"),
    ("metadata not an object", "/v1/events", with_changes(metadata=[1]), 422, ["body", "metadata"], "an object"),
    ("not JSON", "/v1/events", b"agent_end status=success", 400, None, "not valid JSON"),
    ("truncated JSON", "/v1/events/batch", b'{"events": [', 400, None, "not valid JSON"),
]


def test_bad_events_get_a_clear_4xx_and_the_server_stays_up(collector):
    http = collector.client()
    assert http.post("/v1/events", json=event(event_id="good")).status_code == 201
    failures = []
    for name, path, body, status, loc, phrase in CASES:
        response = http.post(path, content=body, headers=JSON)
        detail = response.json()["detail"]
        message = json.dumps(detail)
        pointed = loc is None or any(error["loc"] == loc for error in detail)
        if response.status_code != status or phrase not in message or not pointed:
            failures.append(f"{name}: {response.status_code} {message}")
    assert failures == []
    assert http.get("/health").json()["status"] == "healthy"
    assert http.get("/v1/stats").json()["total_runs"] == 1
    assert http.post("/v1/events", json=event(event_id="after")).status_code == 201
