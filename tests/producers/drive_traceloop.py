"""traceloop-sdk: `Traceloop.init(exporter=...)` with only the OpenAI instrumentation, the agent an `@agent(name=...)`
inside a `@workflow(name=...)`, its tool a `@tool(name=...)`, over the same hand-written loop as the client drivers."""

from __future__ import annotations

import os

os.environ.setdefault("TRACELOOP_TELEMETRY", "false")  # no usage pings to Traceloop from a test

import common
from openai_loop import fake_llm, llm_error, run_agent
from opentelemetry import trace
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from traceloop.sdk import Instruments, Traceloop
from traceloop.sdk.decorators import agent, tool, workflow

MODEL = "gpt-4o-mini"


def main() -> None:
    a = common.args()
    ids = common.TraceIds()
    Traceloop.init(app_name=common.named("traceloop-service"), api_endpoint=a.endpoint, telemetry_enabled=False,
                   processor=[ids, BatchSpanProcessor(common.span_exporter(a))], instruments={Instruments.OPENAI},
                   should_enrich_metrics=False)

    @tool(name=common.TOOL_NAME)
    def get_weather(city: str) -> str:
        return common.get_weather(city, a.scenario)

    client = fake_llm(a)

    @agent(name=common.AGENT_NAME)
    def weather_agent() -> str:
        return run_agent(client, MODEL, lambda name, arguments, call_id: get_weather(**arguments))

    @workflow(name=common.WORKFLOW_NAME)
    def weather_workflow() -> str:
        return weather_agent()

    error = llm_error(weather_workflow)
    provider = trace.get_tracer_provider()
    if not provider.force_flush(15_000):
        raise SystemExit("force_flush did not finish")
    provider.shutdown()
    common.report(ids, error)


if __name__ == "__main__":
    main()
