"""The rollups the writer keeps (schema/004_rollups.sql): after events out of order, re-posted, replaced by later
spans, and deleted, /v1/tools over tool_calls answers as pairing each tool_call with its tool_result at query time
did, and event_counts counts and spans each run's events per agent as the events table does."""

from __future__ import annotations

import copy

import duckdb

from analytics import runs
from tests.conftest import captured_requests

CAPTURE = captured_requests("agentd_cap.jsonl")
COMPLETED, FAILED = (r["body"] for r in CAPTURE if r["path"] == "/v1/runs")

# What /v1/tools answered before tool_calls: every tool event paired by (run_id, tool_id) when asked.
PAIRED = """
WITH calls AS (
    SELECT any_value(tool_name) AS tool_name, bool_and(tool_success) AS success, max(tool_duration_ms) AS duration_ms
    FROM events
    WHERE tool_name IS NOT NULL AND type IN ('tool_call', 'tool_result')
      AND ($agent_id IS NULL OR agent_id = $agent_id) AND ($since IS NULL OR timestamp >= $since)
    GROUP BY run_id, coalesce(tool_id, event_id)
)
SELECT tool_name, count(*) AS call_count, count(*) FILTER (WHERE success) AS success_count,
       count(*) FILTER (WHERE NOT success) AS failure_count, avg(duration_ms) AS avg_duration_ms
FROM calls GROUP BY tool_name ORDER BY call_count DESC, tool_name
"""


# event_counts per run and agent, and the same from the events.
COUNTED = """
SELECT run_id, agent_id, sum(events)::BIGINT, min(first_at), max(last_at) FROM event_counts GROUP BY ALL ORDER BY ALL
"""
EVENTS = """
SELECT run_id, agent_id, count(*), min(timestamp), max(timestamp) FROM events GROUP BY ALL ORDER BY ALL
"""


def assert_same_as_paired(collector, agents=(None,)) -> list[dict]:
    """Stop the collector, then compare tool_calls' answers with the pairing's, for each agent and every `since`
    at an event's time, and event_counts with the events."""
    collector.stop()
    with duckdb.connect(str(collector.db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert con.execute(COUNTED).fetchall() == con.execute(EVENTS).fetchall()
        moments = [None] + [at for (at,) in con.execute("SELECT DISTINCT timestamp FROM events").fetchall()]
        for agent_id in agents:
            for since in moments:
                cursor = con.execute(PAIRED, {"agent_id": agent_id, "since": since})
                names = [column[0] for column in cursor.description]
                paired = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
                assert runs.tools(con, agent_id=agent_id, since=since) == paired, (agent_id, since)
        return runs.tools(con)


def post_run(http, run) -> None:
    assert http.post("/v1/runs", json=run).status_code == 202


def test_agentd_streamed_out_of_order_reposted_and_renamed(collector):
    http = collector.client()
    for request in CAPTURE:  # events before and after their run, some twice
        assert http.post(request["path"], json=request["body"]).status_code == 202
    renamed = copy.deepcopy(FAILED)
    renamed["agent_id"] = "renamed"
    for event in renamed["events"]:
        if event["type"] == "tool_result":
            event["tool_success"] = not event["tool_success"]
    post_run(http, renamed)
    tools = assert_same_as_paired(collector, agents=(None, "my-agent", "renamed", "nobody"))
    assert sum(t["call_count"] for t in tools) == 4


def test_events_before_their_run_count_for_its_agent(collector):
    http = collector.client()
    run_id = COMPLETED["run_id"]
    for event in reversed(COMPLETED["events"]):
        assert http.post(f"/v1/runs/{run_id}/events", json=event).status_code == 202
    assert http.get("/v1/tools", params={"agent_id": COMPLETED["agent_id"]}).json() == []
    post_run(http, {**COMPLETED, "events": []})
    assert http.get("/v1/tools", params={"agent_id": COMPLETED["agent_id"]}).json()[0]["call_count"] == 1
    assert_same_as_paired(collector, agents=(None, COMPLETED["agent_id"]))


def test_a_runs_events_days_apart_are_all_read(collector):
    http = collector.client()
    post_run(http, COMPLETED)
    run_id = COMPLETED["run_id"]
    early, late = (copy.deepcopy(COMPLETED["events"][-1]) for _ in range(2))
    early |= {"event_id": "early", "timestamp": "2020-01-01T00:00:00Z"}
    late |= {"event_id": "late", "timestamp": "2030-01-01T00:00:00Z"}
    for event in (late, early):
        assert http.post(f"/v1/runs/{run_id}/events", json=event).status_code == 202
    ids = [e["event_id"] for e in http.get(f"/v1/runs/{run_id}").json()["events"]]
    assert {"early", "late"} <= set(ids) and len(ids) == len(COMPLETED["events"]) + 2
    assert_same_as_paired(collector)


def test_an_event_later_in_the_hour_recounts_the_runs_earlier_ones(collector):
    """A commit reads events from its own earliest, or from the first event of an hour whose count it replaces."""
    http = collector.client()
    post_run(http, COMPLETED)
    run_id = COMPLETED["run_id"]
    later = copy.deepcopy(COMPLETED["events"][-1]) | {"event_id": "later", "timestamp": "2026-11-22T22:59:59Z"}
    assert http.post(f"/v1/runs/{run_id}/events", json=later).status_code == 202
    assert_same_as_paired(collector)
    with duckdb.connect(str(collector.db), read_only=True) as con:
        assert con.execute("SELECT events FROM event_counts WHERE run_id = $id", {"id": run_id}).fetchall() == [
            (len(COMPLETED["events"]) + 1,)]


def test_a_result_streamed_in_the_next_hour_replaces_its_call(collector):
    """A commit whose events hold a call's result but not its tool_call reads older calls back, up to a day."""
    http = collector.client()
    result = next(e for e in COMPLETED["events"] if e["type"] == "tool_result")
    post_run(http, {**COMPLETED, "events": [e for e in COMPLETED["events"] if e is not result]})
    late = result | {"timestamp": "2026-11-22T23:00:05Z"}
    assert http.post(f"/v1/runs/{COMPLETED['run_id']}/events", json=late).status_code == 202
    tools = assert_same_as_paired(collector, agents=(None, COMPLETED["agent_id"]))
    calls = {e["tool_id"] for e in COMPLETED["events"] if e["type"] in ("tool_call", "tool_result")}
    assert sum(t["call_count"] for t in tools) == len(calls)


def test_a_deleted_run_takes_its_calls(collector):
    http = collector.client()
    post_run(http, COMPLETED)
    post_run(http, FAILED)
    assert http.delete(f"/v1/runs/{FAILED['run_id']}").status_code == 204
    tools = assert_same_as_paired(collector, agents=(None, COMPLETED["agent_id"]))
    calls = {e["tool_id"] for e in COMPLETED["events"] if e["type"] in ("tool_call", "tool_result")}
    assert sum(t["call_count"] for t in tools) == len(calls)


def span(trace_id: str, span_id: str, parent: str | None, operation: str, name: str, start: int, **extra) -> dict:
    attributes = {"gen_ai.operation.name": operation, "gen_ai.agent.name": name, **extra}
    return {"traceId": trace_id, "spanId": span_id, "parentSpanId": parent or "", "name": f"{operation} {name}",
            "kind": 1, "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 10**9), "status": {},
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()]}


def export(http, spans: list[dict]) -> None:
    body = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"},
                                                                             "spans": spans}]}]}
    assert http.post("/v1/traces", json=body).status_code == 200


def test_a_sub_agents_run_replaced_by_its_parents_keeps_one_call(collector):
    """A sub-agent's spans end, and are exported, before the agent that called it: its run, with the tool call,
    becomes part of the outer agent's run when that span arrives."""
    http = collector.client()
    trace_id, start = "ab" * 16, 1_780_000_000 * 10**9
    outer = span(trace_id, "1" * 16, None, "invoke_agent", "outer", start)
    inner = span(trace_id, "2" * 16, "1" * 16, "invoke_agent", "inner", start + 10**8)
    tool = span(trace_id, "3" * 16, "2" * 16, "execute_tool", "inner", start + 2 * 10**8,
                **{"gen_ai.tool.name": "search"})
    export(http, [tool, inner])
    assert [r["agent_id"] for r in http.get("/v1/runs").json()["data"]] == ["inner"]
    export(http, [outer])
    assert [r["agent_id"] for r in http.get("/v1/runs").json()["data"]] == ["outer"]
    tools = assert_same_as_paired(collector, agents=(None, "inner", "outer"))
    assert [(t["tool_name"], t["call_count"]) for t in tools] == [("search", 1)]
