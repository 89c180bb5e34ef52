"""A local stand-in for LLM provider APIs, so real client libraries can make LLM calls in tests.

`FakeLLM(answer)` serves on a free loopback port in a thread; `answer(path, request, number)` returns the JSON to
send for the number-th request answered (from 0), or None for a 404. It keeps every request body it answered in
`requests`. `anthropic_messages` answers the Anthropic
Messages API: a `message` with usage 42 in / 7 out and the requested model; a request that offers tools and has no
tool_result yet gets a tool_use block instead (stop_reason "tool_use").

For agents that call a tool, `openai_agent()` (Chat Completions) and `anthropic_agent()` (Messages) answer a request
that offers tools and carries no tool result yet with a call of the first tool, and any other with a final text;
every answer has its own id (`chatcmpl-<n>`, `msg_<n>`) and reports cache usage, `OPENAI_USAGE` / `ANTHROPIC_USAGE`
by step (`"tool"`, `"final"`). `failing(answer)` answers 500 from the `after`-th request on, so an agent run fails.
A request with `"stream": true` gets its answer as server-sent events (Messages events, or chat.completion.chunk
with the usage in a last chunk). An answer may return `(status, payload)` to send another status than 200; every
request answered (not 404) is in `requests`, its status in `statuses`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INPUT_TOKENS, OUTPUT_TOKENS = 42, 7
REPLY = "It is sunny."

Answer = Callable[[str, dict, int], "dict | tuple[int, dict] | None"]

TOOL_NAME, TOOL_ARGUMENTS = "get_weather", {"city": "Paris"}
FINAL_REPLY = "It is sunny in Paris."
# (prompt tokens including cache, of which cached, completion): OpenAI counts the cache inside prompt_tokens.
OPENAI_USAGE = {"tool": (1234, 1024, 56), "final": (1310, 1024, 21)}
# Anthropic input_tokens exclude the cache: (input, cache_read, cache_creation, output).
ANTHROPIC_USAGE = {"tool": (42, 1000, 200, 7), "final": (61, 1200, 40, 12)}


def _has_tool_result(messages: list) -> bool:
    return any(isinstance(block, dict) and block.get("type") == "tool_result"
               for message in messages if isinstance(message.get("content"), list) for block in message["content"])


def anthropic_messages(path: str, request: dict, _: int) -> dict | None:
    if path != "/v1/messages":
        return None
    tools = request.get("tools") or []
    if tools and not _has_tool_result(request.get("messages", [])):
        content = [{"type": "tool_use", "id": "toolu_01", "name": tools[0]["name"], "input": {}}]
        stop_reason = "tool_use"
    else:
        content, stop_reason = [{"type": "text", "text": REPLY}], "end_turn"
    return {"id": "msg_01", "type": "message", "role": "assistant", "model": request.get("model", "unknown"),
            "content": content, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": OUTPUT_TOKENS,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


def _openai_has_tool_result(messages: list) -> bool:
    return any(isinstance(message, dict) and message.get("role") == "tool" for message in messages)


def openai_agent(model: str = "gpt-4o-mini-2024-07-18") -> Answer:
    """Chat Completions for a tool-calling agent: the tool call first, then the final answer (`model` answers)."""

    def answer(path: str, request: dict, number: int) -> dict | None:
        if path not in ("/v1/chat/completions", "/chat/completions"):
            return None
        tools = request.get("tools") or []
        step = "tool" if tools and not _openai_has_tool_result(request.get("messages", [])) else "final"
        if step == "tool":
            name = tools[0].get("function", {}).get("name", TOOL_NAME)
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{number}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(TOOL_ARGUMENTS)}}]}
            finish = "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": FINAL_REPLY}, "stop"
        prompt, cached, completion = OPENAI_USAGE[step]
        return {"id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1795000000 + number,
                "model": model, "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion,
                          "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                        "accepted_prediction_tokens": 0,
                                                        "rejected_prediction_tokens": 0}}}

    return answer


def anthropic_agent(model: str | None = None) -> Answer:
    """Messages for a tool-calling agent: a tool_use first, then the final text (`model`, else the requested one)."""

    def answer(path: str, request: dict, number: int) -> dict | None:
        if path != "/v1/messages":
            return None
        tools = request.get("tools") or []
        step = "tool" if tools and not _has_tool_result(request.get("messages", [])) else "final"
        if step == "tool":
            content = [{"type": "tool_use", "id": f"toolu_{number}", "name": tools[0]["name"],
                        "input": TOOL_ARGUMENTS}]
            stop_reason = "tool_use"
        else:
            content, stop_reason = [{"type": "text", "text": FINAL_REPLY}], "end_turn"
        tokens, cache_read, cache_creation, output = ANTHROPIC_USAGE[step]
        return {"id": f"msg_{number}", "type": "message", "role": "assistant",
                "model": model or request.get("model", "unknown"), "content": content,
                "stop_reason": stop_reason, "stop_sequence": None,
                "usage": {"input_tokens": tokens, "output_tokens": output,
                          "cache_creation_input_tokens": cache_creation, "cache_read_input_tokens": cache_read}}

    return answer


def _sse_anthropic(message: dict) -> list[tuple[str, dict]]:
    """The Messages streaming events that deliver `message` (usage: input and cache at the start, output at the end)."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": {**usage, "output_tokens": 0}}
    events: list[tuple[str, dict]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opening, delta = {**block, "input": {}}, {"type": "input_json_delta",
                                                       "partial_json": json.dumps(block["input"])}
        else:
            opening, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": block["text"]}
        events += [("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening}),
                   ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
                   ("content_block_stop", {"type": "content_block_stop", "index": index})]
    events += [("message_delta", {"type": "message_delta", "usage": {"output_tokens": usage["output_tokens"]},
                                  "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None}}),
               ("message_stop", {"type": "message_stop"})]
    return events


def _sse_openai(completion: dict) -> list[tuple[str, dict]]:
    """The chat.completion.chunk events that deliver `completion`, usage in a last chunk without choices."""
    choice = completion["choices"][0]
    message = choice["message"]
    delta: dict = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(message["tool_calls"])]
    base = {key: completion[key] for key in ("id", "created", "model", "system_fingerprint") if key in completion}
    chunk = {**base, "object": "chat.completion.chunk"}
    return [("", {**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}]}),
            ("", {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"],
                                        "logprobs": None}]}),
            ("", {**chunk, "choices": [], "usage": completion["usage"]})]


def failing(answer: Answer, after: int = 0, status: int = 500) -> Answer:
    """`answer`, but every request from the `after`-th on (counting from 0) gets `status` with an error body."""

    def fail(path: str, request: dict, number: int) -> dict | tuple[int, dict] | None:
        payload = answer(path, request, number)
        if payload is None or number < after:
            return payload
        return status, {"type": "error", "error": {"type": "api_error", "message": "fake upstream failure"}}

    return fail


class FakeLLM:
    """`with FakeLLM(answer) as llm:` serves on a free loopback port; `llm.url` is the base URL for the client."""

    def __init__(self, answer: Answer = anthropic_messages) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                payload = answer(self.path.split("?")[0], body, len(fake.requests))
                if payload is None:
                    self._send(404, {"error": {"type": "not_found_error", "message": f"no route {self.path}"}})
                    return
                status = 200
                if isinstance(payload, tuple):
                    status, payload = payload
                fake.requests.append(body)
                fake.statuses.append(status)
                if status == 200 and body.get("stream") and payload.get("type") == "message":
                    self._stream(_sse_anthropic(payload), done=False)
                elif status == 200 and body.get("stream") and payload.get("object") == "chat.completion":
                    self._stream(_sse_openai(payload), done=True)
                else:
                    self._send(status, payload)

            def _stream(self, events: list[tuple[str, dict]], done: bool) -> None:
                lines = [(f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"
                         for name, data in events]
                data = ("".join(lines) + ("data: [DONE]\n\n" if done else "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
