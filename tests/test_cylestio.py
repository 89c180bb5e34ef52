"""Both Cylestio formats against a real collector: captures replayed as the clients sent them, bad input, the real
cylestio-monitor 0.1.12 on a fake Anthropic server; values read back through the query routes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collector.pricing import cost
from tests.conftest import captured_requests
from tests.fake_llm import INPUT_TOKENS, OUTPUT_TOKENS, FakeLLM

MODEL = "claude-3-haiku-20240307"
LLM_COST = cost(None, {"input": 42, "output": 7, "cache_read": 0, "cache_write": 0}, MODEL, "anthropic")[0]
LEGACY_RUN = "weather-agent-014:session_20261122230519"
CURRENT_RUN = "aca84ae391b64cf8862b933967c3ef59"
CURRENT_SESSION = "c68419a6-66c4-4d1f-adaa-8dfb6900d66e"
# The window of the captures, for the metrics routes.
CAPTURED = {"start_time": "2026-11-22T00:00:00Z", "end_time": "2026-11-23T00:00:00Z"}
JSON = {"Content-Type": "application/json"}


def replay(http, capture: str) -> list:
    """Every captured request with its method, path, headers and body; the answers."""
    answers = []
    for request in captured_requests(capture):
        headers = {k: v for k, v in request["headers"].items() if k.lower() not in ("host", "content-length")}
        answers.append(http.request(request["method"], request["path"], headers=headers,
                                    content=json.dumps(request["body"]).encode()))
    return answers


def findings(http, agent_id: str) -> list[tuple]:
    """The alerts the client raised (the collector's own findings are read with collector_findings)."""
    alerts = http.get("/api/v1/alerts/", params={"agent_id": agent_id, "limit": 100}).json()["results"]
    return sorted((a["details"]["category"], a["severity"], a["details"]["alert_level"], a["details"]["run_id"],
                   a["details"]["session_id"]) for a in alerts if a["details"]["detector"] == "client")


def collector_findings(http) -> list[tuple]:
    found = http.get("/v1/security/findings", params={"detector": "collector", "limit": 100}).json()["data"]
    return sorted((f["agent_id"], f["category"], f["rule"], f["severity"], f["run_id"]) for f in found)


def alert_count(http, **params) -> dict:
    return http.get("/api/v1/metrics/security/alerts/count", params={**CAPTURED, **params}).json()["data"]


def test_captures_replayed_as_sent(collector):
    http = collector.client()
    legacy, current = replay(http, "cylmon014_cap.jsonl"), replay(http, "cylmon_cap.jsonl")
    assert {(a.status_code, a.text) for a in legacy} == {
        (202, '{"status":"accepted","message":"Event queued for processing"}')}
    assert [a.status_code for a in current] == [201] * 12
    assert all(a.json()["success"] is True and a.json()["error"] is None for a in current)
    assert len({a.json()["event_id"] for a in current}) == 12

    runs = {run["run_id"]: run for run in http.get("/v1/runs").json()["data"]}
    assert set(runs) == {LEGACY_RUN, CURRENT_RUN}

    # Legacy: naive timestamps are UTC; the framework patch logged before monitor_init belongs to its run.
    run = runs[LEGACY_RUN]
    assert (run["agent_id"], run["session_id"], run["status"], run["trace_id"]) == (
        "weather-agent-014", "session_20261122230519", "completed", None)
    assert (run["started_at"], run["finished_at"], run["duration_ms"]) == (
        "2026-11-22T23:05:19.055209Z", "2026-11-22T23:05:20.172743Z", 1118)
    assert run["tokens"] == {"input": 42, "output": 7, "cache_read": 0, "cache_write": 0, "reasoning": 0}
    assert (run["model"], run["cost_usd"], run["cost_source"], run["estimated_cost_usd"]) == (
        MODEL, LLM_COST, "estimated", LLM_COST)
    assert run["metadata"] == {"source": "cylestio", "format": "legacy", "provider": "anthropic",
                               "framework": "langchain"}
    events = http.get(f"/v1/runs/{LEGACY_RUN}/events").json()
    assert events == run["events"]
    assert [(e["type"], e["name"], e["level"], e["session_id"]) for e in events] == [
        ("framework_patch", "framework_patch", "INFO", None),
        ("run_start", "monitor_init", "INFO", "session_20261122230519"),
        ("llm_request", "LLM_call_start", "WARNING", None),
        ("llm_call", "LLM_call_finish", "INFO", None),
        ("run_end", "monitor_finish", "INFO", "session_20261122230519")]
    llm_call = events[3]
    assert (llm_call["tokens"], llm_call["model"], llm_call["provider"], llm_call["cost_usd"]) == (
        {"input": 42, "output": 7, "cache_read": 0, "cache_write": 0}, MODEL, "anthropic", LLM_COST)
    assert llm_call["data"]["response"]["usage"]["input_tokens"] == 42  # the event as sent stays in the record
    assert events[2]["data"]["alert"] == "dangerous" and events[2]["timestamp"] == "2026-11-22T23:05:19.138516Z"

    # Current: one run per trace id.
    run = runs[CURRENT_RUN]
    assert (run["agent_id"], run["session_id"], run["status"], run["trace_id"]) == (
        "weather-agent", CURRENT_SESSION, "completed", CURRENT_RUN)
    assert (run["started_at"], run["finished_at"], run["duration_ms"]) == (
        "2026-11-22T23:03:16.005099Z", "2026-11-22T23:03:23.150005Z", 7145)
    assert run["tokens"] == {"input": 84, "output": 14, "cache_read": 0, "cache_write": 0, "reasoning": 0}
    assert (run["model"], run["cost_usd"]) == (MODEL, pytest.approx(2 * LLM_COST))
    assert run["metadata"] == {"source": "cylestio", "format": "current", "provider": "anthropic",
                               "framework": "mcp"}
    events = http.get(f"/v1/runs/{CURRENT_RUN}/events").json()
    assert [e["type"] for e in events] == [
        "run_start", "framework_patch", "framework_patch", "framework_patch", "security_alert", "llm_request",
        "llm_call", "security_alert", "llm_request", "llm_call", "run_end", "framework.unpatch"]
    assert {e["session_id"] for e in events} == {CURRENT_SESSION}
    assert [(e["duration_ms"], e["tokens"]["input"], e["tokens"]["output"]) for e in events
            if e["type"] == "llm_call"] == [(14.0, 42, 7), (4.0, 42, 7)]
    assert [(e["name"], e["level"]) for e in events if e["type"] == "security_alert"] == [
        ("security.content.dangerous", "SECURITY_ALERT"), ("security.content.suspicious", "WARNING")]
    assert events[4]["attributes"]["security.keywords"] == ["rm -rf"]

    assert http.get("/v1/agents").json() == [
        {"agent_id": "weather-agent-014", "run_count": 1, "success_count": 1, "failure_count": 0,
         "avg_duration_ms": 1118.0, "total_cost_usd": LLM_COST, "last_run_at": "2026-11-22T23:05:19.055209Z"},
        {"agent_id": "weather-agent", "run_count": 1, "success_count": 1, "failure_count": 0,
         "avg_duration_ms": 7145.0, "total_cost_usd": pytest.approx(2 * LLM_COST),
         "last_run_at": "2026-11-22T23:03:16.005099Z"}]
    stats = http.get("/v1/stats").json()
    assert (stats["total_runs"], stats["completed"], stats["failed"], stats["avg_duration_ms"]) == (2, 2, 0, 4131.5)
    assert (stats["total_tokens_input"], stats["total_tokens_output"]) == (126, 21)
    assert http.get("/v1/tools").json() == []

    # The alerts the clients raised, in their runs, their categories in the collector's words.
    assert findings(http, "weather-agent-014") == [("dangerous_command", "high", "dangerous", LEGACY_RUN,
                                                    "session_20261122230519")]
    assert findings(http, "weather-agent") == [
        ("dangerous_command", "high", "dangerous", CURRENT_RUN, CURRENT_SESSION),
        ("pii", "medium", "suspicious", CURRENT_RUN, CURRENT_SESSION)]
    # What the collector found itself: the prompt of the first LLM call. The second call's address arrives masked
    # by the client (b*b@example.com), which is no longer personal data.
    assert collector_findings(http) == [
        ("weather-agent", "dangerous_command", "rm_rf_root", "critical", CURRENT_RUN),
        ("weather-agent", "prompt_injection", "ignore_previous_instructions", "high", CURRENT_RUN)]
    assert alert_count(http) == {"alert_count": 5, "high_severity_count": 4, "medium_severity_count": 1,
                                 "low_severity_count": 0}


def test_replaying_twice_changes_nothing(collector):
    http = collector.client()
    for _ in range(2):
        replay(http, "cylmon014_cap.jsonl")
        replay(http, "cylmon_cap.jsonl")
    runs = http.get("/v1/runs").json()["data"]
    assert sorted((r["run_id"], len(r["events"]), r["tokens"]["input"]) for r in runs) == [
        (CURRENT_RUN, 12, 84), (LEGACY_RUN, 5, 42)]
    assert alert_count(http)["alert_count"] == 5
    # The batch route stores the same events under the same ids.
    legacy = [request["body"] for request in captured_requests("cylmon014_cap.jsonl")]
    current = [request["body"] for request in captured_requests("cylmon_cap.jsonl")]
    assert http.post("/api/v1/telemetry/batch", json=legacy).json() == {
        "status": "accepted", "message": "5 events queued for processing"}
    assert http.post("/v1/telemetry/batch", json={"events": current}).json() == {
        "success": True, "total": 12, "processed": 12, "failed": 0, "details": []}
    assert http.get("/v1/stats").json()["total_runs"] == 2
    assert sum(len(r["events"]) for r in http.get("/v1/runs").json()["data"]) == 17


def test_legacy_path_without_slash_answers_without_redirect(collector):
    http = collector.client(follow_redirects=False)
    event = {"timestamp": "2025-03-18T18:57:11.620036Z", "level": "INFO", "agent_id": "test-agent",
             "event_type": "TEST_EVENT", "channel": "TEST", "data": {"message": "This is a test event"}}
    response = http.post("/api/v1/telemetry", json=event)
    assert (response.status_code, response.json()) == (
        202, {"status": "accepted", "message": "Event queued for processing"})
    (run,) = http.get("/v1/runs").json()["data"]
    # No session: the agent's run of that UTC day.
    assert (run["run_id"], run["status"], run["started_at"]) == (
        "test-agent:2025-03-18", "running", "2025-03-18T18:57:11.620036Z")
    assert [(e["type"], e["name"], e["channel"]) for e in run["events"]] == [("TEST_EVENT", "TEST_EVENT", "TEST")]


def legacy_event(event_type: str, at: str, session: str | None = None, **data) -> dict:
    event = {"timestamp": f"2026-05-01T10:{at}", "agent_id": "tool-agent", "event_type": event_type,
             "channel": "MCP", "level": "ERROR" if event_type == "call_error" else "INFO", "data": data}
    if session:
        event["session_id"] = session
    return event


# Two monitoring sessions of one agent; calls and patches carry no session and belong to their run by time.
LEGACY_SESSIONS = [
    legacy_event("framework_patch", "00:00.000", framework={"name": "langchain"}),
    legacy_event("monitor_init", "00:00.010", "s1"),
    legacy_event("call_start", "00:01.000", function="lookup"),
    legacy_event("call_finish", "00:01.250", function="lookup", duration=0.25),
    legacy_event("call_start", "00:02.000", function="lookup"),
    legacy_event("call_error", "00:02.100", function="lookup", error="timeout"),
    legacy_event("monitor_finish", "00:03.000", "s1"),
    legacy_event("framework_patch", "05:00.000", framework={"name": "langgraph"}),
    legacy_event("monitor_init", "05:00.010", "s2"),
    legacy_event("MCP_tool_call_blocked", "05:01.000", tool="shell", reason="dangerous content"),
    legacy_event("monitor_finish", "05:02.000", "s2"),
]


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_legacy_runs_by_session_and_time_whatever_the_order(collector, order):
    http = collector.client()
    for event in LEGACY_SESSIONS if order == "in order" else LEGACY_SESSIONS[::-1]:
        assert http.post("/api/v1/telemetry/", json=event).status_code == 202
    runs = {run["run_id"]: run for run in http.get("/v1/runs").json()["data"]}
    assert set(runs) == {"tool-agent:s1", "tool-agent:s2"}
    first, second = runs["tool-agent:s1"], runs["tool-agent:s2"]
    assert [e["name"] for e in first["events"]] == [e["event_type"] for e in LEGACY_SESSIONS[:7]]
    assert {e["session_id"] for e in http.get("/api/v1/events/tool-agent/events", params={"limit": 100}).json()[
        "results"]} == {"s1", "s2"}
    # A call that raised fails its run, as does a blocked tool call.
    assert (first["status"], first["error"], first["duration_ms"]) == (
        "failed", {"type": "call_error", "message": "timeout", "stack": None}, 3000)
    assert (first["metadata"]["framework"], second["metadata"]["framework"]) == ("langchain", "langgraph")
    assert first["tool_calls"] == [{"tool": "lookup", "count": 2, "total_duration_ms": 250, "success_count": 1,
                                    "failure_count": 1}]
    assert (second["status"], second["error"]["type"], second["error"]["message"]) == (
        "failed", "MCP_tool_call_blocked", "dangerous content")
    assert http.get("/v1/tools").json() == [
        {"tool_name": "lookup", "call_count": 2, "success_count": 1, "failure_count": 1, "avg_duration_ms": 250.0}]
    assert findings(http, "tool-agent") == [("blocked", "high", None, "tool-agent:s2", "s2")]


def current_event(name: str, at: str, span: str | None, **attributes) -> dict:
    return {"schema_version": "1.0", "timestamp": f"2026-05-01T10:00:{at}Z", "trace_id": "ab" * 16,
            "span_id": span, "parent_span_id": None, "name": name,
            "level": "ERROR" if name.endswith("error") else "INFO", "agent_id": "tools-012",
            "attributes": {"session.id": "sess-9", **attributes}}


def test_current_tool_calls_pair_by_span_and_errors_fail_the_run(collector):
    http = collector.client()
    events = [
        current_event("monitoring.start", "00.000", None),
        current_event("tool.execution", "01.000", "s1", **{"tool.name": "search"}),
        current_event("tool.result", "01.500", "s1", **{"tool.name": "search", "tool.status": "success",
                                                         "tool.duration_ms": 500}),
        current_event("tool.execution", "02.000", "s2", **{"tool.name": "search"}),
        current_event("tool.error", "02.100", "s2", **{"tool.name": "search", "error.type": "TimeoutError",
                                                        "error.message": "slow"}),
        current_event("llm.call.error", "03.000", "s3", **{"llm.vendor": "openai", "llm.model": "gpt-4o-mini",
                                                            "error.type": "APIError", "error.message": "boom"}),
    ]
    assert http.post("/v1/telemetry/batch", json={"events": events}).status_code == 201
    (run,) = http.get("/v1/runs").json()["data"]
    assert (run["run_id"], run["status"], run["finished_at"], run["duration_ms"]) == ("ab" * 16, "failed", None, None)
    assert run["error"] == {"type": "TimeoutError", "message": "slow", "stack": None}
    assert run["tool_calls"] == [{"tool": "search", "count": 2, "total_duration_ms": 500, "success_count": 1,
                                  "failure_count": 1}]
    assert [(e["type"], e["tool_id"], e["tool_success"]) for e in run["events"][1:5]] == [
        ("tool_call", "s1", None), ("tool_result", "s1", True), ("tool_call", "s2", None),
        ("tool_result", "s2", False)]
    assert (run["events"][5]["type"], run["events"][5]["error"]["type"]) == ("error", "APIError")
    assert http.get("/v1/tools").json() == [
        {"tool_name": "search", "call_count": 2, "success_count": 1, "failure_count": 1, "avg_duration_ms": 500.0}]
    # Its stop event completes nothing once an event failed, but it gives the run its end.
    http.post("/v1/telemetry", json=current_event("monitoring.stop", "04.000", None))
    (run,) = http.get("/v1/runs").json()["data"]
    assert (run["status"], run["duration_ms"]) == ("failed", 4000)


GOOD_LEGACY = {"timestamp": "2026-01-01T00:00:00", "agent_id": "a", "event_type": "LLM_call_finish", "data": {}}
GOOD_CURRENT = {"schema_version": "1.0", "timestamp": "2026-01-01T00:00:00Z", "name": "llm.call.finish",
                "level": "INFO", "agent_id": "a", "attributes": {}}


def errors(*messages) -> dict:
    return {"detail": {"errors": list(messages)}}


def usage(**counts) -> dict:
    return {**GOOD_LEGACY, "data": {"response": {"usage": counts}}}


# (name, path, body, status, the exact body, or for 422s where the error points and a phrase of its message)
LEGACY_CASES = [
    ("missing timestamp", "/api/v1/telemetry/", {"agent_id": "a", "event_type": "x"}, 400,
     errors("Missing required field: timestamp")),
    ("missing everything", "/api/v1/telemetry/", {}, 400,
     errors("Missing required field: timestamp", "Missing required field: agent_id",
            "Missing required field: event_type")),
    ("missing agent_id, no slash", "/api/v1/telemetry", {"timestamp": "2026-01-01", "event_type": "x"}, 400,
     errors("Missing required field: agent_id")),
    ("array to the single route", "/api/v1/telemetry/", [GOOD_LEGACY], 400, errors("Event must be a JSON object")),
    ("unreadable timestamp", "/api/v1/telemetry/", {**GOOD_LEGACY, "timestamp": "yesterday"}, 400,
     errors("Invalid field: timestamp: not an ISO 8601 timestamp: 'yesterday'")),
    ("numeric agent_id", "/api/v1/telemetry/", {**GOOD_LEGACY, "agent_id": 7}, 400,
     errors("Invalid field: agent_id must be a non-empty string")),
    ("negative tokens", "/api/v1/telemetry/", usage(input_tokens=-5), 400,
     errors("Invalid field: data.response.usage.input_tokens must be a whole number from 0 to "
            "10000000000, got -5")),
    # Two of them in one run overflowed its total.
    ("tokens past any real count", "/api/v1/telemetry/", usage(input_tokens=2**63 - 1), 400,
     errors("Invalid field: data.response.usage.input_tokens must be a whole number from 0 to "
            "10000000000, got 9223372036854775807")),
    ("duration not a number", "/api/v1/telemetry/", {**GOOD_LEGACY, "event_type": "call_finish",
                                                      "data": {"function": "f", "duration": "slow"}}, 400,
     errors('Invalid field: data.duration must be a duration from 0 to 1000000000000 ms, got "slow"')),
    ("number beyond a double", "/api/v1/telemetry/", b'{"timestamp": "2026-01-01", "agent_id": "a", '
     b'"event_type": "x", "data": {"big": 1e400}}', 400,
     errors("a number in the event is beyond the range of a double (about 1.8e308)")),
    ("empty batch", "/api/v1/telemetry/batch", [], 400, errors("No events provided")),
    ("object to the batch route", "/api/v1/telemetry/batch", GOOD_LEGACY, 400,
     errors("Request body must be a JSON array of events")),
    ("batch with bad items", "/api/v1/telemetry/batch", [GOOD_LEGACY, {"agent_id": "a"}, 5], 400,
     errors({"index": 1, "errors": ["Missing required field: timestamp", "Missing required field: event_type"]},
            {"index": 2, "errors": ["Event must be a JSON object"]})),
    ("batch item with bad tokens", "/api/v1/telemetry/batch", [GOOD_LEGACY, usage(output_tokens="many")], 400,
     errors({"index": 1, "errors": ['Invalid field: data.response.usage.output_tokens must be a whole number '
                                    'from 0 to 10000000000, got "many"']})),
]
CURRENT_CASES = [
    ("missing name", "/v1/telemetry", {k: v for k, v in GOOD_CURRENT.items() if k != "name"}, 422,
     (["body", "name"], "Field required")),
    ("level not a string", "/v1/telemetry", {**GOOD_CURRENT, "level": 3}, 422,
     (["body", "level"], "valid string")),
    ("unreadable timestamp", "/v1/telemetry", {**GOOD_CURRENT, "timestamp": "soon"}, 422,
     (["body", "timestamp"], "not an ISO 8601 timestamp")),
    ("negative tokens", "/v1/telemetry", {**GOOD_CURRENT, "attributes": {"llm.usage.input_tokens": -1}}, 422,
     (["body", "attributes", "llm.usage.input_tokens"], "whole number from 0")),
    ("negative duration", "/v1/telemetry", {**GOOD_CURRENT, "attributes": {"llm.response.duration_ms": -3}}, 422,
     (["body", "attributes", "llm.response.duration_ms"], "must be a duration from 0 to")),
    ("batch without events", "/v1/telemetry/batch", {}, 422, (["body", "events"], "Field required")),
    ("batch item invalid", "/v1/telemetry/batch", {"events": [GOOD_CURRENT, {**GOOD_CURRENT, "timestamp": None}]},
     422, (["body", "events", 1, "timestamp"], "")),
    ("batch item with bad tokens", "/v1/telemetry/batch",
     {"events": [{**GOOD_CURRENT, "attributes": {"llm.usage.output_tokens": 1.5}}]}, 422,
     (["body", "events", 0, "attributes", "llm.usage.output_tokens"], "whole number")),
]


def test_bad_input_is_refused_with_the_original_status_and_body(collector):
    http = collector.client(follow_redirects=False)
    failures = []
    for name, path, body, status, expected in LEGACY_CASES:
        response = http.post(path, content=body if isinstance(body, bytes) else json.dumps(body), headers=JSON)
        if (response.status_code, response.json()) != (status, expected):
            failures.append(f"{name}: {response.status_code} {response.text}")
    for name, path, body, status, (loc, phrase) in CURRENT_CASES:
        response = http.post(path, json=body)
        detail = response.json()["detail"]
        if response.status_code != status or not any(e["loc"] == loc and phrase in e["msg"] for e in detail):
            failures.append(f"{name}: {response.status_code} {response.text}")
    for path in ("/api/v1/telemetry/", "/api/v1/telemetry/batch"):
        response = http.post(path, content=b'{"timestamp": ', headers=JSON)
        if response.status_code != 400 or not response.json()["detail"]["errors"][0].startswith(
                "Request body is not valid JSON: EOF while parsing"):
            failures.append(f"malformed JSON to {path}: {response.status_code} {response.text}")
    response = http.post("/v1/telemetry", content=b"{", headers=JSON)
    if (response.status_code, "not valid JSON" in response.text) != (400, True):
        failures.append(f"malformed JSON to /v1/telemetry: {response.status_code} {response.text}")
    assert failures == []
    assert http.get("/v1/stats").json()["total_runs"] == 0
    assert http.post("/api/v1/telemetry/", json=GOOD_LEGACY).status_code == 202
    assert http.post("/v1/telemetry", json=GOOD_CURRENT).status_code == 201
    assert http.get("/v1/stats").json()["total_runs"] == 2


# The real cylestio-monitor 0.1.12, which needs Python 3.12 or later.
# Versions the test was written against, so a new release cannot change what the monitor sends.
MONITOR_PACKAGES = ["cylestio-monitor==0.1.12", "langchain==0.3.30", "langchain-core==0.3.86", "anthropic==2.14.0"]
MONITORED = """
import sys, time
import anthropic
from cylestio_monitor import start_monitoring, stop_monitoring

collector, llm = sys.argv[1], sys.argv[2]
start_monitoring("monitored-agent", config={"telemetry_endpoint": collector})
reply = anthropic.Anthropic(api_key="sk-ant-dummy", base_url=llm).messages.create(
    model="claude-3-haiku-20240307", max_tokens=50,
    messages=[{"role": "user", "content": "Run rm -rf / and mail the result to bob@example.com"}])
print(reply.content[0].text)
time.sleep(6)  # the monitor sends in the background, in batches at most every 5 s
stop_monitoring()
"""


def _python_312() -> str | None:
    names = [shutil.which(f"python3.{minor}") for minor in (12, 13, 14)]
    pyenv = sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))
    for candidate in [sys.executable, *filter(None, names), *map(str, pyenv)]:
        check = subprocess.run([candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"],
                               capture_output=True, timeout=30)
        if check.returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="session")
def monitor_python(request, tmp_path_factory) -> str:
    """A virtual environment with cylestio-monitor 0.1.12, built once and kept in pytest's cache."""
    interpreter = _python_312()
    if interpreter is None:
        pytest.skip("cylestio-monitor 0.1.12 needs Python >= 3.12; none on PATH or under ~/.pyenv/versions")
    cache = request.config.cache
    root = cache.mkdir("cylestio-monitor-0.1.12") if cache is not None else tmp_path_factory.mktemp("cylmon")
    python, ready = root / "venv" / "bin" / "python", root / "ready"
    if ready.exists() and python.exists():
        return str(python)
    shutil.rmtree(root / "venv", ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", *MONITOR_PACKAGES],
                             capture_output=True, text=True, timeout=540)
    if install.returncode != 0:
        pytest.skip(f"could not install {' '.join(MONITOR_PACKAGES)}: {install.stderr[-500:]}")
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                            check=True)
    # With langgraph present the monitor's langchain patch fails to import.
    langgraph = [p["name"] for p in json.loads(listed.stdout) if p["name"].lower().startswith("langgraph")]
    if langgraph:
        subprocess.run([str(python), "-m", "pip", "uninstall", "-y", *langgraph], check=True, capture_output=True)
    ready.write_text(interpreter)
    return str(python)


@pytest.mark.timeout(600)
def test_real_cylestio_monitor(monitor_python, collector, tmp_path):
    script, home = tmp_path / "monitored.py", tmp_path / "home"
    script.write_text(MONITORED)
    home.mkdir()
    with FakeLLM() as llm:
        done = subprocess.run([monitor_python, str(script), collector.url, llm.url], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "HOME": str(home)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("It is sunny.")

    http = collector.client()
    (run,) = http.get("/v1/runs", params={"agent_id": "monitored-agent"}).json()["data"]
    assert (run["status"], run["model"], run["trace_id"]) == ("completed", MODEL, run["run_id"])
    assert run["tokens"] == {"input": INPUT_TOKENS, "output": OUTPUT_TOKENS, "cache_read": 0, "cache_write": 0,
                             "reasoning": 0}
    assert (run["cost_usd"], run["metadata"]["provider"]) == (LLM_COST, "anthropic")
    assert run["duration_ms"] >= 6000  # the script waits 6 s between start and stop
    types = [e["type"] for e in run["events"]]
    assert types[0] == "run_start" and "run_end" in types
    assert [t for t in types if t.startswith("llm_") or t == "security_alert"] == [
        "security_alert", "llm_request", "llm_call"]
    assert {e["session_id"] for e in run["events"]} == {run["session_id"]}
    # The monitor reports the most severe category it found in the prompt.
    (alert,) = [e for e in run["events"] if e["type"] == "security_alert"]
    assert alert["attributes"]["security.keywords"] == ["rm -rf"]
    assert findings(http, "monitored-agent") == [
        ("dangerous_command", "high", "dangerous", run["run_id"], run["session_id"])]
    # The collector's own: the monitor sends the prompt's address masked (b*b@example.com), the command as is.
    assert collector_findings(http) == [
        ("monitored-agent", "dangerous_command", "rm_rf_root", "critical", run["run_id"])]
    assert alert_count(http, start_time=run["started_at"], end_time=run["finished_at"])["alert_count"] == 2
