"""openinference-instrumentation-openai: the openai client instrumented, inside an OpenInference AGENT span named
after the agent (as `OITracer.start_as_current_span(..., openinference_span_kind="agent")` makes it) with the tool
run under a TOOL span (`@tracer.tool`)."""

from __future__ import annotations

import common
import openai
from openai_loop import run_agent
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

    client = openai.OpenAI(base_url=a.llm_url + "/v1", api_key="test-key", max_retries=0)
    error = None
    try:
        with tracer.start_as_current_span(common.AGENT_NAME, openinference_span_kind="agent") as span:
            span.set_input(common.QUESTION)
            answer = run_agent(client, MODEL, lambda name, arguments, call_id: get_weather(**arguments))
            span.set_output(answer)
    except openai.APIError as e:
        error = type(e).__name__
    t.shutdown()
    common.report(t.trace_ids, error)


if __name__ == "__main__":
    main()
