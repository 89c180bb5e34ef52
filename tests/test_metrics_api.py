"""The /api/v1/metrics routes compute real values: runs posted through /v1/runs and security alerts through the
Cylestio /v1/telemetry receiver, with fixed timestamps, read back with answers worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

import analytics
from analytics import metrics
from collector.instants import parse_instant
from tests.server import Collector

# Runs live in [RUNS_START, RUNS_END); the security alerts a month later, so the Cylestio runs they create stay out.
RUNS_WINDOW = {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T03:00:00Z"}
ALERTS_WINDOW = {"start_time": "2026-02-01T00:00:00Z", "end_time": "2026-02-01T03:00:00Z"}


def _run(n: int, started: str, *, agent: str | None = "a1", session: str | None = None, duration: int | None = None,
         status: str = "completed", finished: str | None = None, tokens: tuple[int, int] = (0, 0),
         cost: float | None = None, estimated: float | None = None, model: str | None = None,
         events: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    return {"run_id": f"r{n}", "agent_id": agent, "session_id": session, "started_at": started,
            "finished_at": finished, "duration_ms": duration, "status": status,
            "tokens": {"input": tokens[0], "output": tokens[1], "cache_read": 3, "cache_write": 4},
            "cost_usd": cost, "estimated_cost_usd": estimated, "model": model,
            "trace_id": f"{n:032x}", "span_id": f"{n:016x}",
            "events": [{"event_id": f"r{n}-e{i}", "type": kind, "timestamp": at, "sequence_number": i}
                       for i, (kind, at) in enumerate(events)]}


DAY = "2026-01-01T"
RUNS = [
    _run(1, DAY + "00:00:00Z", session="s1", duration=100, finished=DAY + "00:00:10Z", tokens=(100, 10), cost=0.25,
         model="mA", events=(("run_start", DAY + "00:00:00Z"), ("tool_call", DAY + "00:00:01Z"),
                             ("tool_result", DAY + "00:00:02Z"), ("run_end", DAY + "00:00:10Z"))),
    _run(2, DAY + "00:00:30Z", session="s1", duration=200, finished=DAY + "00:01:00Z", tokens=(200, 20), cost=0.5,
         model="mA"),
    # no cost of its own: the estimate counts
    _run(3, DAY + "00:40:00", session="s2", duration=300, status="failed", finished=DAY + "00:40:30Z",
         tokens=(50, 5), estimated=0.125, model="mB"),
    # 01:10 UTC, written with an offset
    _run(4, DAY + "02:10:00+01:00", agent="a2", session="s3", duration=400, finished=DAY + "01:11:00Z",
         tokens=(1000, 100), cost=1.0, model="mC",
         events=(("run_start", DAY + "01:10:00Z"), ("run_end", DAY + "01:11:00Z"))),
    # still running: no response time even with a duration, and it keeps session s3 active
    _run(5, DAY + "01:20:00Z", agent="a2", session="s3", duration=9999, status="running", model="mC"),
    # no agent, session or model; its last event falls after the window
    _run(6, DAY + "02:30:00Z", agent=None, duration=600, finished=DAY + "02:30:01Z", tokens=(30, 9), cost=1.125,
         events=(("run_start", DAY + "02:30:00Z"), ("error", DAY + "02:30:01Z"), ("run_end", DAY + "03:00:00Z"))),
    # just outside the window on either side (the end is exclusive)
    _run(7, "2025-12-31T23:59:59Z", session="s1", duration=5000, tokens=(7, 7), cost=8.0, model="mA",
         events=(("run_start", "2025-12-31T23:59:59Z"),)),
    _run(8, DAY + "03:00:00Z", session="s1", duration=7000, tokens=(9, 9), cost=16.0, model="mA"),
]

# (minute after 2026-02-01T00:00Z, agent, session, category, severity)
ALERTS = [
    (10, "a1", "s1", "dangerous_commands", "high"),
    (20, "a1", "s1", "sensitive_data", "medium"),
    (50, "a1", "s2", "prompt_manipulation", "medium"),
    (65, "a2", "s3", "sensitive_data", "low"),
    (24 * 60, "a2", "s3", "dangerous_commands", "high"),  # the next day
]


def _security_event(n: int, minute: int, agent: str, session: str, category: str, severity: str) -> dict[str, Any]:
    dangerous = severity in ("critical", "high")
    at = datetime(2026, 2, 1) + timedelta(minutes=minute)
    return {"schema_version": "1.0", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "trace_id": f"{100 + n:032x}", "span_id": f"{100 + n:016x}",
            "name": "security.content.dangerous" if dangerous else "security.content.suspicious",
            "level": "SECURITY_ALERT" if dangerous else "WARNING", "agent_id": agent,
            "attributes": {"session.id": session, "security.alert_level": "dangerous" if dangerous else "suspicious",
                           "security.category": category, "security.severity": severity,
                           "security.description": f"test alert {n}", "security.keywords": ["keyword"]}}


def post_runs(http: httpx.Client) -> None:
    for run in RUNS:
        assert http.post("/v1/runs", json=run).status_code == 202


def post_alerts(http: httpx.Client) -> None:
    for n, alert in enumerate(ALERTS):
        response = http.post("/v1/telemetry", json=_security_event(n, *alert))
        assert response.status_code < 300, response.text


def post_llm_calls(http: httpx.Client) -> None:
    """Three LLM calls of agent a1 (30, 50 and 70 ms) from cylestio-monitor 0.1.6+, so response times have values."""
    for n, duration in enumerate((30, 50, 70)):
        event = {"schema_version": "1.0", "timestamp": f"2026-01-01T00:0{n}:30Z", "trace_id": f"{200:032x}",
                 "span_id": f"{200 + n:016x}", "name": "llm.call.finish", "level": "INFO", "agent_id": "a1",
                 "attributes": {"session.id": "s9", "llm.model": "mA", "llm.response.duration_ms": duration}}
        assert http.post("/v1/telemetry", json=event).status_code == 201


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics")
    collector = Collector(folder / "collector.duckdb", folder / "collector.log").start()
    with collector.client() as http:
        post_runs(http)
    yield collector
    collector.stop()


@pytest.fixture(scope="module")
def with_alerts(server):
    with server.client() as http:
        post_alerts(http)
    return server


def get(collector: Collector, route: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{collector.url}/api/v1/metrics/{route}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["data", "metadata"]
    return body


def data(collector: Collector, route: str, **params: Any) -> dict[str, Any]:
    return get(collector, route, **params)["data"]


def test_metrics_test_route(server):
    body = httpx.get(f"{server.url}/api/v1/metrics/test").json()
    assert body.pop("timestamp").endswith("Z")
    assert body == {"status": "success", "message": "Metrics API is working"}


def test_envelope_echoes_the_window_filters_and_parameters(server):
    assert get(server, "response_time/average", **RUNS_WINDOW, agent_id="a1")["metadata"] == {
        "start_time": "2026-01-01T00:00:00.000000Z", "end_time": "2026-01-01T03:00:00.000000Z",
        "agent_id": "a1", "session_id": None}
    extra = {"response_time/percentiles": {"percentiles": [50, 90, 95, 99]},
             "response_time/trend": {"interval": "hour"}, "security/alerts/trend": {"interval": "hour"},
             "token_usage/by_model": {"model_name": None, "top_n": 10}, "usage/requests/by_agent": {"top_n": 10},
             "usage/frameworks/distribution": {"top_n": 10}, "usage/events/distribution": {"top_n": 10}}
    for route, echoed in extra.items():
        metadata = get(server, route, start_time="2026-01-01T01:00:00+01:00", session_id="s1")["metadata"]
        assert metadata == {"start_time": "2026-01-01T00:00:00.000000Z", "end_time": metadata["end_time"],
                            "agent_id": None, "session_id": "s1", **echoed}
    # default window: the 24 hours before now
    metadata = get(server, "usage/sessions/count")["metadata"]
    start, end = parse_instant(metadata["start_time"]), parse_instant(metadata["end_time"])
    assert end - start == timedelta(hours=24)


def test_agentd_runs_give_no_response_time(server):
    """Response time is per model response (tests/test_response_time.py); AgentD reports durations per run only,
    so its runs, finished or running, with or without tool durations, add none."""
    assert data(server, "response_time/average", **RUNS_WINDOW) == {
        "average_response_time_ms": None, "min_response_time_ms": None, "max_response_time_ms": None,
        "response_count": 0}
    body = get(server, "response_time/percentiles", **RUNS_WINDOW, percentiles=[0, 10, 25, 100])
    assert body["data"] == {"p0_response_time_ms": None, "p10_response_time_ms": None, "p25_response_time_ms": None,
                            "p100_response_time_ms": None, "response_count": 0}
    assert list(body["data"]) == ["p0_response_time_ms", "p10_response_time_ms", "p25_response_time_ms",
                                  "p100_response_time_ms", "response_count"]
    assert body["metadata"]["percentiles"] == [0, 10, 25, 100]
    by_day = get(server, "response_time/trend", start_time="2025-12-31", end_time="2026-01-02", interval="day")
    assert by_day["data"] == {"response_time_trends": {}, "interval": "day"}
    assert by_day["metadata"]["interval"] == "day"


def test_token_usage_total_and_average(server):
    assert data(server, "token_usage/total", **RUNS_WINDOW) == {
        "total_input_tokens": 1380, "total_output_tokens": 144, "total_cost_usd": 3.0, "request_count": 6}
    assert data(server, "token_usage/average", **RUNS_WINDOW) == {
        "average_input_tokens": 230.0, "average_output_tokens": 24.0, "average_cost_usd": 0.5, "request_count": 6}
    assert data(server, "token_usage/total", **RUNS_WINDOW, agent_id="a1") == {
        "total_input_tokens": 350, "total_output_tokens": 35, "total_cost_usd": 0.875, "request_count": 3}
    assert data(server, "token_usage/total", **RUNS_WINDOW, session_id="s3") == {
        "total_input_tokens": 1000, "total_output_tokens": 100, "total_cost_usd": 1.0, "request_count": 2}
    assert data(server, "token_usage/total", **RUNS_WINDOW, agent_id="a2", session_id="s1") == {
        "total_input_tokens": 0, "total_output_tokens": 0, "total_cost_usd": 0.0, "request_count": 0}
    assert data(server, "token_usage/average", **RUNS_WINDOW, agent_id="a2", session_id="s1") == {
        "average_input_tokens": None, "average_output_tokens": None, "average_cost_usd": None, "request_count": 0}


def test_token_usage_by_model(server):
    usage = data(server, "token_usage/by_model", **RUNS_WINDOW)["usage_by_model"]
    assert usage == {
        "mC": {"input_tokens": 1000, "output_tokens": 100, "cost_usd": 1.0, "request_count": 2},
        "mA": {"input_tokens": 300, "output_tokens": 30, "cost_usd": 0.75, "request_count": 2},
        "mB": {"input_tokens": 50, "output_tokens": 5, "cost_usd": 0.125, "request_count": 1}}
    assert list(usage) == ["mC", "mA", "mB"]  # most tokens first
    top = get(server, "token_usage/by_model", **RUNS_WINDOW, top_n=2)
    assert list(top["data"]["usage_by_model"]) == ["mC", "mA"] and top["metadata"]["top_n"] == 2
    only = get(server, "token_usage/by_model", **RUNS_WINDOW, model_name="mB")
    assert only["data"] == {"usage_by_model": {
        "mB": {"input_tokens": 50, "output_tokens": 5, "cost_usd": 0.125, "request_count": 1}}}
    assert only["metadata"]["model_name"] == "mB"
    # the run at 03:00 is past the exclusive end; widening the window takes it in
    assert data(server, "token_usage/by_model", start_time="2026-01-01T00:00:00Z", end_time="2026-01-01T03:00:01Z",
                model_name="mA")["usage_by_model"]["mA"]["request_count"] == 3


def test_usage_requests_frameworks_and_events(server):
    assert data(server, "usage/requests/by_agent", **RUNS_WINDOW) == {
        "requests_by_agent": {"a1": 3, "a2": 2, "unknown": 1}, "total_requests": 6}
    top = get(server, "usage/requests/by_agent", **RUNS_WINDOW, top_n=2)
    assert top["data"] == {"requests_by_agent": {"a1": 3, "a2": 2}, "total_requests": 6}
    assert top["metadata"]["top_n"] == 2
    assert data(server, "usage/frameworks/distribution", **RUNS_WINDOW) == {
        "frameworks": {"claude-agent-sdk": 6}, "total_requests": 6}
    assert data(server, "usage/frameworks/distribution", **RUNS_WINDOW, session_id="s3") == {
        "frameworks": {"claude-agent-sdk": 2}, "total_requests": 2}

    events = data(server, "usage/events/distribution", **RUNS_WINDOW)
    assert events == {"event_types": {"run_start": 3, "run_end": 2, "error": 1, "tool_call": 1, "tool_result": 1},
                      "total_events": 8}
    assert list(events["event_types"]) == ["run_start", "run_end", "error", "tool_call", "tool_result"]
    assert data(server, "usage/events/distribution", **RUNS_WINDOW, top_n=3) == {
        "event_types": {"run_start": 3, "run_end": 2, "error": 1}, "total_events": 8}
    assert data(server, "usage/events/distribution", **RUNS_WINDOW, agent_id="a2") == {
        "event_types": {"run_end": 1, "run_start": 1}, "total_events": 2}


def test_sessions_count(server):
    # s1 00:00:00-00:01:00 (60 s), s2 00:40:00-00:40:30 (30 s), s3 01:10:00 to run 5's start at 01:20:00 (600 s)
    assert data(server, "usage/sessions/count", **RUNS_WINDOW) == {
        "total_sessions": 3, "active_sessions": 1, "completed_sessions": 2, "average_session_duration_seconds": 230.0}
    assert data(server, "usage/sessions/count", **RUNS_WINDOW, agent_id="a1") == {
        "total_sessions": 2, "active_sessions": 0, "completed_sessions": 2, "average_session_duration_seconds": 45.0}
    assert data(server, "usage/sessions/count", **RUNS_WINDOW, session_id="s3") == {
        "total_sessions": 1, "active_sessions": 1, "completed_sessions": 0, "average_session_duration_seconds": 600.0}
    assert data(server, "usage/sessions/count", start_time="2026-01-01T05:00:00Z", end_time="2026-01-01T06:00:00Z") == {
        "total_sessions": 0, "active_sessions": 0, "completed_sessions": 0, "average_session_duration_seconds": None}


def test_security_alert_counts_and_risk(with_alerts):
    server = with_alerts
    assert data(server, "security/alerts/count", **ALERTS_WINDOW) == {
        "alert_count": 4, "high_severity_count": 1, "medium_severity_count": 2, "low_severity_count": 1}
    assert data(server, "security/alerts/count", **ALERTS_WINDOW, session_id="s1") == {
        "alert_count": 2, "high_severity_count": 1, "medium_severity_count": 1, "low_severity_count": 0}
    # 100 x (0.7 + 2 x 0.4 + 0.1) / 4
    assert data(server, "security/risk_level", **ALERTS_WINDOW) == {
        "severity_distribution": {"critical": 0, "high": 1, "medium": 2, "low": 1, "info": 0},
        "total_alerts": 4, "risk_score": 40.0, "risk_level": "Medium"}
    risk = {name: data(server, "security/risk_level", **params) for name, params in {
        "a1 (0.7 + 0.8) / 3": {**ALERTS_WINDOW, "agent_id": "a1"},
        "a2 in the window: one low": {**ALERTS_WINDOW, "agent_id": "a2"},
        "the first alert only": {"start_time": "2026-02-01T00:00:00Z", "end_time": "2026-02-01T00:15:00Z"},
        "two days (0.7 x 2 + 0.8 + 0.1) / 5": {"start_time": "2026-02-01", "end_time": "2026-02-03"},
        "none": RUNS_WINDOW}.items()}
    assert {name: (r["risk_score"], r["risk_level"], r["total_alerts"]) for name, r in risk.items()} == {
        "a1 (0.7 + 0.8) / 3": (50.0, "High", 3), "a2 in the window: one low": (10.0, "Low", 1),
        "the first alert only": (70.0, "Critical", 1), "two days (0.7 x 2 + 0.8 + 0.1) / 5": (46.0, "Medium", 5),
        "none": (0.0, None, 0)}


def test_security_alerts_by_category_and_trend(with_alerts):
    server = with_alerts
    categories = data(server, "security/alerts/by_category", **ALERTS_WINDOW)
    # The client's categories, in the collector's words: sensitive data without a personal-data keyword is a secret.
    assert categories == {"categories": {"secret": 2, "dangerous_command": 1, "prompt_injection": 1},
                          "total_alerts": 4}
    assert list(categories["categories"]) == ["secret", "dangerous_command", "prompt_injection"]
    assert data(server, "security/alerts/by_category", **ALERTS_WINDOW, agent_id="a2") == {
        "categories": {"secret": 1}, "total_alerts": 1}

    def bucket(count: int, high: int, medium: int, low: int) -> dict[str, int]:
        return {"alert_count": count, "high_severity": high, "medium_severity": medium, "low_severity": low}

    assert data(server, "security/alerts/trend", **ALERTS_WINDOW) == {"alert_trends": {
        "2026-02-01 00:00": bucket(3, 1, 2, 0), "2026-02-01 01:00": bucket(1, 0, 0, 1)}, "interval": "hour"}
    assert data(server, "security/alerts/trend", **ALERTS_WINDOW, interval="minute")["alert_trends"] == {
        "2026-02-01 00:10": bucket(1, 1, 0, 0), "2026-02-01 00:20": bucket(1, 0, 1, 0),
        "2026-02-01 00:50": bucket(1, 0, 1, 0), "2026-02-01 01:05": bucket(1, 0, 0, 1)}
    by_day = get(server, "security/alerts/trend", start_time="2026-02-01", end_time="2026-02-03", interval="day")
    assert by_day["data"]["alert_trends"] == {"2026-02-01": bucket(4, 1, 2, 1), "2026-02-02": bucket(1, 1, 0, 0)}
    assert by_day["metadata"]["interval"] == "day"


BAD_PARAMETERS = [
    ("response_time/average", {"start_time": "yesterday"}, 422, "start_time"),
    ("token_usage/total", {"end_time": "2026-13-01T00:00:00"}, 422, "end_time"),
    ("usage/sessions/count", {"start_time": "2026-01-02", "end_time": "2026-01-01"}, 400, "start_time"),
    ("usage/sessions/count", {"start_time": "2026-01-01", "end_time": "2026-01-01T00:00:00Z"}, 400, "start_time"),
    ("security/risk_level", {"start_time": "2030-01-01T00:00:00Z"}, 400, "start_time"),
    ("security/alerts/count", {"end_time": "0001-01-01T00:00:00"}, 400, "start_time"),
    ("response_time/trend", {"interval": "week"}, 422, "interval"),
    ("security/alerts/trend", {"interval": "week"}, 422, "interval"),
    ("response_time/percentiles", {"percentiles": "101"}, 422, "percentiles"),
    ("response_time/percentiles", {"percentiles": ["50", "-1"]}, 422, "percentiles"),
    ("response_time/percentiles", {"percentiles": "p50"}, 422, "percentiles"),
    ("usage/requests/by_agent", {"top_n": "0"}, 422, "top_n"),
    ("usage/frameworks/distribution", {"top_n": "1001"}, 422, "top_n"),
    ("usage/events/distribution", {"top_n": "ten"}, 422, "top_n"),
    ("token_usage/by_model", {"top_n": "0"}, 422, "top_n"),
]


def test_bad_parameters_get_a_4xx_naming_the_parameter(server):
    for route, params, status, named in BAD_PARAMETERS:
        response = httpx.get(f"{server.url}/api/v1/metrics/{route}", params=params)
        assert (route, params, response.status_code) == (route, params, status), response.text
        body = response.json()
        assert list(body) == ["detail"] and named in json.dumps(body["detail"]), (route, params, body)


# The data keys of each route, as the original server's constants spell them (compat.md §3.5).
SHAPES = {
    "response_time/average": ["average_response_time_ms", "min_response_time_ms", "max_response_time_ms",
                              "response_count"],
    "response_time/percentiles": ["p50_response_time_ms", "p90_response_time_ms", "p95_response_time_ms",
                                  "p99_response_time_ms", "response_count"],
    "response_time/trend": ["response_time_trends", "interval"],
    "token_usage/total": ["total_input_tokens", "total_output_tokens", "total_cost_usd", "request_count"],
    "token_usage/average": ["average_input_tokens", "average_output_tokens", "average_cost_usd", "request_count"],
    "token_usage/by_model": ["usage_by_model"],
    "security/alerts/count": ["alert_count", "high_severity_count", "medium_severity_count", "low_severity_count"],
    "security/risk_level": ["severity_distribution", "total_alerts", "risk_score", "risk_level"],
    "security/alerts/by_category": ["categories", "total_alerts"],
    "security/alerts/trend": ["alert_trends", "interval"],
    "usage/requests/by_agent": ["requests_by_agent", "total_requests"],
    "usage/frameworks/distribution": ["frameworks", "total_requests"],
    "usage/events/distribution": ["event_types", "total_events"],
    "usage/sessions/count": ["total_sessions", "active_sessions", "completed_sessions",
                             "average_session_duration_seconds"],
}


def test_the_upstream_checks_fifteen_gets_pass(server):
    """What the mini server's app/test_api.py does: 15 GETs with naive local times, each 2xx with a JSON body."""
    now = datetime.now()
    params = {"start_time": (now - timedelta(days=7)).isoformat(), "end_time": now.isoformat()}
    with server.client() as http:
        test = http.get("/api/v1/metrics/test", params=params)
        assert test.status_code == 200 and test.json()["status"] == "success"
        for route, keys in SHAPES.items():
            response = http.get(f"/api/v1/metrics/{route}", params=params)
            assert response.is_success, (route, response.text)
            assert list(response.json()["data"]) == keys


CALLS = [  # (route, function, parameters)
    ("response_time/average", metrics.response_time_average, {"agent_id": "a1"}),
    ("response_time/percentiles", metrics.response_time_percentiles, {"percentiles": [10, 50, 99]}),
    ("response_time/trend", metrics.response_time_trend, {"interval": "minute"}),
    ("token_usage/total", metrics.token_usage_total, {"session_id": "s1"}),
    ("token_usage/average", metrics.token_usage_average, {}),
    ("token_usage/by_model", metrics.token_usage_by_model, {"top_n": 2}),
    ("security/alerts/count", metrics.security_alerts_count, {}),
    ("security/risk_level", metrics.security_risk_level, {"agent_id": "a1"}),
    ("security/alerts/by_category", metrics.security_alerts_by_category, {}),
    ("security/alerts/trend", metrics.security_alerts_trend, {"interval": "day"}),
    ("usage/requests/by_agent", metrics.usage_requests_by_agent, {"top_n": 1}),
    ("usage/frameworks/distribution", metrics.usage_frameworks_distribution, {}),
    ("usage/events/distribution", metrics.usage_events_distribution, {"agent_id": "a2"}),
    ("usage/sessions/count", metrics.usage_sessions_count, {}),
]


def test_python_api_matches_http(collector):
    """analytics.metrics gives the HTTP `data` from the file itself, once the collector is stopped."""
    with collector.client() as http:
        post_runs(http)
        post_alerts(http)
        post_llm_calls(http)
    window = {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-02-03T00:00:00Z"}
    over_http = [data(collector, route, **window, **params) for route, _, params in CALLS]
    assert over_http[0]["response_count"] == 3 and over_http[6]["alert_count"] == 5
    collector.stop()

    start, end = parse_instant(window["start_time"]), parse_instant(window["end_time"])
    with analytics.connect(collector.db) as con:
        assert [function(con, start=start, end=end, **params) for _, function, params in CALLS] == over_http
