"""One logical agent run sent through AgentD REST, OTLP and Cylestio reads the same through the metrics API (but
response time, which is per LLM call and which AgentD does not report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import set_span_in_context

MODEL = "claude-3-haiku-20240307"
START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
# The run: an agent answers in 1.5 s, with one LLM call of 1.3 s that reads 42 tokens and writes 7.
RUN_MS, CALL_START_MS, CALL_MS, TOKENS_IN, TOKENS_OUT = 1500, 100, 1300, 42, 7
WINDOW = {"start_time": "2026-03-01T00:00:00Z", "end_time": "2026-03-02T00:00:00Z"}


def at(ms: int) -> datetime:
    return START + timedelta(milliseconds=ms)


def iso(ms: int) -> str:
    return at(ms).isoformat().replace("+00:00", "Z")


def nanos(ms: int) -> int:
    return int(at(ms).timestamp() * 1e9)


def send_agentd(http) -> None:
    run = {"run_id": "cross-agentd-1", "agent_id": "via-agentd", "session_id": "cross-session",
           "started_at": iso(0), "finished_at": iso(RUN_MS), "duration_ms": RUN_MS, "status": "completed",
           "tokens": {"input": TOKENS_IN, "output": TOKENS_OUT}, "model": MODEL,
           "trace_id": "a" * 32, "span_id": "b" * 16}
    assert http.post("/v1/runs", json=run).status_code == 202


def send_otlp(collector) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "cross-service"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=collector.url + "/v1/traces")))
    tracer = provider.get_tracer("openinference.instrumentation.anthropic")
    agent = tracer.start_span("agent", start_time=nanos(0), attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "via-otlp",
        "gen_ai.conversation.id": "cross-session"})
    llm = tracer.start_span("chat", context=set_span_in_context(agent),
                            start_time=nanos(CALL_START_MS), attributes={
                                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                                "gen_ai.request.model": MODEL, "gen_ai.usage.input_tokens": TOKENS_IN,
                                "gen_ai.usage.output_tokens": TOKENS_OUT})
    llm.end(end_time=nanos(CALL_START_MS + CALL_MS))
    agent.end(end_time=nanos(RUN_MS))
    provider.shutdown()


def send_cylestio(http) -> None:
    common = {"schema_version": "1.0", "trace_id": "c" * 32, "agent_id": "via-cylestio"}
    session = {"session.id": "cross-session"}
    events = [
        {"timestamp": iso(0), "name": "monitoring.start", "level": "INFO", "span_id": None, "attributes": session},
        {"timestamp": iso(CALL_START_MS), "name": "llm.call.start", "level": "INFO", "span_id": "d" * 16,
         "attributes": {**session, "llm.vendor": "anthropic", "llm.model": MODEL}},
        {"timestamp": iso(CALL_START_MS + CALL_MS), "name": "llm.call.finish", "level": "INFO", "span_id": "d" * 16,
         "attributes": {**session, "llm.vendor": "anthropic", "llm.model": MODEL, "llm.response.duration_ms": CALL_MS,
                        "llm.usage.input_tokens": TOKENS_IN, "llm.usage.output_tokens": TOKENS_OUT}},
        {"timestamp": iso(RUN_MS), "name": "monitoring.stop", "level": "INFO", "span_id": None, "attributes": session},
    ]
    for event in events:  # one request per event, as cylestio-monitor sends them
        assert http.post("/v1/telemetry", json={**common, **event}).status_code == 201


def metric(http, path: str, **params) -> dict:
    response = http.get(f"/api/v1/metrics/{path}", params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.fixture
def three_sources(collector):
    http = collector.client()
    send_agentd(http)
    send_otlp(collector)
    send_cylestio(http)
    return http


AGENTS = ["via-agentd", "via-otlp", "via-cylestio"]


@pytest.mark.parametrize("agent_id", AGENTS)
def test_each_source_gives_the_same_figures(three_sources, agent_id):
    http = three_sources
    # Response time is the LLM call's, which AgentD does not report (its runs carry durations per run only).
    call_ms, calls = (None, 0) if agent_id == "via-agentd" else (CALL_MS, 1)
    assert metric(http, "response_time/average", agent_id=agent_id) == {
        "average_response_time_ms": call_ms, "min_response_time_ms": call_ms, "max_response_time_ms": call_ms,
        "response_count": calls}
    totals = metric(http, "token_usage/total", agent_id=agent_id)
    assert (totals["total_input_tokens"], totals["total_output_tokens"], totals["request_count"]) == (
        TOKENS_IN, TOKENS_OUT, 1)
    by_model = metric(http, "token_usage/by_model", agent_id=agent_id)["usage_by_model"]
    assert list(by_model) == [MODEL]
    assert (by_model[MODEL]["input_tokens"], by_model[MODEL]["output_tokens"]) == (TOKENS_IN, TOKENS_OUT)
    trend = metric(http, "response_time/trend", agent_id=agent_id, interval="hour")["response_time_trends"]
    assert trend == ({"2026-03-01 10:00": {"average_response_time_ms": CALL_MS, "count": 1}} if calls else {})


def test_the_sources_add_up(three_sources):
    http = three_sources
    assert metric(http, "response_time/percentiles", percentiles=[50]) == {
        "p50_response_time_ms": CALL_MS, "response_count": 2}
    totals = metric(http, "token_usage/total")
    assert (totals["total_input_tokens"], totals["total_output_tokens"], totals["request_count"]) == (
        3 * TOKENS_IN, 3 * TOKENS_OUT, 3)
    assert metric(http, "usage/requests/by_agent")["requests_by_agent"] == dict.fromkeys(AGENTS, 1)
    sessions = metric(http, "usage/sessions/count")
    assert (sessions["total_sessions"], sessions["active_sessions"], sessions["completed_sessions"]) == (1, 0, 1)
    assert sessions["average_session_duration_seconds"] == RUN_MS / 1000
    frameworks = metric(http, "usage/frameworks/distribution")["frameworks"]
    assert frameworks == {"claude-agent-sdk": 1, "anthropic": 2}
