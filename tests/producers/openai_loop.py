"""A hand-written tool-calling loop over the openai client, shared by the drivers of plain client instrumentations.

`run_agent(client, model, call_tool)` asks the question with the tool offered, runs the tool the model asks for via
`call_tool(name, arguments, call_id)` (an exception is sent back to the model as the tool's result, as agent loops
do), and asks again for the final answer, which it returns. `fake_llm(a)` is the client of the test's fake LLM, and
`llm_error(run)` names the openai error a run raised (the failing-LLM scenario).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import openai
from common import QUESTION, Args, openai_tools


def fake_llm(a: Args) -> openai.OpenAI:
    return openai.OpenAI(base_url=a.llm_url + "/v1", api_key="test-key", max_retries=0)


def llm_error(run: Callable[[], object]) -> str | None:
    try:
        run()
    except openai.APIError as e:
        return type(e).__name__
    return None


def run_agent(client, model: str, call_tool) -> str:
    messages: list[dict] = [{"role": "system", "content": "You answer weather questions."},
                            {"role": "user", "content": QUESTION}]
    for _ in range(4):
        reply = client.chat.completions.create(model=model, messages=messages, tools=openai_tools())
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls]})
        for call in message.tool_calls:
            try:
                result = call_tool(call.function.name, json.loads(call.function.arguments or "{}"), call.id)
            except Exception as e:  # the model is told, and answers anyway
                result = f"error: {e}"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": str(result)})
    raise RuntimeError("the model kept calling tools")
