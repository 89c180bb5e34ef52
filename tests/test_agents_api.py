"""The /api/v1 browsing routes (agents, an agent's events, security alerts) over data sent through the real ingest
APIs, read back from a real server: values, paging, filters, sort orders, 404s and 422s."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from collector.instants import format_instant
from tests.server import Collector

NOW = datetime.now(UTC).replace(microsecond=0)


def at(hours: float) -> datetime:
    """An instant `hours` before NOW."""
    return NOW - timedelta(hours=hours)


def event(run_id: str, n: int, kind: str, when: datetime, **fields) -> dict:
    return {"event_id": f"{run_id}-e{n}", "type": kind, "timestamp": when.isoformat(), "sequence_number": n,
            **fields}


def agentd_run(run_id: str, agent_id: str, session_id: str, started: datetime, seconds: int | None,
               kinds: list[str], status: str = "completed", **fields) -> dict:
    """A run whose events are spread one second apart from its start; tool events pair up under one tool id."""
    events = []
    for n, kind in enumerate(kinds):
        extra = {}
        if kind in ("tool_call", "tool_result"):
            extra = {"tool_name": "Bash", "tool_id": f"{run_id}-tool"}
        if kind == "tool_result":
            extra |= {"tool_success": status != "failed", "tool_duration_ms": 250 * (n + 1)}
        if kind == "error":
            extra = {"error": {"type": "ToolError", "message": "Bash exited with 1"}}
        events.append(event(run_id, n, kind, started + timedelta(seconds=n), **extra))
    return {"run_id": run_id, "agent_id": agent_id, "session_id": session_id, "started_at": started.isoformat(),
            "finished_at": (started + timedelta(seconds=seconds)).isoformat() if seconds is not None else None,
            "duration_ms": seconds * 1000 if seconds is not None else None, "status": status,
            "trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16], "events": events, **fields}


ALPHA_OLD = agentd_run("alpha-1", "alpha", "s-alpha-1", at(72), 10,
                       ["run_start", "assistant_message", "tool_call", "tool_result", "run_end"])
ALPHA_NEW = agentd_run("alpha-2", "alpha", "s-alpha-2", at(1), 4,
                       ["run_start", "tool_call", "tool_result", "error", "run_end"], status="failed",
                       error={"type": "ToolError", "message": "Bash exited with 1"})
BETA = agentd_run("beta-1", "beta", "s-beta", at(240), 2, ["run_start", "run_end"])
GAMMA = agentd_run("gamma-1", "gamma", "s-gamma", at(2), None, ["run_start"], status="running")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One collector for the module: the tests only read what is posted here."""
    tmp = tmp_path_factory.mktemp("agents-api")
    collector = Collector(tmp / "collector.duckdb", tmp / "collector.log").start()
    try:
        with collector.client() as http:
            for run in (ALPHA_OLD, ALPHA_NEW, BETA, GAMMA):
                assert http.post("/v1/runs", json=run).status_code == 202
        yield collector
    finally:
        collector.stop()


@pytest.fixture
def http(server) -> httpx.Client:
    with server.client() as client:
        yield client


def iso(run: dict, key: str = "started_at") -> str:
    return format_instant(datetime.fromisoformat(run[key]))


def event_time(run: dict, n: int) -> str:
    return format_instant(datetime.fromisoformat(run["events"][n]["timestamp"]))


def ids(page: dict, key: str = "agent_id") -> list[str]:
    return [item[key] for item in page["results"]]


# ---------------------------------------------------------------- GET /api/v1/agents/

def test_agents_list_values_newest_activity_first(http):
    page = http.get("/api/v1/agents/").json()
    assert page == {
        "results": [
            {"agent_id": "alpha", "first_seen": iso(ALPHA_OLD), "last_seen": iso(ALPHA_NEW, "finished_at"),
             "llm_provider": "anthropic", "event_count": 10, "status": "active"},
            # A running run is active from its start.
            {"agent_id": "gamma", "first_seen": iso(GAMMA), "last_seen": iso(GAMMA), "llm_provider": "anthropic",
             "event_count": 1, "status": "active"},
            {"agent_id": "beta", "first_seen": iso(BETA), "last_seen": iso(BETA, "finished_at"),
             "llm_provider": "anthropic", "event_count": 2, "status": "inactive"},
        ],
        "pagination": {"total": 3, "limit": 20, "offset": 0, "has_more": False},
    }


def test_agents_list_answers_without_the_trailing_slash_too(http):
    response = http.get("/api/v1/agents", params={"sort_by": "agent_id"})
    assert response.status_code == 200  # not a redirect
    assert response.json() == http.get("/api/v1/agents/", params={"sort_by": "agent_id"}).json()


@pytest.mark.parametrize(("sort_by", "sort_order", "expected"), [
    ("last_seen", "asc", ["beta", "gamma", "alpha"]),
    ("first_seen", "desc", ["gamma", "alpha", "beta"]),
    ("first_seen", "asc", ["beta", "alpha", "gamma"]),
    ("agent_id", "asc", ["alpha", "beta", "gamma"]),
    ("agent_id", "desc", ["gamma", "beta", "alpha"]),
    ("event_count", "desc", ["alpha", "beta", "gamma"]),
    ("event_count", "asc", ["gamma", "beta", "alpha"]),
])
def test_agents_sort_orders(http, sort_by, sort_order, expected):
    page = http.get("/api/v1/agents/", params={"sort_by": sort_by, "sort_order": sort_order}).json()
    assert ids(page) == expected


def test_agents_paging(http):
    params = {"sort_by": "agent_id", "sort_order": "asc", "limit": 2}
    first = http.get("/api/v1/agents/", params=params).json()
    assert ids(first) == ["alpha", "beta"]
    assert first["pagination"] == {"total": 3, "limit": 2, "offset": 0, "has_more": True}
    second = http.get("/api/v1/agents/", params=params | {"offset": 2}).json()
    assert ids(second) == ["gamma"]
    assert second["pagination"] == {"total": 3, "limit": 2, "offset": 2, "has_more": False}
    beyond = http.get("/api/v1/agents/", params=params | {"offset": 5}).json()
    assert beyond == {"results": [], "pagination": {"total": 3, "limit": 2, "offset": 5, "has_more": False}}


def test_agents_time_window_counts_only_runs_started_in_it(http):
    # Naive means UTC, so both spellings are one window: the last 2 days.
    for start in (format_instant(at(48)), at(48).replace(tzinfo=None).isoformat()):
        page = http.get("/api/v1/agents/", params={"start_time": start}).json()
        assert page["results"] == [
            {"agent_id": "alpha", "first_seen": iso(ALPHA_NEW), "last_seen": iso(ALPHA_NEW, "finished_at"),
             "llm_provider": "anthropic", "event_count": 5, "status": "active"},
            {"agent_id": "gamma", "first_seen": iso(GAMMA), "last_seen": iso(GAMMA), "llm_provider": "anthropic",
             "event_count": 1, "status": "active"},
        ]
        assert page["pagination"]["total"] == 2
    older = http.get("/api/v1/agents/", params={"end_time": format_instant(at(48)), "sort_by": "agent_id",
                                                "sort_order": "asc"}).json()
    assert [(a["agent_id"], a["event_count"], a["last_seen"]) for a in older["results"]] == [
        ("alpha", 5, iso(ALPHA_OLD, "finished_at")), ("beta", 2, iso(BETA, "finished_at"))]
    between = http.get("/api/v1/agents/", params={"start_time": format_instant(at(100)),
                                                  "end_time": format_instant(at(48))}).json()
    assert ids(between) == ["alpha"]


# A window that ends before it starts, or where it starts, is a bad start_time, not an empty page.
REVERSED = {"start_time": "2026-01-02T00:00:00Z", "end_time": "2026-01-01T00:00:00Z"}
EMPTY = {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:00Z"}


@pytest.mark.parametrize(("params", "field"), [
    ({"sort_by": "name"}, "sort_by"),
    ({"sort_order": "up"}, "sort_order"),
    ({"limit": 0}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"offset": -1}, "offset"),
    ({"start_time": "yesterday"}, "start_time"),
    ({"end_time": "2026-13-01"}, "end_time"),
    (REVERSED, "start_time"),
    (EMPTY, "start_time"),
])
def test_agents_bad_parameters_are_422_naming_the_parameter(http, params, field):
    response = http.get("/api/v1/agents/", params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


def test_a_reversed_window_says_what_is_wrong(http):
    response = http.get("/api/v1/agents/", params=REVERSED)
    assert response.json()["detail"][0]["msg"] == (
        "start_time (2026-01-02T00:00:00.000000Z) must be before end_time (2026-01-01T00:00:00.000000Z)")


# ---------------------------------------------------------------- GET /api/v1/agents/{agent_id}

def test_agent_detail_values(http):
    assert http.get("/api/v1/agents/alpha").json() == {
        "agent_id": "alpha",
        "first_seen": iso(ALPHA_OLD),
        "last_seen": iso(ALPHA_NEW, "finished_at"),
        "llm_provider": "anthropic",
        "status": "active",
        "event_counts": {
            "by_type": {"assistant_message": 1, "error": 1, "run_end": 2, "run_start": 2, "tool_call": 2,
                        "tool_result": 2},
            "by_channel": {"SYSTEM": 6, "TOOL": 4},
            "total": 10,
        },
        # Per model response (tests/test_response_time.py): AgentD reports no LLM call's latency.
        "performance": {"avg_response_time_ms": None},
        "latest_event": {"type": "run_end", "timestamp": event_time(ALPHA_NEW, 4)},
        "first_event": {"type": "run_start", "timestamp": event_time(ALPHA_OLD, 0)},
    }


def test_agent_detail_of_an_agent_with_only_a_running_run(http):
    detail = http.get("/api/v1/agents/gamma").json()
    assert detail["status"] == "active"
    assert detail["performance"] == {"avg_response_time_ms": None}
    assert detail["latest_event"] == detail["first_event"] == {"type": "run_start", "timestamp": iso(GAMMA)}


def test_agent_detail_of_an_inactive_agent(http):
    detail = http.get("/api/v1/agents/beta").json()
    assert (detail["status"], detail["event_counts"]["total"], detail["performance"]) == (
        "inactive", 2, {"avg_response_time_ms": None})


def test_unknown_agent_is_404(http):
    response = http.get("/api/v1/agents/nobody")
    assert (response.status_code, response.json()) == (404, {"detail": "Agent nobody not found"})


# ---------------------------------------------------------------- GET /api/v1/events/{agent_id}/events

def test_agent_events_items_newest_first(http):
    page = http.get("/api/v1/events/alpha/events", params={"limit": 3}).json()
    assert page["pagination"] == {"total": 10, "limit": 3, "offset": 0, "has_more": True}
    run_end, error, tool_result = page["results"]
    assert run_end == {
        "id": "alpha-2-e4", "timestamp": event_time(ALPHA_NEW, 4), "level": "INFO", "event_type": "run_end",
        "channel": "SYSTEM", "direction": None, "session_id": "s-alpha-2", "duration_ms": None,
        "relationship_id": "alpha-2",
        "data": {"event_id": "alpha-2-e4", "type": "run_end", "timestamp": event_time(ALPHA_NEW, 4),
                 "sequence_number": 4, "tool_name": None, "tool_id": None, "tool_input": None, "tool_output": None,
                 "tool_duration_ms": None, "tool_success": None, "content": None, "thinking": None,
                 "tokens": None, "error": None},
    }
    assert (error["event_type"], error["level"], error["data"]["error"]) == (
        "error", "ERROR", {"type": "ToolError", "message": "Bash exited with 1", "stack": None})
    assert (tool_result["event_type"], tool_result["channel"], tool_result["level"], tool_result["duration_ms"],
            tool_result["data"]["tool_name"]) == ("tool_result", "TOOL", "ERROR", 750.0, "Bash")


def test_agent_events_oldest_first_and_paging(http):
    params = {"sort_order": "asc", "limit": 4}
    first = http.get("/api/v1/events/alpha/events", params=params).json()
    assert ids(first, "id") == ["alpha-1-e0", "alpha-1-e1", "alpha-1-e2", "alpha-1-e3"]
    last = http.get("/api/v1/events/alpha/events", params=params | {"offset": 8}).json()
    assert ids(last, "id") == ["alpha-2-e3", "alpha-2-e4"]
    assert last["pagination"] == {"total": 10, "limit": 4, "offset": 8, "has_more": False}


@pytest.mark.parametrize(("params", "expected"), [
    ({"event_type": "tool_result"}, ["alpha-2-e2", "alpha-1-e3"]),
    ({"level": "ERROR"}, ["alpha-2-e3", "alpha-2-e2"]),
    ({"channel": "TOOL"}, ["alpha-2-e2", "alpha-2-e1", "alpha-1-e3", "alpha-1-e2"]),
    ({"channel": "SECURITY"}, []),
    ({"session_id": "s-alpha-1", "event_type": "run_start"}, ["alpha-1-e0"]),
    ({"start_time": format_instant(at(48))}, [f"alpha-2-e{n}" for n in (4, 3, 2, 1, 0)]),
    # The window is half-open: an event at end_time is outside.
    ({"end_time": format_instant(at(72) + timedelta(seconds=2))}, ["alpha-1-e1", "alpha-1-e0"]),
    ({"event_type": "nothing"}, []),
])
def test_agent_events_filters(http, params, expected):
    page = http.get("/api/v1/events/alpha/events", params=params).json()
    assert ids(page, "id") == expected
    assert page["pagination"]["total"] == len(expected)


def test_agent_events_of_an_unknown_agent_is_404(http):
    response = http.get("/api/v1/events/nobody/events")
    assert (response.status_code, response.json()) == (404, {"detail": "Agent nobody not found"})


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"sort_order": "newest"}, "sort_order"),
    ({"start_time": "soon"}, "start_time"), (REVERSED, "start_time"), (EMPTY, "start_time"),
])
def test_agent_events_bad_parameters_are_422(http, params, field):
    response = http.get("/api/v1/events/alpha/events", params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


# ---------------------------------------------------------------- GET /api/v1/alerts/ (findings from Cylestio)

TRACE, LOW_TRACE, OLD_TRACE = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
LLM_SPAN, TOOL_SPAN = "1" * 16, "2" * 16


def telemetry(name: str, minutes: float, trace: str = TRACE, agent: str = "monitored", span: str | None = None,
              level: str = "INFO", **attributes) -> dict:
    """A cylestio-monitor 0.1.12 event, `minutes` before NOW."""
    when = NOW - timedelta(minutes=minutes)
    return {"schema_version": "1.0", "timestamp": when.isoformat().replace("+00:00", "Z"), "trace_id": trace,
            "span_id": span, "name": name, "level": level, "agent_id": agent,
            "attributes": {"session.id": f"session-{trace[:4]}", **attributes}}


def security(minutes: float, level: str, alert_level: str, category: str, severity: str, description: str | None,
             keywords: list[str], **where) -> dict:
    attributes = {"security.alert_level": alert_level, "security.category": category,
                  "security.severity": severity, "security.keywords": keywords}
    if description is not None:
        attributes["security.description"] = description
    return telemetry(f"security.content.{alert_level}", minutes, level=level, **where, **attributes)


LLM = {"llm.vendor": "anthropic", "llm.model": "claude-3-haiku-20240307"}
# A monitoring session 30 minutes ago with a dangerous prompt among 13 events, and two older alerts.
TELEMETRY = [
    telemetry("monitoring.start", 40),
    telemetry("llm.call.start", 30, span=LLM_SPAN, **LLM),
    security(30, "SECURITY_ALERT", "dangerous", "dangerous_commands", "high",
             "System commands, SQL injections, and other potentially harmful operations", ["rm -rf"], span=LLM_SPAN),
    telemetry("llm.call.finish", 29, span=LLM_SPAN, **LLM, **{"llm.usage.input_tokens": 42,
                                                               "llm.usage.output_tokens": 7}),
    telemetry("tool.execution", 28, span=TOOL_SPAN, **{"tool.name": "search"}),
    telemetry("tool.result", 27, span=TOOL_SPAN, **{"tool.name": "search", "tool.status": "success"}),
    *[telemetry("llm.call.start" if n % 2 else "llm.call.finish", 27 - n, span=f"{n:016x}", **LLM)
      for n in range(1, 7)],
    telemetry("monitoring.stop", 10),
    security(48 * 60, "WARNING", "suspicious", "prompt_manipulation", "low", None, ["jailbreak"], trace=LOW_TRACE),
    security(72 * 60, "WARNING", "suspicious", "sensitive_data", "medium",
             "Sensitive information like PII, credentials, and other confidential data",
             ["email_address:b***@example.com"], trace=OLD_TRACE, agent="other"),
]


@pytest.fixture(scope="module")
def alert_server(tmp_path_factory):
    """A collector of its own, so the agents above keep their counts; the monitored agent also has an AgentD run."""
    tmp = tmp_path_factory.mktemp("alerts-api")
    collector = Collector(tmp / "collector.duckdb", tmp / "collector.log").start()
    try:
        with collector.client() as http:
            for body in TELEMETRY:
                assert http.post("/v1/telemetry", json=body).status_code == 201
            run = agentd_run("monitored-1", "monitored", "s-monitored", at(5), 1, ["run_start", "run_end"])
            assert http.post("/v1/runs", json=run).status_code == 202
        yield collector
    finally:
        collector.stop()


@pytest.fixture
def alerts_http(alert_server) -> httpx.Client:
    with alert_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def alerts(alert_server) -> dict:
    """The three findings, newest first, as the list answers them."""
    with alert_server.client() as client:
        page = client.get("/api/v1/alerts/").json()
    assert page["pagination"] == {"total": 3, "limit": 20, "offset": 0, "has_more": False}
    return page


def test_alerts_list_values(alerts_http, alerts):
    dangerous, low, medium = alerts["results"]
    security_events = alerts_http.get("/api/v1/events/monitored/events", params={"event_type": "security_alert"}).json()
    assert dangerous["details"]["event_id"] == security_events["results"][0]["id"]
    assert {key: value for key, value in dangerous.items() if key != "id"} == {
        "timestamp": format_instant(NOW - timedelta(minutes=30)),
        "agent_id": "monitored",
        "event_type": "security_alert",
        "channel": "SECURITY",
        "severity": "high",
        "status": "active",
        "message": "System commands, SQL injections, and other potentially harmful operations",
        "details": dangerous["details"] | {
            "category": "dangerous_command", "rule": "client:dangerous_commands", "alert_level": "dangerous",
            "run_id": TRACE,
            "session_id": f"session-{TRACE[:4]}", "detector": "client", "source": "cylestio", "keywords": ["rm -rf"]},
    }
    assert set(dangerous["details"]) >= {"category", "alert_level", "run_id", "event_id", "session_id", "detector",
                                         "source", "keywords"}
    # Without a description the message names the category.
    assert (low["severity"], low["status"], low["message"], low["timestamp"]) == (
        "low", "resolved", "Security alert: prompt_injection", format_instant(NOW - timedelta(hours=48)))
    assert (medium["agent_id"], medium["severity"], medium["details"]["category"], medium["details"]["keywords"],
            medium["details"]["run_id"]) == (
        "other", "medium", "pii", ["email_address:b***@example.com"], OLD_TRACE)


def test_alerts_list_answers_without_the_trailing_slash_too(alerts_http, alerts):
    response = alerts_http.get("/api/v1/alerts")
    assert response.status_code == 200
    assert response.json() == alerts


@pytest.mark.parametrize(("params", "expected"), [
    ({"severity": "high"}, [0]),
    ({"severity": "medium"}, [2]),
    ({"severity": "critical"}, []),
    ({"agent_id": "other"}, [2]),
    ({"agent_id": "monitored", "severity": "low"}, [1]),
    ({"status": "active"}, [0]),
    ({"status": "resolved"}, [1, 2]),
    ({"start_time": format_instant(at(24))}, [0]),
    ({"end_time": at(24).replace(tzinfo=None).isoformat()}, [1, 2]),
    ({"start_time": format_instant(at(60)), "end_time": format_instant(at(24))}, [1]),
])
def test_alerts_filters(alerts_http, alerts, params, expected):
    page = alerts_http.get("/api/v1/alerts/", params=params).json()
    assert ids(page, "id") == [alerts["results"][i]["id"] for i in expected]
    assert page["pagination"]["total"] == len(expected)


def test_alerts_paging(alerts_http, alerts):
    page = alerts_http.get("/api/v1/alerts/", params={"limit": 1, "offset": 1}).json()
    assert page == {"results": [alerts["results"][1]],
                    "pagination": {"total": 3, "limit": 1, "offset": 1, "has_more": True}}


@pytest.mark.parametrize(("params", "field"), [
    ({"severity": "severe"}, "severity"), ({"status": "open"}, "status"), ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"start_time": "last week"}, "start_time"),
    (REVERSED, "start_time"), (EMPTY, "start_time"),
])
def test_alerts_bad_parameters_are_422(alerts_http, params, field):
    response = alerts_http.get("/api/v1/alerts/", params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


def test_alert_detail_with_the_nearest_events_of_its_run(alerts_http, alerts):
    dangerous = alerts["results"][0]
    detail = alerts_http.get(f"/api/v1/alerts/{dangerous['id']}").json()
    assert {key: value for key, value in detail.items() if key != "context"} == dangerous
    # 13 events in the run: the 10 nearest the alert (30 min ago) leave out the start (40), the stop (10) and the
    # last LLM call (21), and come in time order.
    minutes = [30, 30, 29, 28, 27, 26, 25, 24, 23, 22]
    assert [item["timestamp"] for item in detail["context"]] == sorted(
        format_instant(NOW - timedelta(minutes=m)) for m in minutes)
    assert {(item["event_type"], item["level"]) for item in detail["context"]} == {
        ("security_alert", "SECURITY_ALERT"), ("llm_request", "INFO"), ("llm_call", "INFO"), ("tool_call", "INFO"),
        ("tool_result", "INFO")}
    assert dangerous["details"]["event_id"] in [item["id"] for item in detail["context"]]
    assert set(detail["context"][0]) == {"id", "timestamp", "event_type", "level"}


def test_unknown_alert_is_404(alerts_http, alerts):
    response = alerts_http.get("/api/v1/alerts/nope")
    assert (response.status_code, response.json()) == (404, {"detail": "Alert with ID nope not found"})


def test_agent_event_channels_include_llm_and_security(alerts_http, alerts):
    counts = alerts_http.get("/api/v1/agents/monitored").json()["event_counts"]
    # AgentD: run_start and run_end; Cylestio: monitoring start and stop, 8 LLM calls (starts and finishes), a tool
    # execution and its result, and two security alerts.
    assert counts["by_channel"] == {"LLM": 8, "SECURITY": 2, "SYSTEM": 4, "TOOL": 2}
    assert counts["total"] == 16
    security_events = alerts_http.get("/api/v1/events/monitored/events", params={"channel": "SECURITY"}).json()
    assert [(e["event_type"], e["level"]) for e in security_events["results"]] == [
        ("security_alert", "SECURITY_ALERT"), ("security_alert", "WARNING")]
