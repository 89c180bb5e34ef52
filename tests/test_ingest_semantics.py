"""Idempotency, arrival order, deletion and restart, over plain HTTP with the payloads agentd-sdk really sends."""

from __future__ import annotations

import copy

from tests.conftest import captured_requests

CAPTURE = captured_requests("agentd_cap.jsonl")
RUN_POSTS = [r for r in CAPTURE if r["path"] == "/v1/runs"]
COMPLETED, FAILED = (r["body"] for r in RUN_POSTS)


def replay(http, requests):
    for request in requests:
        response = http.post(request["path"], json=request["body"])
        assert response.status_code == 202, response.text


def tool_durations(tool):
    return [e["tool_duration_ms"] for run in (COMPLETED, FAILED) for e in run["events"]
            if e["type"] == "tool_result" and e["tool_name"] == tool]


def event_ids(http, run_id):
    return [e["event_id"] for e in http.get(f"/v1/runs/{run_id}/events").json()]


def test_streaming_capture_replayed_in_its_real_order(collector):
    """agentd-sdk's streamed events arrive before and after their run, out of sequence, and some twice."""
    http = collector.client()
    replay(http, CAPTURE)
    for run in (COMPLETED, FAILED):
        stored = http.get(f"/v1/runs/{run['run_id']}").json()
        assert [e["event_id"] for e in stored["events"]] == [e["event_id"] for e in run["events"]]
        assert [e["sequence_number"] for e in stored["events"]] == list(range(len(run["events"])))
    assert http.get("/v1/stats").json()["total_runs"] == 2
    assert http.get("/v1/tools").json() == [
        {"tool_name": "Read", "call_count": 2, "success_count": 0, "failure_count": 2, "avg_duration_ms": 0.0},
        {"tool_name": "WebSearch", "call_count": 2, "success_count": 2, "failure_count": 0,
         "avg_duration_ms": sum(tool_durations("WebSearch")) / 2},
    ]


def test_same_run_posted_twice_is_stored_once(collector):
    http = collector.client()
    replay(http, RUN_POSTS[:1] * 2)
    page = http.get("/v1/runs").json()
    assert page["total"] == 1
    assert len(page["data"][0]["events"]) == len(COMPLETED["events"])
    assert http.get("/v1/stats").json()["total_tokens_input"] == 1500


def test_reposted_run_replaces_the_stored_one(collector):
    http = collector.client()
    changed = copy.deepcopy(COMPLETED)
    changed["status"], changed["tokens"]["input"], changed["agent_id"] = "failed", 9, "renamed"
    replay(http, [{"path": "/v1/runs", "body": COMPLETED}, {"path": "/v1/runs", "body": changed}])
    run = http.get(f"/v1/runs/{COMPLETED['run_id']}").json()
    assert (run["status"], run["tokens"]["input"], run["agent_id"]) == ("failed", 9, "renamed")
    assert [a["agent_id"] for a in http.get("/v1/agents").json()] == ["renamed"]


def test_events_posted_before_their_run_are_attached_to_it(collector):
    http = collector.client()
    run_id = COMPLETED["run_id"]
    for event in reversed(COMPLETED["events"]):
        assert http.post(f"/v1/runs/{run_id}/events", json=event).status_code == 202
    assert http.get(f"/v1/runs/{run_id}").status_code == 404
    assert len(event_ids(http, run_id)) == 10  # kept while the run is still missing
    without_events = {**COMPLETED, "events": []}
    assert http.post("/v1/runs", json=without_events).status_code == 202
    run = http.get(f"/v1/runs/{run_id}").json()
    assert [e["event_id"] for e in run["events"]] == [e["event_id"] for e in COMPLETED["events"]]
    assert http.get("/v1/tools", params={"agent_id": "my-agent"}).json()[0]["call_count"] == 1


def test_event_reposted_under_another_run_moves(collector):
    http = collector.client()
    replay(http, RUN_POSTS)
    moved = COMPLETED["events"][0]
    assert http.post(f"/v1/runs/{FAILED['run_id']}/events", json=moved).status_code == 202
    assert moved["event_id"] not in event_ids(http, COMPLETED["run_id"])
    assert moved["event_id"] in event_ids(http, FAILED["run_id"])


def test_event_response_names_its_run(collector):
    response = collector.client().post("/v1/runs/r-1/events", json=COMPLETED["events"][0])
    assert (response.status_code, response.json()) == (202, {"status": "accepted", "run_id": "r-1"})


def test_delete_removes_the_run_and_its_events(collector):
    http = collector.client()
    replay(http, RUN_POSTS)
    assert http.delete(f"/v1/runs/{COMPLETED['run_id']}").status_code == 204
    assert http.get(f"/v1/runs/{COMPLETED['run_id']}").status_code == 404
    assert event_ids(http, COMPLETED["run_id"]) == []
    assert http.delete(f"/v1/runs/{COMPLETED['run_id']}").json() == {"detail": f"Run {COMPLETED['run_id']} not found"}
    assert http.get("/v1/stats").json()["total_runs"] == 1
    assert http.get(f"/v1/runs/{FAILED['run_id']}").json()["status"] == "failed"


def test_unknown_run_and_trace(collector):
    http = collector.client()
    assert http.get("/v1/runs/nope").status_code == 404
    assert http.get("/v1/runs/nope").json() == {"detail": "Run nope not found"}
    assert http.get("/v1/runs/nope/events").json() == []
    assert http.get("/v1/traces/0af7651916cd43dd8448eb211c80319c").status_code == 404
    assert http.get("/v1/stats").json()["total_runs"] == 0
    assert http.get("/v1/agents").json() == [] and http.get("/v1/tools").json() == []


def test_everything_survives_a_restart(start_collector, tmp_path):
    db = tmp_path / "kept.duckdb"
    first = start_collector(db=db)
    http = first.client()
    replay(http, CAPTURE)
    before = {path: http.get(path).json() for path in ("/v1/runs", "/v1/agents", "/v1/stats", "/v1/tools")}
    assert first.stop() == 0

    second = start_collector(db=db)
    http = second.client()
    assert {path: http.get(path).json() for path in before} == before
    assert before["/v1/stats"]["total_runs"] == 2


def test_openapi_documents_the_ingest_bodies(collector):
    document = collector.client().get("/openapi.json").json()
    body = document["paths"]["/v1/runs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AgentRun"}
    schemas = document["components"]["schemas"]
    assert {"AgentRun", "RunEvent", "TokenUsage", "ErrorInfo", "ToolCallSummary"} <= set(schemas)
    assert {"run_id", "started_at", "trace_id", "span_id"} <= set(schemas["AgentRun"]["required"])
