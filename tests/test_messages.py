"""The prompt and completion of an OTLP LLM call reach its llm_call event as one message shape, whichever convention
sent them: span attributes (OTel GenAI, Traceloop, OpenInference), GenAI span events, or GenAI event log records
exported apart from the span, before or after it. Sent with the real OpenTelemetry SDK exporters, read back through
GET /v1/runs/{run_id}/events; the shapes are those the producers were seen to send."""

from __future__ import annotations

import json
import time
from typing import Any

import duckdb
import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from collector import messages

SYSTEM, QUESTION, ANSWER = "You answer weather questions.", "What is the weather in Paris?", "It is sunny in Paris."
AWS_KEY = "AKIAQ3EGRTZ5LXKWM2PB"

# The second call of a tool-using turn, as every convention below sends it, normalized.
EXPECTED = {
    "input": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_7", "name": "get_weather", "arguments": '{"city":"Paris"}'}]},
        {"role": "tool", "content": "Sunny, 21 C in Paris", "tool_call_id": "call_7"},
    ],
    "output": [{"role": "assistant", "content": ANSWER, "finish_reason": "stop"}],
    "truncated": False,
}
PARTS_INPUT = [
    {"role": "system", "parts": [{"type": "text", "content": SYSTEM}]},
    {"role": "user", "parts": [{"type": "text", "content": QUESTION}]},
    {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_7", "name": "get_weather",
                                     "arguments": {"city": "Paris"}}]},
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_7", "response": "Sunny, 21 C in Paris"}]},
]
PARTS_OUTPUT = [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}]


def _otel() -> dict[str, Any]:
    return {"gen_ai.input.messages": json.dumps(PARTS_INPUT), "gen_ai.output.messages": json.dumps(PARTS_OUTPUT)}


def _pydantic_ai() -> dict[str, Any]:
    # System instructions apart; a tool's answer is a part of a user message, with `result` for `response`.
    user_answer = {"role": "user", "parts": [{"type": "tool_call_response", "id": "call_7", "name": "get_weather",
                                              "result": "Sunny, 21 C in Paris"}]}
    calling = {"role": "assistant", "finish_reason": "tool_call", "parts": [
        {"type": "tool_call", "id": "call_7", "name": "get_weather", "arguments": '{"city": "Paris"}'}]}
    return {"gen_ai.system_instructions": json.dumps([{"type": "text", "content": SYSTEM}]),
            "gen_ai.input.messages": json.dumps([PARTS_INPUT[1], calling, user_answer]),
            "gen_ai.output.messages": json.dumps(PARTS_OUTPUT)}


def _traceloop_legacy() -> dict[str, Any]:
    return {"gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": SYSTEM,
            "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": QUESTION,
            "gen_ai.prompt.2.role": "assistant", "gen_ai.prompt.2.tool_calls.0.id": "call_7",
            "gen_ai.prompt.2.tool_calls.0.name": "get_weather",
            "gen_ai.prompt.2.tool_calls.0.arguments": '{"city": "Paris"}',
            "gen_ai.prompt.3.role": "tool", "gen_ai.prompt.3.content": "Sunny, 21 C in Paris",
            "gen_ai.prompt.3.tool_call_id": "call_7",
            "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": ANSWER,
            "gen_ai.completion.0.finish_reason": "stop"}


def _openinference() -> dict[str, Any]:
    prefix = "llm.input_messages"
    return {f"{prefix}.0.message.role": "system", f"{prefix}.0.message.content": SYSTEM,
            f"{prefix}.1.message.role": "user", f"{prefix}.1.message.content": QUESTION,
            f"{prefix}.2.message.role": "assistant", f"{prefix}.2.message.tool_calls.0.tool_call.id": "call_7",
            f"{prefix}.2.message.tool_calls.0.tool_call.function.name": "get_weather",
            f"{prefix}.2.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
            f"{prefix}.3.message.role": "tool", f"{prefix}.3.message.tool_call_id": "call_7",
            f"{prefix}.3.message.content": "Sunny, 21 C in Paris",
            "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": ANSWER,
            "llm.output_messages.0.message.finish_reason": "stop"}


# The older per-message GenAI events: (event name, its fields), as span events' attributes or log bodies.
OLD_EVENTS = [
    ("gen_ai.system.message", {"content": SYSTEM}),
    ("gen_ai.user.message", {"content": QUESTION}),
    ("gen_ai.assistant.message", {"tool_calls": json.dumps([{"id": "call_7", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris"}'}}])}),
    ("gen_ai.tool.message", {"id": "call_7", "content": "Sunny, 21 C in Paris"}),
    ("gen_ai.choice", {"index": 0, "finish_reason": "stop",
                       "message": json.dumps({"role": "assistant", "content": ANSWER})}),
]
DETAILS = [("gen_ai.client.inference.operation.details", _otel())]

SPAN_SHAPES = {
    "otel-genai": (_otel(), []),
    "pydantic-ai": (_pydantic_ai(), []),
    "traceloop-legacy": (_traceloop_legacy(), []),
    "openinference": (_openinference(), []),
    "span-events-per-message": ({}, OLD_EVENTS),
    "span-event-details": ({}, DETAILS),
}

LLM = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
       "gen_ai.usage.input_tokens": 1310, "gen_ai.usage.output_tokens": 21}


def send_run(url: str, llm_attributes: dict[str, Any], span_events=()) -> tuple[str, str, str]:
    """An agent span with one LLM call, through the SDK's OTLP/HTTP exporter; (run id, trace id, LLM span id)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "weather-service"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces", timeout=10)))
    tracer = provider.get_tracer("tests.messages")
    try:
        with tracer.start_as_current_span("invoke_agent weather-agent", attributes={
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather-agent"}) as agent, \
             tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT,
                                          attributes={**LLM, **llm_attributes}) as llm:
            for name, fields in span_events:
                llm.add_event(name, fields)
    finally:
        provider.shutdown()
    trace_id, agent_id = f"{agent.get_span_context().trace_id:032x}", f"{agent.get_span_context().span_id:016x}"
    return f"{trace_id}-{agent_id}", trace_id, f"{llm.get_span_context().span_id:016x}"


def send_logs(url: str, trace_id: str, span_id: str, records) -> None:
    """GenAI event log records naming the LLM span, as the openai-v2 instrumentation emits them (no `time`, only the
    observed time the SDK sets), through the SDK's OTLP/HTTP log exporter."""
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

    provider = LoggerProvider(resource=Resource.create({"service.name": "weather-service"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=url + "/v1/logs",
                                                                               timeout=10)))
    context = set_span_in_context(NonRecordingSpan(SpanContext(int(trace_id, 16), int(span_id, 16), True,
                                                               TraceFlags(1))))
    logger = provider.get_logger("opentelemetry.util.genai.handler")
    try:
        for name, body, attributes in records:
            logger.emit(LogRecord(event_name=name, body=body, attributes=attributes, context=context))
    finally:
        provider.shutdown()


def llm_event(collector, run_id: str) -> dict[str, Any]:
    events = collector.client().get(f"/v1/runs/{run_id}/events").json()
    (event,) = [e for e in events if e["type"] == "llm_call"]
    return event


def wait_for_content(collector, run_id: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        content = llm_event(collector, run_id)["content"]
        if content is not None or time.monotonic() > deadline:
            return content
        time.sleep(0.1)


@pytest.mark.parametrize("shape", SPAN_SHAPES, ids=list(SPAN_SHAPES))
def test_every_convention_gives_the_event_the_same_messages(collector, shape):
    attributes, span_events = SPAN_SHAPES[shape]
    run_id, _, _ = send_run(collector.url, attributes, span_events)
    assert llm_event(collector, run_id)["content"] == EXPECTED


# Log records as sent: the current operation-details event (structured values), and the older per-message ones.
DETAILS_RECORDS = [("gen_ai.client.inference.operation.details", None, {
    "gen_ai.operation.name": "chat", "gen_ai.input.messages": PARTS_INPUT, "gen_ai.output.messages": PARTS_OUTPUT})]
PER_MESSAGE_RECORDS = [(name, fields, {"gen_ai.system": "openai"}) for name, fields in OLD_EVENTS]


@pytest.mark.parametrize("records", [DETAILS_RECORDS, PER_MESSAGE_RECORDS], ids=["details", "per-message"])
@pytest.mark.parametrize("order", ["spans-first", "logs-first"])
def test_log_records_join_their_span_in_either_order(collector, records, order):
    # The SDK picks span ids as spans start, so logs sent first name ids the spans then sent by hand carry.
    if order == "spans-first":
        run_id, trace_id, span_id = send_run(collector.url, {})
        assert llm_event(collector, run_id)["content"] is None
        send_logs(collector.url, trace_id, span_id, records)
        assert wait_for_content(collector, run_id) == EXPECTED
    else:
        trace_id, span_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
        send_logs(collector.url, trace_id, span_id, records)
        run_id = send_hand_built_run(collector, trace_id, span_id)
        assert llm_event(collector, run_id)["content"] == EXPECTED


def send_hand_built_run(collector, trace_id: str, span_id: str) -> str:
    """The agent span and its LLM span with ids chosen in advance (the SDK picks its own), as OTLP/JSON."""
    now = time.time_ns()
    attribute = lambda key, value: {"key": key, "value": ({"intValue": str(value)} if isinstance(value, int)  # noqa: E731
                                                          else {"stringValue": value})}
    agent_id = "aaaaaaaaaaaaaaaa"
    spans = [
        {"traceId": trace_id, "spanId": agent_id, "name": "invoke_agent weather-agent", "kind": 1,
         "startTimeUnixNano": str(now - 2_000_000_000), "endTimeUnixNano": str(now),
         "attributes": [attribute("gen_ai.operation.name", "invoke_agent"),
                        attribute("gen_ai.agent.name", "weather-agent")]},
        {"traceId": trace_id, "spanId": span_id, "parentSpanId": agent_id, "name": "chat gpt-4o-mini", "kind": 3,
         "startTimeUnixNano": str(now - 1_500_000_000), "endTimeUnixNano": str(now - 500_000_000),
         "attributes": [attribute(key, value) for key, value in LLM.items()]},
    ]
    body = {"resourceSpans": [{"resource": {"attributes": [attribute("service.name", "weather-service")]},
                               "scopeSpans": [{"scope": {"name": "tests.messages"}, "spans": spans}]}]}
    assert collector.client().post("/v1/traces", json=body).status_code == 200
    return f"{trace_id}-{agent_id}"


def test_the_span_s_own_messages_win_over_its_log_records(collector):
    run_id, trace_id, span_id = send_run(collector.url, _otel())
    other = [("gen_ai.client.inference.operation.details", None, {
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "something else"}]}]})]
    send_logs(collector.url, trace_id, span_id, other)
    time.sleep(0.5)
    assert llm_event(collector, run_id)["content"] == EXPECTED


def test_long_content_and_many_messages_are_bounded(collector):
    long_text = "x" * (messages.MAX_CHARS + 1000)
    history = [{"role": "user", "parts": [{"type": "text", "content": f"turn {n}"}]} for n in range(40)]
    answer = [{"role": "assistant", "parts": [{"type": "text", "content": long_text}]}]
    run_id, _, _ = send_run(collector.url, {"gen_ai.input.messages": json.dumps(history),
                                            "gen_ai.output.messages": json.dumps(answer)})
    content = llm_event(collector, run_id)["content"]
    assert [m["content"] for m in content["input"]] == [f"turn {n}" for n in range(8, 40)]  # the newest 32
    assert content["output"][0]["content"] == "x" * messages.MAX_CHARS + "…[1000 more characters]"
    assert content["truncated"] is True


def test_the_messages_fit_the_document_budget_outputs_first():
    big = "y" * messages.MAX_CHARS
    inputs = [messages._message("user", f"{n} {big}") for n in range(30)]
    outputs = [messages._message("assistant", "answer")]
    document = json.loads(messages.bounded(inputs, outputs))
    assert len(json.dumps(document["input"] + document["output"], separators=(",", ":"))) <= messages.MAX_DOCUMENT
    assert document["output"][0]["content"] == "answer"
    assert document["input"][-1]["content"].startswith("29 ") and len(document["input"]) < 30
    assert document["truncated"] is True


def test_media_parts_are_placeholders_and_nothing_is_no_content(collector):
    image = {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgo" * 500}
    run_id, _, _ = send_run(collector.url, {"gen_ai.input.messages": json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": "What is this?"}, image]}])})
    assert llm_event(collector, run_id)["content"] == {
        "input": [{"role": "user", "content": "What is this?\n[image]"}], "output": [], "truncated": False}
    run_id, _, _ = send_run(collector.url, {})
    assert llm_event(collector, run_id)["content"] is None


def findings(collector) -> list[tuple]:
    with duckdb.connect(str(collector.db), read_only=True) as con:
        return con.execute("SELECT rule, data->>'count', data->'columns' FROM security_findings "
                           "WHERE rule = 'aws_access_key_id' ORDER BY rule").fetchall()


def test_redaction_reaches_the_messages_and_findings_are_not_doubled(start_collector):
    collector = start_collector("--redact", "secrets")
    question = f"Deploy with {AWS_KEY} please"
    run_id, _, _ = send_run(collector.url, {"gen_ai.input.messages": json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": question}]}])})
    content = llm_event(collector, run_id)["content"]
    assert content["input"] == [{"role": "user", "content": "Deploy with [REDACTED:aws_access_key_id] please"}]
    assert collector.stop() == 0
    with duckdb.connect(str(collector.db), read_only=True) as con:
        (stored,) = con.execute("SELECT messages FROM spans WHERE messages IS NOT NULL").fetchone()
    assert AWS_KEY not in stored and "[REDACTED:aws_access_key_id]" in stored
    # One finding for the key, read in the attributes; the messages column derived from them is not read again.
    assert findings(collector) == [("aws_access_key_id", "1", '["spans.attributes"]')]
    wal = collector.db.with_name(collector.db.name + ".wal")
    assert AWS_KEY.encode() not in collector.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_log_messages_are_redacted_too(start_collector):
    collector = start_collector("--redact", "secrets")
    run_id, trace_id, span_id = send_run(collector.url, {})
    send_logs(collector.url, trace_id, span_id, [("gen_ai.user.message", {"content": f"key {AWS_KEY}"}, {})])
    assert wait_for_content(collector, run_id)["input"] == [
        {"role": "user", "content": "key [REDACTED:aws_access_key_id]"}]
