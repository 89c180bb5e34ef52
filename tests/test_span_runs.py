"""How spans become runs, in-process on a real store and writer: partial traces, sub-agents, errors, bad parents."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from analytics import runs
from collector import frameworks, pricing
from collector.receivers import received
from collector.receivers.otlp import export_traces
from collector.store import Store
from collector.writer import Writer
from tests.otlp_values import key_values

TRACE = "0af7651916cd43dd8448eb211c80319c"
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in nanoseconds


def span(span_id: str, parent: str | None, start_ms: int, end_ms: int, error: str | None = None, events=(),
         name: str | None = None, **attributes):
    """A span of TRACE, named its id unless `name` is given; `error` (a status message, possibly empty) gives it an
    ERROR status."""
    return Span(trace_id=bytes.fromhex(TRACE), span_id=bytes.fromhex(span_id),
                parent_span_id=bytes.fromhex(parent) if parent else b"", name=name or span_id,
                start_time_unix_nano=T0 + start_ms * 10**6, end_time_unix_nano=T0 + end_ms * 10**6,
                attributes=key_values({k.replace("__", "."): v for k, v in attributes.items()}),
                status=Status(code=Status.STATUS_CODE_UNSET if error is None else Status.STATUS_CODE_ERROR,
                              message=error or ""),
                events=list(events))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "spans.duckdb")
    writer = Writer(store, 10_000, received.decode)

    def send(*spans: Span, scope: str = "") -> None:
        request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(
            resource={"attributes": key_values({"service.name": "svc"})},
            scope_spans=[ScopeSpans(scope={"name": scope}, spans=spans)])])
        writer.submit(export_traces(request).batch).result()

    store.send = send
    yield store
    writer.close()
    store.close()


def run_list(store: Store) -> list[dict]:
    with store.read() as con:
        return runs.list_runs(con)["data"]


AGENT = "a000000000000001"
CHAT = dict(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o-mini",
            gen_ai__usage__input_tokens=100, gen_ai__usage__output_tokens=10)


def test_calls_of_an_agent_still_running_wait_for_it(store):
    store.send(span("c000000000000001", AGENT, 1, 2, **CHAT), span("c000000000000002", AGENT, 3, 4, **CHAT))
    assert run_list(store) == []
    store.send(span(AGENT, None, 0, 5, gen_ai__operation__name="invoke_agent", gen_ai__agent__name="planner"))
    (run,) = run_list(store)
    assert (run["run_id"], run["agent_id"], run["tokens"]["input"], len(run["events"])) == (
        f"{TRACE}-{AGENT}", "planner", 200, 2)


def test_a_sub_agents_id_does_not_name_the_run(store):
    store.send(span(AGENT, None, 0, 9, gen_ai__operation__name="invoke_agent", gen_ai__agent__name="planner"),
               span("b000000000000001", AGENT, 1, 8, gen_ai__operation__name="invoke_agent",
                    gen_ai__agent__id="asst_123", gen_ai__agent__name="searcher"),
               span("c000000000000001", "b000000000000001", 2, 3, **CHAT))
    (run,) = run_list(store)
    assert (run["agent_id"], run["tokens"]["input"]) == ("planner", 100)


def test_a_traceloop_llm_span_without_usage_is_still_a_call(store):
    store.send(span(AGENT, None, 0, 9, traceloop__span__kind="workflow", traceloop__entity__name="flow"),
               span("c000000000000001", AGENT, 1, 2, llm__request__type="chat", gen_ai__request__model="gpt-4o"))
    (run,) = run_list(store)
    assert (run["agent_id"], run["model"], [e["type"] for e in run["events"]]) == ("flow", "gpt-4o", ["llm_call"])


def test_a_failure_recorded_as_an_exception_event_names_its_type_and_message(store):
    exception = Span.Event(name="exception", time_unix_nano=T0, attributes=key_values(
        {"exception.type": "TimeoutError", "exception.message": "took too long"}))
    store.send(span(AGENT, None, 0, 9, events=[exception], openinference__span__kind="AGENT"))
    (run,) = run_list(store)
    assert (run["status"], run["error"]) == ("completed", None)  # an exception that was handled
    store.send(span(AGENT, None, 0, 9, error="", events=[exception], openinference__span__kind="AGENT"))
    (run,) = run_list(store)
    assert (run["status"], run["error"]) == (
        "failed", {"type": "TimeoutError", "message": "took too long", "stack": None})


def test_a_parent_cycle_ends_and_makes_no_run(store):
    store.send(span("d000000000000001", "d000000000000002", 0, 1, **CHAT),
               span("d000000000000002", "d000000000000001", 0, 1, **CHAT))
    assert run_list(store) == []
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM spans").fetchone()[0] == 2


# ---------------------------------------------------------------- one request, several instrumentations

LLM_1, LLM_2, LLM_3 = "c000000000000001", "c000000000000002", "c000000000000003"
PYDANTIC_AGENT = dict(gen_ai__operation__name="invoke_agent", gen_ai__agent__name="weather-bot")
CLAUDE = dict(gen_ai__operation__name="chat", gen_ai__request__model="claude-sonnet-4-5",
              gen_ai__provider__name="anthropic")


def llm_events(run: dict) -> list[dict]:
    return [event for event in run["events"] if event["type"] == "llm_call"]


def test_an_llm_span_under_an_llm_span_is_one_call_kept_as_the_richer_record(store):
    # pydantic-ai's chat span, and under it the anthropic SDK's own span of the same request with cache buckets.
    store.send(span(AGENT, None, 0, 9, **PYDANTIC_AGENT),
               span(LLM_1, AGENT, 1, 4, **CLAUDE, gen_ai__usage__input_tokens=300, gen_ai__usage__output_tokens=20),
               scope="pydantic-ai")
    store.send(span(LLM_2, LLM_1, 2, 3, **CLAUDE, gen_ai__response__id="msg_1", gen_ai__usage__input_tokens=300,
                    gen_ai__usage__output_tokens=20, gen_ai__usage__cache_read__input_tokens=100),
               scope="com.anthropic.sdk.python")
    (run,) = run_list(store)
    (call,) = llm_events(run)
    assert call["event_id"] == f"{TRACE}-{LLM_2}"
    assert (run["tokens"], run["metadata"]["framework"], run["agent_id"]) == (
        {"input": 200, "output": 20, "cache_read": 100, "cache_write": 0, "reasoning": 0}, "pydantic-ai",
        "weather-bot")
    assert run["cost_usd"] == pytest.approx(call["cost_usd"])


def test_sibling_llm_spans_with_one_response_id_are_one_call(store):
    # Traceloop's anthropic.chat span and the anthropic SDK's span beside it, then a second request.
    store.send(span(AGENT, None, 0, 9, traceloop__span__kind="workflow", traceloop__workflow__name="daily"),
               scope="traceloop.tracer")
    store.send(span(LLM_1, AGENT, 1, 3, llm__request__type="chat", gen_ai__request__model="claude-sonnet-4-5",
                    gen_ai__response__id="msg_1", gen_ai__usage__input_tokens=50, gen_ai__usage__output_tokens=5,
                    gen_ai__usage__cost=0.002),
               span(LLM_3, AGENT, 5, 6, llm__request__type="chat", gen_ai__request__model="claude-sonnet-4-5",
                    gen_ai__response__id="msg_2", gen_ai__usage__input_tokens=70, gen_ai__usage__output_tokens=7),
               scope="opentelemetry.instrumentation.anthropic")
    store.send(span(LLM_2, AGENT, 1, 3, **CLAUDE, gen_ai__response__id="msg_1", gen_ai__usage__input_tokens=50,
                    gen_ai__usage__output_tokens=5), scope="com.anthropic.sdk.python")
    (run,) = run_list(store)
    assert [(e["event_id"], e["tokens"]["input"]) for e in llm_events(run)] == [
        (f"{TRACE}-{LLM_1}", 50), (f"{TRACE}-{LLM_3}", 70)]  # the one with a reported cost kept
    assert (run["tokens"]["input"], run["metadata"]["framework"], run["agent_id"]) == (120, "traceloop", "daily")


def test_a_reported_cost_of_zero_for_tokens_used_is_estimated(store):
    tokens = {"input": 1000, "output": 100, "cache_read": 0, "cache_write": 0, "reasoning": 0}
    store.send(span(AGENT, None, 0, 9, name="weather", openinference__span__kind="AGENT"), scope="my-app")
    store.send(span(LLM_1, AGENT, 1, 3, gen_ai__operation__name="chat", gen_ai__system="openai",
                    gen_ai__request__model="gpt-4o-mini", gen_ai__usage__input_tokens=1000,
                    gen_ai__usage__output_tokens=100, gen_ai__usage__cost=0.0),
               scope="openlit.instrumentation.openai")
    store.send(span(LLM_2, LLM_1, 1, 2, name="POST"), scope="opentelemetry.instrumentation.httpx")
    (run,) = run_list(store)
    expected, source = pricing.cost(None, tokens, "gpt-4o-mini", "openai")
    assert (source, run["cost_source"], run["cost_usd"]) == ("estimated", "estimated", pytest.approx(expected))
    assert expected > 0
    # Not httpx's; the agent is the AGENT span's own name.
    assert (run["metadata"]["framework"], run["agent_id"]) == ("openai", "weather")


@pytest.mark.parametrize(("spans", "agent_id"), [
    pytest.param([span(AGENT, None, 0, 9, traceloop__span__kind="workflow", traceloop__workflow__name="daily"),
                  span("b000000000000001", AGENT, 1, 8, traceloop__span__kind="agent",
                       traceloop__entity__name="forecaster", traceloop__workflow__name="daily")],
                 "forecaster", id="traceloop agent in a workflow"),
    pytest.param([span(AGENT, None, 0, 9, name="invoke_agent helper", gen_ai__operation__name="invoke_agent")],
                 "helper", id="invoke_agent span name"),
    pytest.param([span(AGENT, None, 0, 9, name="invoke_agent helper", gen_ai__operation__name="invoke_agent",
                       gen_ai__agent__id="asst_9")], "asst_9", id="agent id first"),
    pytest.param([span(AGENT, None, 0, 9, traceloop__span__kind="workflow", traceloop__entity__name="nightly")],
                 "nightly", id="workflow only"),
    pytest.param([span(AGENT, None, 0, 9, **CHAT)], "svc", id="service name last"),
])
def test_the_agent_is_named_by_id_then_name_then_agent_span_then_workflow(store, spans, agent_id):
    store.send(*spans)
    (run,) = run_list(store)
    assert run["agent_id"] == agent_id


def test_framework_comes_from_the_outermost_recognised_scope_never_a_transport(store):
    store.send(span(AGENT, None, 0, 9, name="handle"), scope="my-app")
    store.send(span("b000000000000001", AGENT, 1, 8, name="POST"), scope="opentelemetry.instrumentation.httpx")
    store.send(span(LLM_1, "b000000000000001", 2, 3, gen_ai__operation__name="chat", gen_ai__provider__name="openai",
                    gen_ai__request__model="gpt-4o-mini"), scope="opentelemetry.util.genai.handler")
    (run,) = run_list(store)
    assert run["metadata"]["framework"] == "openai"


@pytest.mark.parametrize(("scope", "provider", "expected"), [
    ("openinference.instrumentation.langchain", None, ("langchain", False)),
    ("opentelemetry.instrumentation.openai.v1", None, ("openai", False)),
    ("opentelemetry.instrumentation.openai_v2", None, ("openai", False)),
    ("opentelemetry.util.genai.handler", "openai", ("openai", False)),
    ("openlit.instrumentation.anthropic", None, ("anthropic", False)),
    ("com.anthropic.sdk.python", None, ("anthropic", False)),
    ("pydantic-ai", None, ("pydantic-ai", False)),
    ("traceloop.tracer", None, ("traceloop", False)),
    ("langgraph", None, ("langgraph", False)),
    ("google.adk", None, ("google-adk", False)),
    ("opentelemetry.instrumentation.httpx", None, (None, True)),
    ("agentsmith", None, (None, False)),
    ("my-app", None, (None, False)),
])
def test_the_scope_table(scope, provider, expected):
    assert frameworks.framework(scope, provider) == expected


def test_mcp_tool_calls_are_tool_calls_named_after_the_tool_and_counted_once(store):
    store.send(span(AGENT, None, 0, 9, **PYDANTIC_AGENT),
               span("e000000000000001", AGENT, 1, 4, name="execute_tool get_weather",
                    gen_ai__operation__name="execute_tool", gen_ai__tool__name="get_weather"),
               scope="pydantic-ai")
    store.send(span("e000000000000002", "e000000000000001", 2, 3, name="tools/call get_weather",
                    mcp__method__name="tools/call", mcp__session__id="s1", jsonrpc__request__id="7"),
               span("e000000000000003", AGENT, 5, 6, name="tools/list", mcp__method__name="tools/list"),
               span("e000000000000004", AGENT, 6, 8, error="no such city", name="tools/call get_weather",
                    mcp__method__name="tools/call", gen_ai__tool__name="get_weather"),
               scope="opentelemetry.instrumentation.mcp")
    (run,) = run_list(store)
    assert run["tool_calls"] == [{"tool": "get_weather", "count": 2, "total_duration_ms": 5, "success_count": 1,
                                  "failure_count": 1}]


def test_a_tool_asked_for_on_the_llm_span_is_the_unnamed_span_after_it(store):
    # OpenLIT: the chat span names the tool it asks for; the tool runs in a span named after it with no attributes.
    asked = dict(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o-mini",
                 gen_ai__tool__name="get_weather", gen_ai__tool__call__id="call_4")
    store.send(span(AGENT, None, 0, 20, name="weather-agent"),
               span("e000000000000001", AGENT, 5, 6, name="get_weather"),  # before anything asked for it
               span("e000000000000002", AGENT, 8, 9, error="ToolFailure: no city", name="get_weather"),
               span("e000000000000003", AGENT, 10, 11, name="format_answer"), scope="openlit")
    store.send(span(LLM_1, AGENT, 6, 7, **asked), span(LLM_2, AGENT, 12, 13, **CHAT),
               scope="openlit.instrumentation.openai")
    (run,) = run_list(store)
    assert run["tool_calls"] == [{"tool": "get_weather", "count": 1, "total_duration_ms": 1, "success_count": 0,
                                  "failure_count": 1}]
    (tool,) = [event for event in run["events"] if event["type"] == "tool_call"]
    assert (tool["tool_id"], tool["tool_success"], tool["error"]["message"]) == (
        "call_4", False, "ToolFailure: no city")
