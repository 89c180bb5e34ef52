"""opentelemetry-instrumentation-openai-v2 (the official OTel GenAI instrumentation; its spans come from
opentelemetry-util-genai's handler): the openai client instrumented, the agent and its tool traced with the same
library's TelemetryHandler (`invoke_local_agent(agent_name=...)`, `tool(name, tool_call_id=...)`), message content
captured on spans and as log events."""

from __future__ import annotations

import os

os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_AND_EVENT")

import common
from openai_loop import fake_llm, llm_error, run_agent
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.util.genai.handler import TelemetryHandler

MODEL = "gpt-4o-mini"


def main() -> None:
    a = common.args()
    t = common.telemetry(a, common.named("openai-v2-service"), logs=True)
    OpenAIInstrumentor().instrument(tracer_provider=t.tracer_provider, logger_provider=t.logger_provider)
    handler = TelemetryHandler(tracer_provider=t.tracer_provider, logger_provider=t.logger_provider)

    def call_tool(name: str, arguments: dict, call_id: str) -> str:
        with handler.tool(name, tool_call_id=call_id, tool_type="function") as tool:
            tool.arguments = arguments
            tool.tool_result = common.get_weather(**arguments, scenario=a.scenario)
            return tool.tool_result

    def weather_agent() -> None:
        with handler.invoke_local_agent(request_model=MODEL, agent_name=common.AGENT_NAME):
            run_agent(fake_llm(a), MODEL, call_tool)

    error = llm_error(weather_agent)
    t.shutdown()
    common.report(t.trace_ids, error)


if __name__ == "__main__":
    main()
