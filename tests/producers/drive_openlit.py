"""openlit: `openlit.init()` over the application's own (global) TracerProvider and LoggerProvider, which it
detects and reuses, with all its auto-instrumentations; the agent is an `openlit.start_trace(name)` span with
`openlit.agent_context(name)` around the openai calls, the tool an `@openlit.trace` function, over the same
hand-written loop as the other client drivers. Offline it cannot fetch its price list and reports a cost of 0."""

from __future__ import annotations

import common
import openlit
from openai_loop import fake_llm, llm_error, run_agent

MODEL = "gpt-4o-mini"


def main() -> None:
    a = common.args()
    service = common.named("openlit-service")
    t = common.telemetry(a, service, logs=True)
    openlit.init(application_name=service, service_name=service, environment="test",
                 disable_metrics=True)

    @openlit.trace
    def get_weather(city: str) -> str:
        return common.get_weather(city, a.scenario)

    def weather_agent() -> None:
        with openlit.start_trace(common.AGENT_NAME), openlit.agent_context(common.AGENT_NAME):
            run_agent(fake_llm(a), MODEL, lambda name, arguments, call_id: get_weather(**arguments))

    error = llm_error(weather_agent)
    t.shutdown()
    common.report(t.trace_ids, error)


if __name__ == "__main__":
    main()
