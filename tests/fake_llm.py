"""A local stand-in for LLM provider APIs, so real client libraries can make LLM calls in tests.

`FakeLLM(answer)` serves on a free loopback port in a thread; `answer(path, request, number)` returns the JSON to
send for the number-th request answered (from 0), or None for a 404. It keeps every request body it answered in
`requests`. `anthropic_messages` answers the Anthropic
Messages API: a `message` with usage 42 in / 7 out and the requested model; a request that offers tools and has no
tool_result yet gets a tool_use block instead (stop_reason "tool_use").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INPUT_TOKENS, OUTPUT_TOKENS = 42, 7
REPLY = "It is sunny."

Answer = Callable[[str, dict, int], "dict | None"]


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


class FakeLLM:
    """`with FakeLLM(answer) as llm:` serves on a free loopback port; `llm.url` is the base URL for the client."""

    def __init__(self, answer: Answer = anthropic_messages) -> None:
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                payload = answer(self.path.split("?")[0], body, len(fake.requests))
                if payload is None:
                    self._send(404, {"error": {"type": "not_found_error", "message": f"no route {self.path}"}})
                    return
                fake.requests.append(body)
                self._send(200, payload)

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
