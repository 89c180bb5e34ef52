"""What every producer driver shares: its arguments, the OTLP exporters and the line it prints.

A driver runs with its own environment's Python (see tests/producer_envs.py), never imports the tests package or the
collector, and is called as

    python <driver>.py <otlp endpoint> <grpc|http> <fake LLM base URL> [ok|tool_error|llm_error]

The endpoint is the collector's base URL for http (`/v1/traces`, `/v1/logs` are appended) and `host:port` for grpc.
It prints one JSON line on stdout: {"trace_ids": [...], "reported_costs": [...], "error": ...}: the traces its spans
belong to (in order of the first span that ended in each), the costs its spans reported (`llm.cost.total`,
`gen_ai.usage.cost`, `operation.cost`, one per span that has one) and the name of the exception that ended the agent
run, if one did. With PRODUCER_TAG set, the agent, workflow and service names end in `-<tag>`, so that many drivers
can share one collector and still be told apart.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

SCENARIOS = ("ok", "tool_error", "llm_error")
TAG = os.environ.get("PRODUCER_TAG", "")


def named(name: str) -> str:
    return f"{name}-{TAG}" if TAG else name


AGENT_NAME = named("weather-agent")
WORKFLOW_NAME = named("weather-workflow")
TOOL_NAME = "get_weather"
QUESTION = "What is the weather in Paris?"


class ToolFailure(RuntimeError):
    pass


def get_weather(city: str = "Paris", scenario: str = "ok") -> str:
    """The agents' one tool. In the tool_error scenario it raises, as a tool whose backend is down does."""
    if scenario == "tool_error":
        raise ToolFailure(f"weather service unavailable for {city}")
    return f"Sunny, 21 C in {city}"


@dataclass
class Args:
    endpoint: str
    transport: str
    llm_url: str
    scenario: str = "ok"
    extra: dict = field(default_factory=dict)


def args() -> Args:
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] not in ("grpc", "http") or (len(argv) > 3 and argv[3] not in SCENARIOS):
        sys.exit(__doc__)
    return Args(argv[0], argv[1], argv[2].rstrip("/"), argv[3] if len(argv) > 3 else "ok")


def span_exporter(a: Args):
    if a.transport == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        return OTLPSpanExporter(endpoint=a.endpoint, insecure=True, timeout=10)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter(endpoint=a.endpoint.rstrip("/") + "/v1/traces", timeout=10)


def log_exporter(a: Args):
    if a.transport == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        return OTLPLogExporter(endpoint=a.endpoint, insecure=True, timeout=10)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    return OTLPLogExporter(endpoint=a.endpoint.rstrip("/") + "/v1/logs", timeout=10)


COST_ATTRIBUTES = ("llm.cost.total", "gen_ai.usage.cost", "operation.cost")


class TraceIds(SpanProcessor):
    """Records the trace id of every span that ends, in order of first appearance, and the costs spans report."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.costs: list[float] = []

    def on_end(self, span: ReadableSpan) -> None:
        trace_id = f"{span.context.trace_id:032x}"
        if trace_id not in self.ids:
            self.ids.append(trace_id)
        attributes = span.attributes or {}
        for name in COST_ATTRIBUTES:
            if isinstance(attributes.get(name), int | float):
                self.costs.append(float(attributes[name]))
                break


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    trace_ids: TraceIds
    logger_provider: object | None = None

    def shutdown(self) -> None:
        ok = self.tracer_provider.force_flush(15_000)
        if self.logger_provider is not None:
            ok = self.logger_provider.force_flush(15_000) and ok
            self.logger_provider.shutdown()
        self.tracer_provider.shutdown()
        if not ok:
            raise SystemExit("force_flush did not finish")


def telemetry(a: Args, service_name: str, logs: bool = False, set_global: bool = True) -> Telemetry:
    """A TracerProvider (and, with logs, a LoggerProvider) exporting to the collector, set as the global ones."""
    from opentelemetry import trace

    resource = Resource.create({"service.name": service_name})
    provider = TracerProvider(resource=resource)
    ids = TraceIds()
    provider.add_span_processor(ids)
    provider.add_span_processor(BatchSpanProcessor(span_exporter(a)))
    if set_global:
        trace.set_tracer_provider(provider)
    logger_provider = None
    if logs:
        from opentelemetry._logs import set_logger_provider
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter(a)))
        if set_global:
            set_logger_provider(logger_provider)
    return Telemetry(provider, ids, logger_provider)


def report(ids: TraceIds, error: str | None) -> None:
    print(json.dumps({"trace_ids": ids.ids, "reported_costs": ids.costs, "error": error}), flush=True)


def openai_tools() -> list[dict]:
    return [{"type": "function", "function": {
        "name": TOOL_NAME, "description": "The current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
