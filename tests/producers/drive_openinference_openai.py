"""openinference-instrumentation-openai: the openai client instrumented, inside an OpenInference AGENT span named
after the agent (as `OITracer.start_as_current_span(..., openinference_span_kind="agent")` makes it) with the tool
run under a TOOL span (`@tracer.tool`)."""

from __future__ import annotations

import common
from openai_loop import fake_llm, llm_error, run_agent
from openinference.instrumentation import OITracer, TraceConfig
from openinference.instrumentation.openai import OpenAIInstrumentor

MODEL = "gpt-4o-mini"


def main() -> None:
    a = common.args()
    t = common.telemetry(a, common.named("openinference-openai-service"))
    OpenAIInstrumentor().instrument(tracer_provider=t.tracer_provider)
    tracer = OITracer(t.tracer_provider.get_tracer("weather-app"), TraceConfig())

    @tracer.tool(name=common.TOOL_NAME, description="The current weather in a city.")
    def get_weather(city: str) -> str:
        return common.get_weather(city, a.scenario)

    def weather_agent() -> None:
        with tracer.start_as_current_span(common.AGENT_NAME, openinference_span_kind="agent") as span:
            span.set_input(common.QUESTION)
            span.set_output(run_agent(fake_llm(a), MODEL, lambda name, arguments, call_id: get_weather(**arguments)))

    error = llm_error(weather_agent)
    t.shutdown()
    common.report(t.trace_ids, error)


if __name__ == "__main__":
    main()
