"""The write path (collector/writer.py, collector/deriver.py): an acknowledgement waits for a durable append to the
landing tables, derivation follows apart from it. A query that starts after an acknowledgement sees what it
acknowledged on every route, whichever path it came by; a kill -9 before or during derivation loses and doubles
nothing; a batch that cannot be derived is passed over."""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import duckdb
import grpc
import httpx
import pyarrow as pa
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub

from analytics.tables import RUNS
from collector import landing
from collector.deriver import DELAY, PACE_ROWS
from collector.landing import LandingLog, Received
from collector.receivers import agentd
from collector.writer import PACE_MAX_SECONDS

MODEL = "gpt-4o-mini"
TOKENS_IN, TOKENS_OUT = 10, 5
# A secret in every run's tool input: each run has one finding.
SECRET = "AKIAIOSFODNN7EXAMPLE"
# Each derivation waits this long, so a query right after an acknowledgement finds its batch not yet derived.
LAG_SECONDS = 0.4


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def nanos(at: datetime) -> int:
    return int(at.timestamp() * 1e9)


def ok(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text


# ---------------------------------------------------------------- one run per path: an LLM call and a tool call

def send_agentd(collector, agent: str, n: int, at: datetime) -> str:
    run_id = f"{agent}-{n}"
    http = collector.client()
    ok(http.post(f"/v1/runs/{run_id}/events", json={
        "event_id": f"{run_id}-call", "type": "tool_call", "timestamp": iso(at), "sequence_number": 0,
        "tool_name": "lookup", "tool_id": "t1", "tool_input": {"key": SECRET}}), 202)
    ok(http.post("/v1/runs", json={
        "run_id": run_id, "agent_id": agent, "started_at": iso(at), "finished_at": iso(at + timedelta(seconds=1)),
        "status": "completed", "model": MODEL, "tokens": {"input": TOKENS_IN, "output": TOKENS_OUT},
        "trace_id": uuid.uuid4().hex, "span_id": f"{n:016x}"}), 202)
    return run_id


def send_agentmetrics(collector, agent: str, n: int, at: datetime, batch: bool = False) -> str:
    run_id = f"{agent}-{n}"
    event = {"event_id": run_id, "trace_id": run_id, "agent_id": agent, "status": "success",
             "ts": int(at.timestamp() * 1000), "duration_ms": 1000, "model": MODEL, "input_tokens": TOKENS_IN,
             "output_tokens": TOKENS_OUT, "tool_calls": 1, "tool_names": ["lookup"],
             "metadata": {"note": SECRET, "tool_calls_detail": [
                 {"name": "lookup", "status": "success", "duration_ms": 3}]}}
    http = collector.client()
    if batch:
        ok(http.post("/v1/events/batch", json={"events": [event]}), 201)
    else:
        ok(http.post("/v1/events", json=event), 201)
    return run_id


def cylestio_events(agent: str, n: int, at: datetime) -> list[dict]:
    common = {"schema_version": "1.0", "trace_id": uuid.uuid4().hex, "agent_id": agent}
    session = {"session.id": f"{agent}-{n}"}

    def event(name: str, ms: int, span: str | None, **attributes) -> dict:
        return {**common, "timestamp": iso(at + timedelta(milliseconds=ms)), "name": name, "level": "INFO",
                "span_id": span, "attributes": {**session, **attributes}}

    return [
        event("monitoring.start", 0, None),
        event("llm.call.finish", 100, "a" * 16, **{"llm.vendor": "openai", "llm.model": MODEL,
                                                    "llm.usage.input_tokens": TOKENS_IN,
                                                    "llm.usage.output_tokens": TOKENS_OUT}),
        event("tool.execution", 200, "b" * 16, **{"tool.name": "lookup", "tool.params": {"key": SECRET}}),
        event("tool.result", 300, "b" * 16, **{"tool.name": "lookup", "tool.status": "success"}),
        event("monitoring.stop", 1000, None),
    ]


def send_cylestio(collector, agent: str, n: int, at: datetime) -> str:
    events = cylestio_events(agent, n, at)
    ok(collector.client().post("/v1/telemetry/batch", json={"events": events}), 201)
    return events[0]["trace_id"]  # a current-format run is its trace


def otlp_body(agent: str, n: int, at: datetime) -> tuple[dict, str]:
    """An OTLP/JSON body (ids in hex) and its run's id."""
    trace_id, agent_span, llm_span, tool_span = uuid.uuid4().hex, f"{n:016x}", "1" * 16, "2" * 16

    def span(span_id: str, parent: str, name: str, start_ms: int, end_ms: int, **attributes) -> dict:
        return {"traceId": trace_id, "spanId": span_id, "parentSpanId": parent, "name": name,
                "startTimeUnixNano": str(nanos(at + timedelta(milliseconds=start_ms))),
                "endTimeUnixNano": str(nanos(at + timedelta(milliseconds=end_ms))),
                "attributes": [{"key": key, "value": {"intValue": str(value)} if isinstance(value, int)
                                else {"stringValue": value}} for key, value in attributes.items()]}

    body = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "svc"}}]}, "scopeSpans": [{"spans": [
            span(agent_span, "", f"invoke_agent {agent}", 0, 1000, **{"gen_ai.operation.name": "invoke_agent",
                                                                  "gen_ai.agent.name": agent}),
            span(llm_span, agent_span, "chat", 100, 200, **{
                "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL,
                "gen_ai.usage.input_tokens": TOKENS_IN, "gen_ai.usage.output_tokens": TOKENS_OUT}),
            span(tool_span, agent_span, "execute_tool lookup", 300, 400, **{
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup",
                "gen_ai.tool.call.arguments": json.dumps({"key": SECRET})}),
        ]}]}]}
    return body, f"{trace_id}-{agent_span}"


def otlp_request(agent: str, n: int, at: datetime) -> tuple[ExportTraceServiceRequest, str]:
    body, run_id = otlp_body(agent, n, at)
    for span in body["resourceSpans"][0]["scopeSpans"][0]["spans"]:  # protobuf's JSON mapping reads ids as base64
        for field in ("traceId", "spanId", "parentSpanId"):
            span[field] = base64.b64encode(bytes.fromhex(span[field])).decode()
    return json_format.ParseDict(body, ExportTraceServiceRequest()), run_id


def send_otlp_grpc(collector, agent: str, n: int, at: datetime) -> str:
    request, run_id = otlp_request(agent, n, at)
    with grpc.insecure_channel(collector.grpc_target) as channel:
        TraceServiceStub(channel).Export(request, timeout=30)
    return run_id


def send_otlp_http(collector, agent: str, n: int, at: datetime, encoding: str = "protobuf") -> str:
    if encoding == "json":
        body, run_id = otlp_body(agent, n, at)
        ok(collector.client().post("/v1/traces", json=body), 200)
    else:
        request, run_id = otlp_request(agent, n, at)
        ok(collector.client().post("/v1/traces", content=request.SerializeToString(),
                                   headers={"Content-Type": "application/x-protobuf"}), 200)
    return run_id


PATHS = {
    "agentd": send_agentd,
    "agentmetrics": send_agentmetrics,
    "agentmetrics-batch": lambda *args: send_agentmetrics(*args, batch=True),
    "cylestio": send_cylestio,
    "otlp-grpc": send_otlp_grpc,
    "otlp-http-protobuf": send_otlp_http,
    "otlp-http-json": lambda *args: send_otlp_http(*args, encoding="json"),
}


# ---------------------------------------------------------------- the query routes, after the n-th run of an agent

EVENTS_PER_RUN = {"agentd": 1, "agentmetrics": 3, "agentmetrics-batch": 3, "cylestio": 5, "otlp-grpc": 2,
                  "otlp-http-protobuf": 2, "otlp-http-json": 2}


def get(http: httpx.Client, path: str, **params) -> dict | list:
    response = http.get(path, params=params)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def check_route(http: httpx.Client, route: str, path: str, agent: str, run_id: str, n: int) -> None:
    """What `route` answers once the agent's n-th run, `run_id`, is acknowledged."""
    events = n * EVENTS_PER_RUN[path]
    if route == "/v1/runs":
        assert get(http, route, agent_id=agent)["total"] == n
    elif route == "/v1/runs/{id}":
        run = get(http, f"/v1/runs/{run_id}")
        assert (run["agent_id"], run["tokens"]["input"], run["tokens"]["output"]) == (agent, TOKENS_IN, TOKENS_OUT)
    elif route == "/v1/runs/{id}/events":
        assert "lookup" in {event.get("tool_name") for event in get(http, f"/v1/runs/{run_id}/events")}
    elif route == "/v1/stats":
        stats = get(http, route, agent_id=agent)
        assert (stats["total_runs"], stats["total_tokens_input"]) == (n, n * TOKENS_IN)
    elif route == "/v1/agents":
        assert {row["agent_id"]: row["run_count"] for row in get(http, route)}[agent] == n
    elif route == "/v1/tools":
        assert [(tool["tool_name"], tool["call_count"]) for tool in get(http, route, agent_id=agent)] == [
            ("lookup", n)]
    elif route == "/v1/security/findings":
        assert get(http, route, agent_id=agent)["total"] == n
    elif route == "/api/v1/agents/":
        listed = {row["agent_id"]: row["event_count"] for row in get(http, route, limit=100)["results"]}
        assert listed[agent] == events
    elif route == "/api/v1/agents/{id}":
        assert get(http, f"/api/v1/agents/{agent}")["event_counts"]["total"] == events
    elif route == "/api/v1/events/{id}/events":
        assert get(http, f"/api/v1/events/{agent}/events")["pagination"]["total"] == events
    elif route == "/api/v1/alerts/":
        assert get(http, route, agent_id=agent)["pagination"]["total"] == n
    else:  # a metrics route
        data = get(http, route, agent_id=agent)["data"]
        if route.endswith("token_usage/total"):
            assert (data["total_input_tokens"], data["total_output_tokens"]) == (n * TOKENS_IN, n * TOKENS_OUT)
        elif route.endswith("token_usage/by_model"):
            assert data["usage_by_model"][MODEL]["input_tokens"] == n * TOKENS_IN
        elif route.endswith("usage/requests/by_agent"):
            assert data["requests_by_agent"] == {agent: n}
        elif route.endswith("usage/events/distribution"):
            assert data["total_events"] == events
        elif route.endswith("security/alerts/count"):
            assert data["alert_count"] == n
        else:
            raise AssertionError(f"no check for {route}")


ROUTES = ["/v1/runs", "/v1/runs/{id}", "/v1/runs/{id}/events", "/v1/stats", "/v1/agents", "/v1/tools",
          "/v1/security/findings", "/api/v1/agents/", "/api/v1/agents/{id}", "/api/v1/events/{id}/events",
          "/api/v1/alerts/", "/api/v1/metrics/token_usage/total", "/api/v1/metrics/token_usage/by_model",
          "/api/v1/metrics/usage/requests/by_agent", "/api/v1/metrics/usage/events/distribution",
          "/api/v1/metrics/security/alerts/count"]


def test_a_query_after_an_acknowledgement_sees_it_on_every_route(start_collector):
    """Each derivation held back LAG_SECONDS: every query below starts before its run is derived, and must wait
    for it. Every path sends a run before each route is asked; the paths go at once, as clients do."""
    collector = start_collector(env={DELAY: str(LAG_SECONDS)})
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    failures: dict[str, BaseException] = {}

    def drive(path: str) -> None:
        agent = f"ack-{path}"
        http = collector.client()
        try:
            for n, route in enumerate(ROUTES, 1):
                run_id = PATHS[path](collector, agent, n, at + timedelta(seconds=n))
                check_route(http, route, path, agent, run_id, n)
        except BaseException as exc:
            failures[path] = exc

    threads = [threading.Thread(target=drive, args=(path,)) for path in PATHS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


# ---------------------------------------------------------------- stops between a landing and its derivation

def landed_and_derived(db) -> tuple[int, int]:
    """Batches in the landing log, and runs derived, read while no collector holds the files."""
    with duckdb.connect(str(db), read_only=True) as con:
        derived = con.execute("SELECT derived_seq FROM derivation").fetchone()[0]
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    return len({seq for seq, _ in LandingLog(db).recover(derived)}), runs


def agent_totals(http: httpx.Client, agent: str) -> tuple[int, int, int, int, int]:
    """Runs, input tokens, tool calls, events in the rollups and findings of one agent, as the routes answer."""
    stats = get(http, "/v1/stats", agent_id=agent)
    tools = get(http, "/v1/tools", agent_id=agent)
    events = get(http, f"/api/v1/agents/{agent}")["event_counts"]["total"]
    findings = get(http, "/v1/security/findings", agent_id=agent)["total"]
    return stats["total_runs"], stats["total_tokens_input"], sum(t["call_count"] for t in tools), events, findings


def test_kill_between_landing_and_derivation_loses_and_doubles_nothing(start_collector, tmp_path):
    db = tmp_path / "held.duckdb"
    held = start_collector(db=db, env={DELAY: "inf"})
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    sent = {"agentd": 6, "agentmetrics-batch": 5, "cylestio": 4, "otlp-http-protobuf": 5, "otlp-grpc": 3}
    for path, count in sent.items():
        for n in range(1, count + 1):
            PATHS[path](held, f"held-{path}", n, at + timedelta(seconds=n))
    batches = sum(count * (2 if path == "agentd" else 1) for path, count in sent.items())  # AgentD: events, run
    assert held.client().get("/health").json()["derivation_behind_batches"] == batches
    assert held.stop(signal.SIGKILL) == -signal.SIGKILL
    assert landed_and_derived(db) == (batches, 0)

    http = start_collector(db=db).client()
    for path, count in sent.items():
        events = count * EVENTS_PER_RUN[path]
        assert agent_totals(http, f"held-{path}") == (count, count * TOKENS_IN, count, events, count), path
    assert get(http, "/v1/runs", limit=100)["total"] == sum(sent.values())


def test_kill_during_derivation_under_load_loses_and_doubles_nothing(start_collector, tmp_path):
    """Runs go in as fast as one client can send them while the collector is killed: every acknowledged run is
    there once after the restart, with its events, tool call, tokens and finding counted once."""
    db = tmp_path / "killed.duckdb"
    collector = start_collector(db=db)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    acked = 0

    def send() -> None:
        nonlocal acked
        with contextlib.suppress(httpx.HTTPError, AssertionError):
            while True:
                send_agentmetrics(collector, "killed", acked + 1, at + timedelta(milliseconds=acked))
                acked += 1

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(3)
    collector.stop(signal.SIGKILL)
    sender.join()
    assert acked > 20

    http = start_collector(db=db).client()
    runs, tokens, calls, events, findings = agent_totals(http, "killed")
    assert runs in (acked, acked + 1)  # the one in flight at the kill may have landed unanswered
    assert (tokens, calls, events, findings) == (runs * TOKENS_IN, runs, runs * 3, runs)


def land_after_a_good_run(start_collector, db, at: datetime, record) -> int:
    """A collector whose deriver is held lands one good AgentD run; then `record(seq)` is appended to the landing log
    after it, as if acknowledged. Returns seq."""
    held = start_collector(db=db, env={DELAY: "inf"})
    send_agentd(held, "good", 1, at)
    held.stop()
    landed = LandingLog(db)
    seq = max(seq for seq, _ in landed.recover(0)) + 1
    landed.append([record(seq)], seq)
    landed.close()
    return seq


def test_a_batch_that_cannot_be_derived_is_passed_over(start_collector, tmp_path):
    """A row the derivation refuses (here a run without the token counts every receiver sets, put in the landing
    table between two acknowledged batches) is rejected alone and kept; the batches around it are derived."""
    poison = pa.Table.from_pylist([{"run_id": "poison-1", "source": "agentd", "agent_id": "good",
                                    "status": "completed", "data": "{}"}], schema=RUNS)
    db = tmp_path / "poison.duckdb"
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    seq = land_after_a_good_run(start_collector, db, at, lambda seq: landing.encode(seq, "runs", poison))
    held = start_collector(db=db, env={DELAY: "inf"})
    send_agentd(held, "good", 2, at + timedelta(seconds=1))
    held.stop()

    collector = start_collector(db=db)
    http = collector.client()
    assert sorted(run["run_id"] for run in get(http, "/v1/runs", agent_id="good")["data"]) == ["good-1", "good-2"]
    send_agentd(collector, "good", 3, at + timedelta(seconds=2))  # and what comes after
    assert get(http, "/v1/stats", agent_id="good")["total_runs"] == 3
    collector.stop()
    with duckdb.connect(str(db), read_only=True) as con:
        ((rejected, reason, payload),) = con.execute("SELECT seq, reason, payload FROM rejected_batches").fetchall()
    assert (rejected, "NOT NULL" in reason) == (seq, True)
    assert payload == landing.encode(seq, "runs", poison)  # kept as it landed
    assert "cannot be derived" in collector.log()


def test_a_request_landed_as_received_that_cannot_be_decoded_is_passed_over(start_collector, tmp_path):
    """POST /v1/runs lands its body as received and is decoded when derived: a body its decoder refuses, between
    two acknowledged runs, is rejected alone and kept as it landed."""
    poison = Received(agentd.RUNS_DECODER, b'{"run_id": "poison-2"}', 1)
    db = tmp_path / "undecodable.duckdb"
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    seq = land_after_a_good_run(start_collector, db, at, lambda seq: landing.encode_received(seq, poison))
    kinds = [landing.decode(payload)[0] for _, payload in LandingLog(db).recover(0)]
    assert kinds.count(landing.RECEIVED) == 2  # the good run's body and the poison

    collector = start_collector(db=db)
    http = collector.client()
    send_agentd(collector, "good", 2, at + timedelta(seconds=1))
    assert sorted(run["run_id"] for run in get(http, "/v1/runs", agent_id="good")["data"]) == ["good-1", "good-2"]
    assert agent_totals(http, "good") == (2, 2 * TOKENS_IN, 2, 2 * EVENTS_PER_RUN["agentd"], 2)
    collector.stop()
    with duckdb.connect(str(db), read_only=True) as con:
        ((rejected, reason, payload),) = con.execute("SELECT seq, reason, payload FROM rejected_batches").fetchall()
    assert (rejected, "started_at" in reason) == (seq, True)
    assert payload == landing.encode_received(seq, poison)


def test_while_derivation_is_behind_acknowledgements_slow_down_but_never_stop(start_collector):
    """Past PACE_ROWS rows landed and not derived, the writer waits for the deriver before it lands more; while the
    deriver cannot go on at all (here: held back), each wait is bounded, so requests are still answered."""
    collector = start_collector(env={DELAY: "inf"})
    http = collector.client()
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    events = [{"event_id": f"big-{n}", "type": "assistant_message", "timestamp": iso(at)} for n in range(PACE_ROWS)]
    ok(http.post("/v1/runs", json={"run_id": "big", "started_at": iso(at), "trace_id": "b" * 32,
                                   "span_id": "b" * 16, "events": events}), 202)
    answered = []
    for n in range(3):
        started = time.monotonic()
        send_agentd(collector, "after", n, at)
        answered.append(time.monotonic() - started)
    # Two requests each (a streamed event, then the run), each waiting at most PACE_MAX_SECONDS to land.
    assert all(PACE_MAX_SECONDS <= seconds < 2 * PACE_MAX_SECONDS + 1 for seconds in answered), answered
    assert http.get("/health").json()["derivation_behind_batches"] == 1 + 3 * 2


def test_a_torn_tail_of_the_landing_log_is_cut_off_and_damage_before_it_kept(tmp_path):
    """A crash during an unacknowledged append leaves part of a record at the end of the last segment: recovery
    reads every whole record before it and cuts the rest off. A bad record in an earlier segment is kept."""
    db = tmp_path / "torn.duckdb"
    table = pa.table({"run_id": ["r"]})
    first = LandingLog(db)
    first.append([landing.encode(1, "runs", table), landing.encode(2, "runs", table)], 1)
    first.close()
    older = first.segments()[0]
    with older.open("ab") as segment:
        segment.write(b"\x00" * 5)  # damage inside what is now an earlier segment
    last = LandingLog(db)
    last.append([landing.encode(3, "runs", table)], 3)
    last.close()
    torn = landing.encode(4, "runs", table)
    with last.segments()[-1].open("ab") as segment:
        segment.write(torn[:len(torn) // 2])
    sizes = [path.stat().st_size for path in last.segments()]

    assert [seq for seq, _ in LandingLog(db).recover(0)] == [1, 2, 3]
    assert older.stat().st_size == sizes[0]  # kept
    assert last.segments()[-1].stat().st_size == sizes[1] - len(torn) // 2  # cut back to the whole records
    assert [seq for seq, _ in LandingLog(db).recover(1)] == [2, 3]
