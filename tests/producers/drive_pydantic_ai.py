"""pydantic-ai: `Agent(name=...)` with one tool, instrumented by `Agent.instrument_all()` into the global
TracerProvider, its model OpenAI Chat Completions (`openai` as the fifth argument) or Anthropic Messages
(`anthropic`). anthropic 2.x also traces its own calls (scope com.anthropic.sdk.python) under pydantic-ai's."""

from __future__ import annotations

import asyncio
import sys

import common

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5"}


def model(provider: str, base_url: str):
    if provider == "openai":
        import openai
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider
        client = openai.AsyncOpenAI(base_url=base_url + "/v1", api_key="test-key", max_retries=0)
        return OpenAIChatModel(MODELS[provider], provider=OpenAIProvider(openai_client=client))
    import anthropic
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider
    client = anthropic.AsyncAnthropic(base_url=base_url, api_key="test-key", max_retries=0)
    return AnthropicModel(MODELS[provider], provider=AnthropicProvider(anthropic_client=client))


async def run(a: common.Args, provider: str) -> str | None:
    from pydantic_ai import Agent

    agent = Agent(model(provider, a.llm_url), name=common.AGENT_NAME, instructions="You answer weather questions.")

    @agent.tool_plain(name=common.TOOL_NAME)
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return common.get_weather(city, a.scenario)

    try:
        await agent.run(common.QUESTION)
    except Exception as e:  # the tool's exception, or the model's HTTP error, ends the run
        return type(e).__name__
    return None


def main() -> None:
    provider = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1] in MODELS else "openai"
    a = common.args()
    t = common.telemetry(a, common.named(f"pydantic-ai-{provider}-service"), logs=True)
    from pydantic_ai import Agent
    Agent.instrument_all()
    error = asyncio.run(run(a, provider))
    t.shutdown()
    common.report(t.trace_ids, error)


if __name__ == "__main__":
    main()
