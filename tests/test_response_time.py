"""Response time in the metrics API and /api/v1/agents/{id} is per model response, as the Cylestio server measures
it: the duration of each LLM call, from every source that reports one, with known durations sent through the real
ingest paths (the OTel SDK exporter, Cylestio's captured and hand-built events of both formats, agentmetrics' wire
format); AgentD runs report no per-call latency and contribute none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import set_span_in_context

import analytics
from analytics import metrics
from collector.instants import parse_instant
from tests.conftest import captured_requests
from tests.server import Collector

DAY = datetime(2026, 4, 1, tzinfo=UTC)
WINDOW = {"start_time": "2026-04-01T00:00:00Z", "end_time": "2026-04-02T00:00:00Z"}
# The captures were recorded on 2026-11-22, both formats within minutes.
CAPTURE_WINDOW = {"start_time": "2026-11-22T00:00:00Z", "end_time": "2026-11-23T00:00:00Z"}


def nanos(moment: datetime) -> int:
    return int(moment.timestamp() * 1e9)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def send_otlp(collector: Collector) -> None:
    """An agent span at 10:00 with two LLM calls of 120 and 480 ms and a tool call of 999 ms (not a response)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "rt-service"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=collector.url + "/v1/traces")))
    tracer = provider.get_tracer("rt-test")
    start = DAY.replace(hour=10)
    agent = tracer.start_span("invoke_agent otlp-agent", start_time=nanos(start), attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "otlp-agent",
        "gen_ai.conversation.id": "otlp-s"})
    inside = set_span_in_context(agent)
    for offset_ms, length_ms in ((100, 120), (1000, 480)):
        llm = tracer.start_span("chat", context=inside, start_time=nanos(start + timedelta(milliseconds=offset_ms)),
                                attributes={"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                                            "gen_ai.request.model": "claude-3-haiku-20240307",
                                            "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2})
        llm.end(end_time=nanos(start + timedelta(milliseconds=offset_ms + length_ms)))
    tool = tracer.start_span("execute_tool search", context=inside, start_time=nanos(start + timedelta(seconds=2)),
                             attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"})
    tool.end(end_time=nanos(start + timedelta(seconds=2, milliseconds=999)))
    agent.end(end_time=nanos(start + timedelta(seconds=5)))
    provider.shutdown()


def send_agentmetrics(http: httpx.Client) -> None:
    """One agent_end ending at 11:30:00 after 5 s: LLM steps of 300 and 900 ms, a custom step and a tool call."""
    event = {"event_id": "am-rt-1", "trace_id": "4f0c5e3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f", "agent_id": "am-agent",
             "session_id": "am-s", "status": "success", "ts": int(DAY.replace(hour=11, minute=30).timestamp() * 1000),
             "duration_ms": 5000.0, "model": "gpt-4o-mini", "input_tokens": 120, "output_tokens": 40,
             "metadata": {"steps": [{"name": "plan", "type": "llm", "status": "success", "duration_ms": 300.0},
                                    {"name": "parse", "type": "custom", "status": "success", "duration_ms": 50.0},
                                    {"name": "answer", "type": "llm", "status": "success", "duration_ms": 900.0}],
                          "tool_calls_detail": [{"name": "web_search", "status": "success", "duration_ms": 2000.0}]}}
    response = http.post("/v1/events", json=event)
    assert response.status_code == 201, response.text


def send_cylestio_current(http: httpx.Client) -> None:
    """cylestio-monitor 0.1.6+ at 12:00: one LLM call of 60 ms and an LLM error that timed 7 s; never stopped."""
    common = {"schema_version": "1.0", "trace_id": "e" * 32, "agent_id": "cyl-new"}
    llm = {"llm.vendor": "anthropic", "llm.model": "claude-3-haiku-20240307", "session.id": "cyl-new-s"}
    at = DAY.replace(hour=12)
    events = [
        {"timestamp": iso(at), "name": "monitoring.start", "level": "INFO", "attributes": {"session.id": "cyl-new-s"}},
        {"timestamp": iso(at + timedelta(seconds=1)), "name": "llm.call.start", "level": "INFO", "span_id": "1" * 16,
         "attributes": llm},
        {"timestamp": iso(at + timedelta(seconds=1, milliseconds=60)), "name": "llm.call.finish", "level": "INFO",
         "span_id": "1" * 16, "attributes": {**llm, "llm.response.duration_ms": 60, "llm.usage.input_tokens": 5,
                                             "llm.usage.output_tokens": 1}},
        {"timestamp": iso(at + timedelta(seconds=9)), "name": "llm.call.error", "level": "ERROR", "span_id": "2" * 16,
         "attributes": {**llm, "llm.response.duration_ms": 7000, "error.type": "Timeout"}},
    ]
    for event in events:
        response = http.post("/v1/telemetry", json={**common, **event})
        assert response.status_code == 201, response.text


def send_cylestio_legacy(http: httpx.Client) -> None:
    """cylestio-monitor 0.1.4 at 12:30 (naive times are UTC): an LLM_call_finish as its Anthropic patch sends it,
    without a duration, and the LangChain callback's model_response timed at 1500 ms."""
    events = [
        {"timestamp": "2026-04-01T12:30:00", "agent_id": "cyl-old", "event_type": "LLM_call_finish", "channel": "LLM",
         "level": "INFO", "data": {"method": "messages.create", "response": {
             "id": "msg_01", "model": "claude-3-haiku-20240307", "role": "assistant", "type": "message",
             "usage": {"input_tokens": 42, "output_tokens": 7}}}},
        {"timestamp": "2026-04-01T12:30:01.500000", "agent_id": "cyl-old", "event_type": "model_response",
         "channel": "LANGCHAIN", "level": "INFO", "direction": "incoming", "session_id": "langchain-run-1",
         "data": {"response": {"text": "It is sunny.", "model": "claude-3-haiku-20240307"},
                  "performance": {"duration_ms": 1500.0}, "run_id": "run-1", "session_id": "langchain-run-1"}},
    ]
    for event in events:
        response = http.post("/api/v1/telemetry/", json=event)
        assert response.status_code == 202, response.text


def send_agentd(http: httpx.Client) -> None:
    """A run of 9 s at 13:00 with an assistant message and a tool call of 4 s: no per-call LLM latency."""
    at = DAY.replace(hour=13)
    run = {"run_id": "agentd-rt-1", "agent_id": "agentd-agent", "session_id": "agentd-s", "started_at": iso(at),
           "finished_at": iso(at + timedelta(seconds=9)), "duration_ms": 9000, "api_duration_ms": 8000,
           "status": "completed", "model": "claude-sonnet-4-5-20250929", "tokens": {"input": 100, "output": 10},
           "trace_id": "f" * 32, "span_id": "f" * 16, "events": [
               {"event_id": "agentd-rt-e0", "type": "assistant_message", "timestamp": iso(at + timedelta(seconds=3)),
                "sequence_number": 0, "content": "Searching."},
               {"event_id": "agentd-rt-e1", "type": "tool_result", "timestamp": iso(at + timedelta(seconds=7)),
                "sequence_number": 1, "tool_name": "WebSearch", "tool_id": "toolu_1", "tool_duration_ms": 4000,
                "tool_success": True}]}
    assert http.post("/v1/runs", json=run).status_code == 202


def replay(http: httpx.Client, capture: str, *, skip: tuple[str, ...] = ()) -> None:
    for request in captured_requests(capture):
        if (request["body"].get("name") or request["body"].get("event_type")) in skip:
            continue
        response = http.request(request["method"], request["path"], json=request["body"])
        assert response.is_success, response.text


def send_all(collector: Collector) -> None:
    with collector.client() as http:
        send_otlp(collector)
        send_agentmetrics(http)
        send_cylestio_current(http)
        send_cylestio_legacy(http)
        send_agentd(http)
        # The 0.1.6+ capture without its monitoring.stop: a monitor that never stops still reports its responses.
        replay(http, "cylmon_cap.jsonl", skip=("monitoring.stop",))
        replay(http, "cylmon014_cap.jsonl")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("response-time")
    collector = Collector(folder / "collector.duckdb", folder / "collector.log").start()
    send_all(collector)
    yield collector
    collector.stop()


def data(collector: Collector, route: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{collector.url}/api/v1/metrics/{route}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def average(collector: Collector, **params: Any) -> tuple:
    body = data(collector, "response_time/average", **params)
    return (body["average_response_time_ms"], body["min_response_time_ms"], body["max_response_time_ms"],
            body["response_count"])


# The responses of 2026-04-01, sorted: 60 (Cylestio 0.1.6+), 120, 480 (OTLP), 300, 900 (agentmetrics), 1500
# (Cylestio 0.1.4 model_response).
def test_average_counts_each_model_response_of_every_source(server):
    assert data(server, "response_time/average", **WINDOW) == {
        "average_response_time_ms": 560.0, "min_response_time_ms": 60.0, "max_response_time_ms": 1500.0,
        "response_count": 6}


@pytest.mark.parametrize(("source", "params", "expected"), [
    ("OTLP LLM spans, not the tool span", {"agent_id": "otlp-agent"}, (300.0, 120.0, 480.0, 2)),
    ("OTLP by session", {"session_id": "otlp-s"}, (300.0, 120.0, 480.0, 2)),
    ("agentmetrics llm steps, not the custom step or the tool", {"agent_id": "am-agent"}, (600.0, 300.0, 900.0, 2)),
    ("agentmetrics by session", {"session_id": "am-s"}, (600.0, 300.0, 900.0, 2)),
    ("Cylestio 0.1.6+ llm.call.finish, not the error", {"agent_id": "cyl-new"}, (60.0, 60.0, 60.0, 1)),
    ("Cylestio 0.1.4 model_response; its LLM_call_finish has no duration", {"agent_id": "cyl-old"},
     (1500.0, 1500.0, 1500.0, 1)),
    ("AgentD: none", {"agent_id": "agentd-agent"}, (None, None, None, 0)),
    ("AgentD by session: none", {"session_id": "agentd-s"}, (None, None, None, 0)),
])
def test_average_per_source(server, source, params, expected):
    assert average(server, **WINDOW, **params) == expected, source


def test_the_captured_clients(server):
    # cylestio-monitor 0.1.6+ timed its two calls 14 and 4 ms; its run is still running (no monitoring.stop).
    assert average(server, **CAPTURE_WINDOW, agent_id="weather-agent") == (9.0, 4.0, 14.0, 2)
    with server.client() as http:
        runs = http.get("/v1/runs", params={"agent_id": "weather-agent"}).json()["data"]
    assert [run["status"] for run in runs] == ["running"]
    assert data(server, "response_time/percentiles", **CAPTURE_WINDOW, agent_id="weather-agent",
                percentiles=[50, 100]) == {"p50_response_time_ms": 9.0, "p100_response_time_ms": 14.0,
                                           "response_count": 2}
    # cylestio-monitor 0.1.4's Anthropic patch sends no duration: its LLM call is counted in tokens, not here.
    assert average(server, **CAPTURE_WINDOW, agent_id="weather-agent-014") == (None, None, None, 0)
    tokens = data(server, "token_usage/total", **CAPTURE_WINDOW, agent_id="weather-agent-014")
    assert (tokens["total_input_tokens"], tokens["request_count"]) == (42, 1)


def test_the_window_is_on_when_the_response_happened(server):
    # 10:00:00.100 to 11:29:55 (the agentmetrics steps are stamped with their run's start): the OTLP calls only
    assert average(server, start_time="2026-04-01T10:00:00.100Z", end_time="2026-04-01T11:29:55Z") == (
        300.0, 120.0, 480.0, 2)
    # from 10:00:01: the second OTLP call, the agentmetrics steps, Cylestio's 60 and 1500 ms
    assert average(server, start_time="2026-04-01T10:00:01Z", end_time="2026-04-02T00:00:00Z") == (
        pytest.approx(3240 / 5), 60.0, 1500.0, 5)


def test_percentiles_interpolate_linearly_over_the_responses(server):
    # sorted 60 120 300 480 900 1500; percentile p sits at rank p/100 * 5
    assert data(server, "response_time/percentiles", **WINDOW) == pytest.approx({
        "p50_response_time_ms": 390.0, "p90_response_time_ms": 1200.0, "p95_response_time_ms": 1350.0,
        "p99_response_time_ms": 1470.0, "response_count": 6}, abs=1e-9)
    body = data(server, "response_time/percentiles", **WINDOW, percentiles=[0, 20, 100])
    assert body == {"p0_response_time_ms": 60.0, "p20_response_time_ms": 120.0, "p100_response_time_ms": 1500.0,
                    "response_count": 6}
    assert list(body) == ["p0_response_time_ms", "p20_response_time_ms", "p100_response_time_ms", "response_count"]
    assert data(server, "response_time/percentiles", **WINDOW, agent_id="am-agent", percentiles=[50, 75]) == {
        "p50_response_time_ms": 600.0, "p75_response_time_ms": 750.0, "response_count": 2}
    assert data(server, "response_time/percentiles", **WINDOW, agent_id="agentd-agent", percentiles=[50]) == {
        "p50_response_time_ms": None, "response_count": 0}


def test_trend_groups_the_responses_by_when_they_happened(server):
    assert data(server, "response_time/trend", **WINDOW) == {"response_time_trends": {
        "2026-04-01 10:00": {"average_response_time_ms": 300.0, "count": 2},
        "2026-04-01 11:00": {"average_response_time_ms": 600.0, "count": 2},
        "2026-04-01 12:00": {"average_response_time_ms": 780.0, "count": 2}}, "interval": "hour"}
    assert data(server, "response_time/trend", **WINDOW, interval="minute")["response_time_trends"] == {
        "2026-04-01 10:00": {"average_response_time_ms": 300.0, "count": 2},
        "2026-04-01 11:29": {"average_response_time_ms": 600.0, "count": 2},
        "2026-04-01 12:00": {"average_response_time_ms": 60.0, "count": 1},
        "2026-04-01 12:30": {"average_response_time_ms": 1500.0, "count": 1}}
    assert data(server, "response_time/trend", start_time="2026-03-31", end_time="2026-11-23", interval="day") == {
        "response_time_trends": {"2026-04-01": {"average_response_time_ms": 560.0, "count": 6},
                                 "2026-11-22": {"average_response_time_ms": 9.0, "count": 2}}, "interval": "day"}
    assert data(server, "response_time/trend", **WINDOW, agent_id="agentd-agent") == {
        "response_time_trends": {}, "interval": "hour"}


@pytest.mark.parametrize(("agent_id", "expected"), [
    ("otlp-agent", 300.0), ("am-agent", 600.0), ("cyl-new", 60.0), ("cyl-old", 1500.0), ("weather-agent", 9.0),
    ("weather-agent-014", None), ("agentd-agent", None),
])
def test_agent_detail_averages_its_model_responses(server, agent_id, expected):
    response = httpx.get(f"{server.url}/api/v1/agents/{agent_id}")
    assert response.status_code == 200, response.text
    assert response.json()["performance"] == {"avg_response_time_ms": expected}


def test_python_api_matches_http(start_collector):
    collector = start_collector()
    send_all(collector)
    calls = [(metrics.response_time_average, "response_time/average", {}),
             (metrics.response_time_percentiles, "response_time/percentiles", {"percentiles": [25, 50]}),
             (metrics.response_time_trend, "response_time/trend", {"interval": "minute"})]
    window = {"start_time": "2026-04-01T00:00:00Z", "end_time": "2026-11-23T00:00:00Z"}
    over_http = [data(collector, route, **window, **params) for _, route, params in calls]
    assert over_http[0]["response_count"] == 8
    collector.stop()
    start, end = parse_instant(window["start_time"]), parse_instant(window["end_time"])
    with analytics.connect(collector.db) as con:
        assert [function(con, start=start, end=end, **params) for function, _, params in calls] == over_http
