"""A real instrumentation library end to end: openinference-instrumentation-openai traces the openai client, which
talks to a local fake OpenAI server, and the spans reach the collector over OTLP; the run is read back by value.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from collector import pricing
from tests.fake_llm import FakeLLM

REQUEST_MODEL, RESPONSE_MODEL = "gpt-4o-mini", "gpt-4o-mini-2024-07-18"
# What the fake server reports per call: (prompt tokens incl. cached, cached, completion); None: no details object.
USAGES = ((1234, 1024, 56), (300, None, 20))


def usage_body(prompt: int, cached: int | None, completion: int) -> dict:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return usage


def chat_completion(path: str, _: dict, number: int) -> dict | None:
    """POST /v1/chat/completions answers the next of USAGES as a chat.completion."""
    if path != "/v1/chat/completions":
        return None
    return {
        "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1795000000, "model": RESPONSE_MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": f"answer {number}"},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": usage_body(*USAGES[number]),
    }


@pytest.fixture
def fake_openai() -> Iterator[tuple[str, list[dict]]]:
    """The fake server's base URL and the request bodies it received."""
    with FakeLLM(chat_completion) as llm:
        yield f"{llm.url}/v1", llm.requests


def exporter(collector, transport: str):
    if transport == "grpc":
        return GrpcSpanExporter(endpoint=collector.grpc_target, insecure=True, timeout=10)
    return HttpSpanExporter(endpoint=collector.url + "/v1/traces", timeout=10)


AGENT_SPANS = {
    "openinference-agent": {"openinference.span.kind": "AGENT", "agent.name": "qa-bot", "session.id": "s-7"},
    "otel-invoke-agent": {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "qa-bot",
                          "gen_ai.conversation.id": "s-7"},
}


def ask_twice(provider: TracerProvider, base_url: str, agent_attributes: dict) -> tuple[str, str]:
    """Two chat completions inside an agent span, the client instrumented; the agent span's trace and span id."""
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0)
        tracer = provider.get_tracer("tests.otlp_instrumentation")
        with tracer.start_as_current_span("answer question", attributes=agent_attributes) as agent:
            for question in ("What is OTLP?", "And OTLP/JSON?"):
                reply = client.chat.completions.create(model=REQUEST_MODEL,
                                                       messages=[{"role": "user", "content": question}])
                assert reply.model == RESPONSE_MODEL
        context = agent.get_span_context()
    finally:
        instrumentor.uninstrument()
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def exclusive_tokens(prompt: int, cached: int | None, completion: int) -> dict[str, int]:
    return {"input": prompt - (cached or 0), "output": completion, "cache_read": cached or 0, "cache_write": 0,
            "reasoning": 0}


@pytest.mark.parametrize(("transport", "agent_span"), [("grpc", "openinference-agent"),
                                                       ("http", "otel-invoke-agent")])
def test_instrumented_openai_calls_become_one_run(collector, fake_openai, transport, agent_span):
    base_url, received = fake_openai
    provider = TracerProvider(resource=Resource.create({"service.name": "qa-service"}))
    provider.add_span_processor(BatchSpanProcessor(exporter(collector, transport)))
    try:
        trace_id, agent_span_id = ask_twice(provider, base_url, AGENT_SPANS[agent_span])
        assert provider.force_flush(10_000)
    finally:
        provider.shutdown()
    assert [r["model"] for r in received] == [REQUEST_MODEL, REQUEST_MODEL]

    # force_flush returned after the export was answered, and the collector answers after committing.
    http = collector.client()
    (run,) = http.get(f"/v1/traces/{trace_id}").json()
    calls = [exclusive_tokens(*usage) for usage in USAGES]
    costs = [pricing.cost(None, tokens, RESPONSE_MODEL, "openai")[0] for tokens in calls]
    assert (run["run_id"], run["status"], run["agent_id"], run["session_id"], run["model"]) == (
        f"{trace_id}-{agent_span_id}", "completed", "qa-bot", "s-7", RESPONSE_MODEL)
    # Input excludes the cached prompt tokens: (1234 - 1024) + 300.
    assert run["tokens"] == {"input": 510, "output": 76, "cache_read": 1024, "cache_write": 0, "reasoning": 0}
    assert (run["cost_source"], run["cost_usd"]) == ("estimated", pytest.approx(sum(costs)))
    assert all(cost > 0 for cost in costs)
    assert [(e["type"], e["model"], e["tokens"], e["cost_usd"]) for e in run["events"]] == [
        ("llm_call", RESPONSE_MODEL, tokens, pytest.approx(cost)) for tokens, cost in zip(calls, costs, strict=True)]
    assert [e["sequence_number"] for e in run["events"]] == [0, 1]

    stats = http.get("/v1/stats").json()
    assert (stats["total_runs"], stats["total_tokens_input"], stats["total_cache_read"]) == (1, 510, 1024)
    assert http.get("/v1/runs", params={"model": RESPONSE_MODEL, "agent_id": "qa-bot"}).json()["total"] == 1
