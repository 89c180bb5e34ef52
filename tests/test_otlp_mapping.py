"""One agent run in four attribute dialects over every OTLP transport, read back by value through the query API.

The run: an agent span with two LLM calls (cache reads included in their input counts) and two tool calls, the
second failing. It is written in OTel GenAI (current and legacy names), OpenInference and Traceloop attributes,
emitted by the real OpenTelemetry SDK through the real OTLP exporters (gRPC, HTTP, each plain and gzip) and as
hand-built OTLP/JSON, and must come back as the same run every time.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource as ProtoResource
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from analytics import runs
from collector import pricing
from collector.receivers import received
from collector.receivers.otlp import export_traces
from collector.store import Store
from collector.writer import Writer
from tests.otlp_values import key_values

T0 = datetime(2026, 11, 22, 22, 58, 29, 123456, tzinfo=UTC)
T0_NS = (T0 - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000
SERVICE, AGENT, SESSION = "research-service", "researcher", "sess-42"
REQUEST_MODEL, MODEL, PROVIDER = "gpt-4o", "gpt-4o-2024-08-06", "openai"
SCOPE = "tests.otlp_mapping"
PROTOBUF = {"Content-Type": "application/x-protobuf"}


# ---------------------------------------------------------------- the run, independent of any dialect

@dataclass(frozen=True)
class LlmCall:
    key: str
    start_us: int  # microseconds after T0
    end_us: int
    prompt: int  # inclusive of cache reads, as OTel, OpenInference and Traceloop count it
    cached: int
    completion: int  # inclusive of reasoning
    reasoning: int
    reported_cost: float


@dataclass(frozen=True)
class ToolCall:
    key: str
    name: str
    call_id: str
    start_us: int
    end_us: int
    error: tuple[str, str] | None = None  # (exception type, status message)


LLM_CALLS = (LlmCall("llm1", 100_000, 1_100_000, 1200, 200, 150, 0, 0.0042),
             LlmCall("llm2", 1_400_000, 2_400_000, 1500, 1000, 80, 20, 0.0031))
TOOL_CALLS = (ToolCall("tool1", "web_search", "call_1", 1_200_000, 1_334_000),
              ToolCall("tool2", "read_file", "call_2", 2_500_000, 2_556_600,
                       ("FileNotFoundError", "no such file: notes.txt")))
AGENT_END_US = 3_000_000
# Exclusive buckets: input is (1200 - 200) + (1500 - 1000); cache reads are counted once, apart.
RUN_TOKENS = {"input": 1500, "output": 230, "cache_read": 1200, "cache_write": 0, "reasoning": 20}
EVENT_ORDER = ("llm1", "tool1", "llm2", "tool2")


@dataclass(frozen=True)
class SpanSpec:
    key: str
    name: str
    parent: str | None
    kind: str  # internal | server | client
    start_us: int
    end_us: int
    attributes: dict[str, Any]
    error: tuple[str, str] | None = None

    @property
    def start_ns(self) -> int:
        return T0_NS + self.start_us * 1000

    @property
    def end_ns(self) -> int:
        return T0_NS + self.end_us * 1000


# ---------------------------------------------------------------- the four dialects

Named = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Dialect:
    name: str
    agent: Callable[[], Named]
    llm: Callable[[LlmCall], Named]
    tool: Callable[[ToolCall], Named]
    tool_ids: bool  # carries the tool call id
    reports_cost: bool


def _otel_agent() -> Named:
    return f"invoke_agent {AGENT}", {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT, "gen_ai.conversation.id": SESSION,
        "gen_ai.provider.name": PROVIDER,
        # invoke_agent may report the usage of the whole run: it must not be added to its LLM calls' usage.
        "gen_ai.usage.input_tokens": sum(c.prompt for c in LLM_CALLS),
        "gen_ai.usage.output_tokens": sum(c.completion for c in LLM_CALLS),
        "gen_ai.usage.cache_read.input_tokens": sum(c.cached for c in LLM_CALLS)}


def _otel_llm(call: LlmCall) -> Named:
    return f"chat {REQUEST_MODEL}", {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER, "gen_ai.request.model": REQUEST_MODEL,
        "gen_ai.response.model": MODEL, "gen_ai.conversation.id": SESSION,
        "gen_ai.usage.input_tokens": call.prompt, "gen_ai.usage.output_tokens": call.completion,
        "gen_ai.usage.cache_read.input_tokens": call.cached, "gen_ai.usage.reasoning.output_tokens": call.reasoning}


def _otel_tool(tool: ToolCall) -> Named:
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool.name,
                  "gen_ai.tool.call.id": tool.call_id, "gen_ai.tool.type": "function"}
    if tool.error:
        attributes["error.type"] = tool.error[0]
    return f"execute_tool {tool.name}", attributes


def _legacy_agent() -> Named:
    return f"invoke_agent {AGENT}", {"gen_ai.operation.name": "invoke_agent", "gen_ai.system": PROVIDER,
                                     "gen_ai.agent.name": AGENT, "session.id": SESSION}


def _legacy_llm(call: LlmCall) -> Named:
    return f"chat {MODEL}", {
        "gen_ai.operation.name": "chat", "gen_ai.system": PROVIDER, "gen_ai.request.model": MODEL,
        "gen_ai.usage.prompt_tokens": call.prompt, "gen_ai.usage.completion_tokens": call.completion,
        "gen_ai.usage.cache_read_input_tokens": call.cached, "llm.usage.reasoning_tokens": call.reasoning,
        "llm.usage.total_tokens": call.prompt + call.completion}


def _openinference_agent() -> Named:
    return AGENT, {"openinference.span.kind": "AGENT", "agent.name": AGENT, "session.id": SESSION}


def _openinference_llm(call: LlmCall) -> Named:
    return "ChatCompletion", {
        "openinference.span.kind": "LLM", "llm.model_name": MODEL, "llm.provider": PROVIDER, "llm.system": PROVIDER,
        "llm.token_count.prompt": call.prompt, "llm.token_count.completion": call.completion,
        "llm.token_count.total": call.prompt + call.completion,
        "llm.token_count.prompt_details.cache_read": call.cached,
        "llm.token_count.completion_details.reasoning": call.reasoning,
        "llm.cost.total": call.reported_cost, "session.id": SESSION}


def _openinference_tool(tool: ToolCall) -> Named:
    return tool.name, {"openinference.span.kind": "TOOL", "tool.name": tool.name, "tool.id": tool.call_id,
                       "session.id": SESSION}


_TRACELOOP_CONTEXT = {"traceloop.workflow.name": AGENT, "traceloop.association.properties.session_id": SESSION}


def _traceloop_agent() -> Named:
    return f"{AGENT}.agent", {"traceloop.span.kind": "agent", "traceloop.entity.name": AGENT, **_TRACELOOP_CONTEXT}


def _traceloop_llm(call: LlmCall) -> Named:
    # Traceloop's LLM spans name no operation: they are LLM calls because they count tokens.
    return "openai.chat", {
        "llm.request.type": "chat", "gen_ai.system": PROVIDER, "gen_ai.request.model": REQUEST_MODEL,
        "gen_ai.response.model": MODEL, "gen_ai.usage.input_tokens": call.prompt,
        "gen_ai.usage.output_tokens": call.completion, "gen_ai.usage.cache_read_input_tokens": call.cached,
        "gen_ai.usage.reasoning_tokens": call.reasoning, "llm.usage.total_tokens": call.prompt + call.completion,
        **_TRACELOOP_CONTEXT}


def _traceloop_tool(tool: ToolCall) -> Named:
    return f"{tool.name}.tool", {"traceloop.span.kind": "tool", "traceloop.entity.name": tool.name,
                                 **_TRACELOOP_CONTEXT}


OTEL = Dialect("otel-genai", _otel_agent, _otel_llm, _otel_tool, True, False)
DIALECTS = (
    OTEL,
    Dialect("otel-genai-legacy", _legacy_agent, _legacy_llm, _otel_tool, True, False),
    # OpenInference and Traceloop tools fail with an ERROR status and an exception event only, no error.type.
    Dialect("openinference", _openinference_agent, _openinference_llm, _openinference_tool, True, True),
    Dialect("traceloop", _traceloop_agent, _traceloop_llm, _traceloop_tool, False, False),
)


def run_spans(dialect: Dialect) -> list[SpanSpec]:
    """The agent span first, then its children."""
    name, attributes = dialect.agent()
    spans = [SpanSpec("agent", name, None, "internal", 0, AGENT_END_US, attributes)]
    for call in LLM_CALLS:
        name, attributes = dialect.llm(call)
        spans.append(SpanSpec(call.key, name, "agent", "client", call.start_us, call.end_us, attributes))
    for tool in TOOL_CALLS:
        name, attributes = dialect.tool(tool)
        spans.append(SpanSpec(tool.key, name, "agent", "internal", tool.start_us, tool.end_us, attributes, tool.error))
    return spans


# ---------------------------------------------------------------- what every transport must give back

def iso(offset_us: int) -> str:
    return (T0 + timedelta(microseconds=offset_us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def exclusive_tokens(call: LlmCall) -> dict[str, int]:
    return {"input": call.prompt - call.cached, "output": call.completion, "cache_read": call.cached,
            "cache_write": 0, "reasoning": call.reasoning}


def call_cost(dialect: Dialect, call: LlmCall) -> float:
    if dialect.reports_cost:
        return call.reported_cost
    estimate, source = pricing.cost(None, exclusive_tokens(call), MODEL, PROVIDER)
    assert source == "estimated" and estimate > 0
    return estimate


def run_cost(dialect: Dialect) -> float:
    return sum(call_cost(dialect, call) for call in LLM_CALLS)


def _llm_event(dialect: Dialect, call: LlmCall) -> dict[str, Any]:
    return {"type": "llm_call", "timestamp": iso(call.start_us), "tool_name": None, "tool_id": None,
            "tool_input": None, "tool_output": None, "tool_duration_ms": None, "tool_success": None, "content": None,
            "thinking": None, "tokens": exclusive_tokens(call), "error": None, "model": MODEL,
            "cost_usd": pytest.approx(call_cost(dialect, call)),
            "cost_source": "reported" if dialect.reports_cost else "estimated",
            "duration_ms": (call.end_us - call.start_us) / 1000, "span_name": dialect.llm(call)[0]}


def _tool_event(dialect: Dialect, tool: ToolCall) -> dict[str, Any]:
    error = None
    if tool.error:
        error = {"type": tool.error[0], "message": tool.error[1],
                 "stack": None}
    duration_ms = (tool.end_us - tool.start_us) / 1000
    return {"type": "tool_call", "timestamp": iso(tool.start_us), "tool_name": tool.name,
            "tool_id": tool.call_id if dialect.tool_ids else None, "tool_input": None, "tool_output": None,
            "tool_duration_ms": round(duration_ms), "tool_success": tool.error is None, "content": None,
            "thinking": None, "tokens": None, "error": error, "model": None, "cost_usd": None, "cost_source": None,
            "duration_ms": duration_ms, "span_name": dialect.tool(tool)[0]}


def expected_events(dialect: Dialect) -> list[dict[str, Any]]:
    by_key = {call.key: _llm_event(dialect, call) for call in LLM_CALLS}
    by_key |= {tool.key: _tool_event(dialect, tool) for tool in TOOL_CALLS}
    return [{**by_key[key], "sequence_number": number} for number, key in enumerate(EVENT_ORDER)]


def expected_run(dialect: Dialect) -> dict[str, Any]:
    """The run as GET /v1/runs/{id} returns it, without its ids (see assert_ids)."""
    cost = pytest.approx(run_cost(dialect))
    return {
        "agent_id": AGENT, "session_id": SESSION, "sdk_session_id": None,
        "started_at": iso(0), "finished_at": iso(AGENT_END_US), "duration_ms": 3000,
        "api_duration_ms": None, "first_token_ms": None, "num_turns": None, "status": "completed",
        "tokens": RUN_TOKENS, "cost_usd": cost, "cost_source": "reported" if dialect.reports_cost else "estimated",
        "sdk_cost_usd": cost if dialect.reports_cost else None,
        "estimated_cost_usd": None if dialect.reports_cost else cost,
        "model": MODEL, "parent_span_id": None, "error": None,
        "tool_calls": [
            {"tool": "read_file", "count": 1, "total_duration_ms": 57, "success_count": 0, "failure_count": 1},
            {"tool": "web_search", "count": 1, "total_duration_ms": 134, "success_count": 1, "failure_count": 0}],
        "events": expected_events(dialect),
        "metadata": {"source": "otlp", "service_name": SERVICE, "root_span_name": dialect.agent()[0],
                     "agent_name": AGENT, "framework": SCOPE},  # a scope collector/frameworks.py does not know
        "prompt": None,
        "security": {"findings": 0, "by_severity": {}, "by_category": {}},
    }


def without_ids(run: dict[str, Any]) -> dict[str, Any]:
    run = copy.deepcopy(run)
    for key in ("run_id", "trace_id", "span_id"):
        del run[key]
    for event in run["events"]:
        del event["event_id"], event["span_id"]
    return run


def assert_ids(run: dict[str, Any], trace_id: str, span_ids: dict[str, str]) -> None:
    assert (run["run_id"], run["trace_id"], run["span_id"]) == (
        f"{trace_id}-{span_ids['agent']}", trace_id, span_ids["agent"])
    assert [(e["event_id"], e["span_id"]) for e in run["events"]] == [
        (f"{trace_id}-{span_ids[key]}", span_ids[key]) for key in EVENT_ORDER]


# ---------------------------------------------------------------- OTLP requests built by hand

def span_hex(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def trace_hex(number: int) -> str:
    return f"5b8efff798038103d269b633813fc6{number:02x}"


def exception_attributes(error: tuple[str, str]) -> dict[str, str]:
    return {"exception.type": error[0], "exception.message": error[1]}


PROTO_KINDS = {"internal": 1, "server": 2, "client": 3}
STATUS_ERROR = 2


def json_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # OTLP/JSON spells 64-bit integers as decimal strings
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def json_attributes(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": json_value(value)} for key, value in attributes.items()]


def json_span(spec: SpanSpec, trace_id: str) -> dict[str, Any]:
    """Hex ids (upper case: OTLP/JSON ids are case-insensitive), integer enums, lowerCamelCase keys."""
    span = {"traceId": trace_id.upper(), "spanId": span_hex(spec.key).upper(), "name": spec.name,
            "kind": PROTO_KINDS[spec.kind], "startTimeUnixNano": str(spec.start_ns),
            "endTimeUnixNano": str(spec.end_ns), "attributes": json_attributes(spec.attributes)}
    if spec.parent:
        span["parentSpanId"] = span_hex(spec.parent).upper()
    if spec.error:
        span["status"] = {"code": STATUS_ERROR, "message": spec.error[1]}
        span["events"] = [{"timeUnixNano": str(spec.end_ns), "name": "exception",
                           "attributes": json_attributes(exception_attributes(spec.error))}]
    return span


def otlp_json(specs: list[SpanSpec], trace_id: str, service: str = SERVICE) -> dict[str, Any]:
    return {"resourceSpans": [{
        "resource": {"attributes": json_attributes({"service.name": service})},
        "scopeSpans": [{"scope": {"name": SCOPE, "version": "1.0.0"},
                        "spans": [json_span(spec, trace_id) for spec in specs]}],
    }]}


def proto_span(spec: SpanSpec, trace_id: str) -> trace_pb2.Span:
    span = trace_pb2.Span(trace_id=bytes.fromhex(trace_id), span_id=bytes.fromhex(span_hex(spec.key)),
                          name=spec.name, kind=PROTO_KINDS[spec.kind], start_time_unix_nano=spec.start_ns,
                          end_time_unix_nano=spec.end_ns, attributes=key_values(spec.attributes))
    if spec.parent:
        span.parent_span_id = bytes.fromhex(span_hex(spec.parent))
    if spec.error:
        span.status.code, span.status.message = STATUS_ERROR, spec.error[1]
        span.events.add(time_unix_nano=spec.end_ns, name="exception",
                        attributes=key_values(exception_attributes(spec.error)))
    return span


def protobuf_request(specs: list[SpanSpec], trace_id: str, service: str = SERVICE) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(resource_spans=[trace_pb2.ResourceSpans(
        resource=ProtoResource(attributes=key_values({"service.name": service})),
        scope_spans=[trace_pb2.ScopeSpans(scope=InstrumentationScope(name=SCOPE, version="1.0.0"),
                                          spans=[proto_span(spec, trace_id) for spec in specs])],
    )])


def hand_built_ids(specs: list[SpanSpec]) -> dict[str, str]:
    return {spec.key: span_hex(spec.key) for spec in specs}


def post_protobuf(http, request: ExportTraceServiceRequest) -> None:
    response = http.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PROTOBUF["Content-Type"]
    assert not ExportTraceServiceResponse.FromString(response.content).HasField("partial_success")


def post_json(http, body: dict[str, Any]) -> None:
    response = http.post("/v1/traces", json=body)
    assert (response.status_code, response.headers["content-type"], response.json()) == (200, "application/json", {})


def export_grpc(stub: TraceServiceStub, request: ExportTraceServiceRequest) -> None:
    assert not stub.Export(request, timeout=10).HasField("partial_success")


# ---------------------------------------------------------------- the real OpenTelemetry SDK

SDK_KINDS = {"internal": SpanKind.INTERNAL, "server": SpanKind.SERVER, "client": SpanKind.CLIENT}


def emit(tracer: trace.Tracer, specs: list[SpanSpec]) -> tuple[str, dict[str, str]]:
    """Start every span at its time, parents first, and end them in time order; the trace id and span ids."""
    started: dict[str, trace.Span] = {}
    for spec in sorted(specs, key=lambda s: s.start_us):
        parent = started.get(spec.parent) if spec.parent else None
        context = trace.set_span_in_context(parent) if parent else Context()
        started[spec.key] = tracer.start_span(spec.name, context, SDK_KINDS[spec.kind], spec.attributes,
                                              start_time=spec.start_ns)
    for spec in sorted(specs, key=lambda s: s.end_us):
        span = started[spec.key]
        if spec.error:
            span.add_event("exception", exception_attributes(spec.error), timestamp=spec.end_ns)
            span.set_status(Status(StatusCode.ERROR, spec.error[1]))
        span.end(end_time=spec.end_ns)
    contexts = {key: span.get_span_context() for key, span in started.items()}
    return f"{contexts[specs[0].key].trace_id:032x}", {key: f"{c.span_id:016x}" for key, c in contexts.items()}


def send_with_sdk(exporter, processor: type, specs: list[SpanSpec]) -> tuple[str, dict[str, str]]:
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
    provider.add_span_processor(processor(exporter))
    try:
        ids = emit(provider.get_tracer(SCOPE, "1.0.0"), specs)
        assert provider.force_flush(10_000)
    finally:
        provider.shutdown()
    return ids


def _grpc(collector, specs, **options):
    exporter = GrpcSpanExporter(endpoint=collector.grpc_target, insecure=True, timeout=10, **options)
    # SimpleSpanProcessor exports each span as it ends: the children arrive before the agent span.
    return send_with_sdk(exporter, SimpleSpanProcessor, specs)


def _http(collector, specs, **options):
    exporter = HttpSpanExporter(endpoint=collector.url + "/v1/traces", timeout=10, **options)
    return send_with_sdk(exporter, BatchSpanProcessor, specs)


def _json(collector, specs):
    trace_id = trace_hex(0xA0)
    post_json(collector.client(), otlp_json(specs, trace_id))
    return trace_id, hand_built_ids(specs)


TRANSPORTS: dict[str, Callable[[Any, list[SpanSpec]], tuple[str, dict[str, str]]]] = {
    "grpc": _grpc,
    "grpc-gzip": lambda collector, specs: _grpc(collector, specs, compression=grpc.Compression.Gzip),
    "http-protobuf": _http,
    "http-protobuf-gzip": lambda collector, specs: _http(collector, specs, compression=Compression.Gzip),
    "http-json": _json,
}


# ---------------------------------------------------------------- tests

def test_every_dialect_maps_to_the_same_run_in_process(tmp_path):
    """The mapping alone, without a server: export_traces -> the writer -> the query functions."""
    store = Store(tmp_path / "mapping.duckdb")
    writer = Writer(store, 10_000, received.decode)
    try:
        for number, dialect in enumerate(DIALECTS):
            specs = run_spans(dialect)
            writer.submit(export_traces(protobuf_request(specs, trace_hex(number))).batch).result()
        with store.read() as con:
            for number, dialect in enumerate(DIALECTS):
                run = runs.get_run(con, f"{trace_hex(number)}-{span_hex('agent')}")
                assert run is not None, dialect.name
                assert without_ids(run) == expected_run(dialect), dialect.name
            assert runs.list_runs(con)["total"] == len(DIALECTS)
    finally:
        writer.close()
        store.close()


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_one_run_in_every_dialect_over_every_transport(collector, dialect):
    specs = run_spans(dialect)
    sent = {transport: send(collector, specs) for transport, send in TRANSPORTS.items()}
    http = collector.client()
    expected = expected_run(dialect)
    stored = {}
    for transport, (trace_id, span_ids) in sent.items():
        response = http.get(f"/v1/runs/{trace_id}-{span_ids['agent']}")
        assert response.status_code == 200, f"{transport}: {response.text}"
        run = stored[transport] = response.json()
        assert_ids(run, trace_id, span_ids)
        assert without_ids(run) == expected, transport
        assert http.get(f"/v1/runs/{run['run_id']}/events").json() == run["events"]
        assert http.get(f"/v1/traces/{trace_id}").json() == [run]

    count = len(TRANSPORTS)
    page = http.get("/v1/runs").json()
    assert (page["total"], page["has_more"]) == (count, False)
    assert sorted(page["data"], key=lambda r: r["run_id"]) == sorted(stored.values(), key=lambda r: r["run_id"])
    for query in ({"agent_id": AGENT}, {"model": MODEL}, {"status": "completed"}):
        assert http.get("/v1/runs", params=query).json()["total"] == count, query
    assert http.get("/v1/runs", params={"status": "failed"}).json()["total"] == 0

    cost = run_cost(dialect)
    assert http.get("/v1/agents").json() == [
        {"agent_id": AGENT, "run_count": count, "success_count": count, "failure_count": 0,
         "avg_duration_ms": 3000.0, "total_cost_usd": pytest.approx(count * cost), "last_run_at": iso(0)}]
    total_cost = pytest.approx(count * cost)
    assert http.get("/v1/stats").json() == {
        "total_runs": count, "completed": count, "failed": 0, "avg_duration_ms": 3000.0,
        "avg_api_duration_ms": None, "avg_first_token_ms": None, "avg_num_turns": None,
        "total_tokens_input": count * RUN_TOKENS["input"], "total_tokens_output": count * RUN_TOKENS["output"],
        "total_cache_read": count * RUN_TOKENS["cache_read"], "total_cache_write": 0,
        "total_cost_usd": total_cost,
        "total_sdk_cost_usd": total_cost if dialect.reports_cost else None,
        "total_estimated_cost_usd": None if dialect.reports_cost else total_cost,
    }
    assert http.get("/v1/tools", params={"agent_id": AGENT}).json() == [
        {"tool_name": "read_file", "call_count": count, "success_count": 0, "failure_count": count,
         "avg_duration_ms": 57.0},
        {"tool_name": "web_search", "call_count": count, "success_count": count, "failure_count": 0,
         "avg_duration_ms": 134.0},
    ]


ORDERINGS = {
    "one request": [["agent", "llm1", "tool1", "llm2", "tool2"]],
    "children first, agent last": [["llm1", "tool1", "llm2", "tool2"], ["agent"]],
    "agent first, children after": [["agent"], ["tool2", "llm2", "tool1", "llm1"]],
    "agent between its children": [["tool2", "llm1"], ["agent"], ["tool1", "llm2"]],
    "one span per request, newest first": [["tool2"], ["llm2"], ["tool1"], ["llm1"], ["agent"]],
}


def send_in_batches(http, stub: TraceServiceStub, specs: list[SpanSpec], trace_id: str, batches) -> None:
    """Each batch is its own export request, alternating OTLP/HTTP protobuf and OTLP/gRPC."""
    by_key = {spec.key: spec for spec in specs}
    for number, keys in enumerate(batches):
        request = protobuf_request([by_key[key] for key in keys], trace_id)
        if number % 2:
            export_grpc(stub, request)
        else:
            post_protobuf(http, request)


def test_arrival_order_and_batching_do_not_change_the_run(collector):
    specs = run_spans(OTEL)
    http = collector.client()
    answers = {}
    with grpc.insecure_channel(collector.grpc_target) as channel:
        stub = TraceServiceStub(channel)
        for number, (ordering, batches) in enumerate(ORDERINGS.items()):
            trace_id = trace_hex(number)
            send_in_batches(http, stub, specs, trace_id, batches)
            answers[ordering] = http.get("/v1/runs", params={"trace_id": trace_id}).text.replace(trace_id, "<trace>")

    first = answers["one request"]
    assert {ordering: answer == first for ordering, answer in answers.items()} == dict.fromkeys(ORDERINGS, True)
    page = json.loads(first)
    assert page["total"] == 1
    assert without_ids(page["data"][0]) == expected_run(OTEL)
    # Spans that arrived before their agent span leave no run of their own behind.
    assert http.get("/v1/runs").json()["total"] == len(ORDERINGS)
    assert http.get("/v1/stats").json()["total_tokens_input"] == len(ORDERINGS) * RUN_TOKENS["input"]


def query_answers(http) -> dict[str, Any]:
    return {path: http.get(path).json() for path in ("/v1/runs", "/v1/stats", "/v1/agents", "/v1/tools")}


def test_resent_exports_change_nothing(collector):
    specs = run_spans(OTEL)
    trace_id = trace_hex(1)
    http = collector.client()
    post_protobuf(http, protobuf_request(specs, trace_id))
    before = query_answers(http)
    assert (before["/v1/runs"]["total"], before["/v1/stats"]["total_tokens_input"]) == (1, RUN_TOKENS["input"])
    assert [t["call_count"] for t in before["/v1/tools"]] == [1, 1]

    # The same spans again: over protobuf, as JSON with upper-case hex ids, over gRPC, and split differently.
    post_protobuf(http, protobuf_request(specs, trace_id))
    post_json(http, otlp_json(specs, trace_id))
    with grpc.insecure_channel(collector.grpc_target) as channel:
        export_grpc(TraceServiceStub(channel), protobuf_request(specs[1:], trace_id))
    assert query_answers(http) == before
    (run,) = before["/v1/runs"]["data"]
    assert len(run["events"]) == len(EVENT_ORDER)


def _plain_trace() -> list[SpanSpec]:
    """No span names a role but the LLM call: the root span is the run."""
    llm = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER, "gen_ai.request.model": "gpt-4o-mini",
           "gen_ai.usage.input_tokens": 400, "gen_ai.usage.output_tokens": 50}
    return [SpanSpec("root", "POST /answer", None, "server", 0, 800_000, {"http.request.method": "POST"}),
            SpanSpec("chat", "chat gpt-4o-mini", "root", "client", 100_000, 700_000, llm)]


def _nested_agents() -> list[SpanSpec]:
    """An HTTP root above an agent that calls a sub-agent: the outer agent is the run and holds every LLM call."""
    def chat(tokens: int) -> dict[str, Any]:
        return {"gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER, "gen_ai.request.model": MODEL,
                "gen_ai.usage.input_tokens": tokens, "gen_ai.usage.output_tokens": 10}

    def agent(name: str) -> dict[str, Any]:
        return {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}

    return [SpanSpec("http", "POST /plan", None, "server", 0, 5_000_000, {"http.request.method": "POST"}),
            SpanSpec("planner", "invoke_agent planner", "http", "internal", 100_000, 4_000_000, agent("planner")),
            SpanSpec("plan-chat", f"chat {MODEL}", "planner", "client", 200_000, 900_000, chat(100)),
            SpanSpec("coder", "invoke_agent coder", "planner", "internal", 1_000_000, 3_000_000, agent("coder")),
            SpanSpec("code-chat", f"chat {MODEL}", "coder", "client", 1_100_000, 2_000_000, chat(200))]


def _failed_agent() -> list[SpanSpec]:
    error = ("RateLimitError", "upstream rate limit")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT, "error.type": error[0]}
    chat = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER, "gen_ai.request.model": MODEL,
            "error.type": error[0]}
    return [SpanSpec("agent", f"invoke_agent {AGENT}", None, "internal", 0, 1_500_000, agent, error),
            SpanSpec("chat", f"chat {MODEL}", "agent", "client", 100_000, 1_400_000, chat, error)]


def test_run_boundaries_and_failed_runs(collector):
    http = collector.client()
    plain, nested, failed = trace_hex(1), trace_hex(2), trace_hex(3)
    post_protobuf(http, protobuf_request(_plain_trace(), plain, service="plain-service"))
    post_protobuf(http, protobuf_request(_nested_agents(), nested))
    post_json(http, otlp_json(_failed_agent(), failed))

    (run,) = http.get(f"/v1/traces/{plain}").json()
    assert (run["run_id"], run["agent_id"], run["status"], run["model"], run["duration_ms"]) == (
        f"{plain}-{span_hex('root')}", "plain-service", "completed", "gpt-4o-mini", 800)
    assert run["tokens"] == {"input": 400, "output": 50, "cache_read": 0, "cache_write": 0, "reasoning": 0}
    assert run["metadata"] == {"source": "otlp", "service_name": "plain-service", "root_span_name": "POST /answer",
                               "agent_name": None, "framework": SCOPE}
    assert [(e["type"], e["span_id"]) for e in run["events"]] == [("llm_call", span_hex("chat"))]

    (run,) = http.get(f"/v1/traces/{nested}").json()
    assert (run["run_id"], run["parent_span_id"], run["agent_id"], run["duration_ms"]) == (
        f"{nested}-{span_hex('planner')}", span_hex("http"), "planner", 3900)
    assert (run["tokens"]["input"], run["tokens"]["output"]) == (300, 20)
    assert [e["span_id"] for e in run["events"]] == [span_hex("plan-chat"), span_hex("code-chat")]

    (run,) = http.get("/v1/runs", params={"status": "failed"}).json()["data"]
    assert (run["run_id"], run["agent_id"], run["status"]) == (f"{failed}-{span_hex('agent')}", AGENT, "failed")
    assert run["error"] == {"type": "RateLimitError", "message": "upstream rate limit", "stack": None}
    assert (run["tokens"]["input"], run["cost_usd"]) == (0, None)
    (event,) = run["events"]
    assert (event["type"], event["error"]) == ("llm_call", run["error"])

    agents = {a["agent_id"]: (a["run_count"], a["success_count"], a["failure_count"])
              for a in http.get("/v1/agents").json()}
    assert agents == {"plain-service": (1, 1, 0), "planner": (1, 1, 0), AGENT: (1, 0, 1)}
    stats = http.get("/v1/stats").json()
    assert (stats["total_runs"], stats["completed"], stats["failed"], stats["total_tokens_input"]) == (3, 2, 1, 700)
