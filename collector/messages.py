"""The prompt and completion of an LLM call, from whichever convention sent them, as one bounded JSON document.

Shape (the README's events section documents it; analytics/sql/schema/008_messages.sql combines log records'):

    {"input":  [{"role": "system"|"user"|"assistant"|"tool", "content": str | None,
                 "tool_calls": [{"id", "name", "arguments"}],   # only when the message calls tools
                 "tool_call_id": str}],                         # only on a tool's answer
     "output": [{... the same, plus "finish_reason" when the producer gave one}],
     "truncated": bool}                                         # whether anything below was cut or dropped

Sources: OTel GenAI `gen_ai.input.messages` / `gen_ai.output.messages` / `gen_ai.system_instructions` (JSON text or
structured values, on the span, on a `gen_ai.client.inference.operation.details` span event or log record); the
older per-message GenAI events (`gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
`gen_ai.tool.message`, `gen_ai.choice`) as span events or log records; Traceloop's `gen_ai.prompt.N.*` /
`gen_ai.completion.N.*`; OpenInference's `llm.input_messages.N.message.*` / `llm.output_messages.N.message.*`;
OpenLIT's `gen_ai.content.prompt` / `gen_ai.content.completion` span events.

Bounds, so that one chatty agent cannot bloat the file: every string is cut at MAX_CHARS characters with a marker
saying how many were cut; media parts become a placeholder (`[image]`); at most MAX_TOOL_CALLS tool calls a message
and MAX_MESSAGES messages a side (the first outputs, the newest inputs: the turn that was answered); and the messages
together at most MAX_DOCUMENT characters of JSON, outputs first, then inputs from the newest back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

MAX_CHARS = 4096
MAX_TOOL_CALLS = 8
MAX_MESSAGES = 32
MAX_DOCUMENT = 65536

Message = dict[str, Any]

# Names that can carry content; a span with none of them costs one pass over its keys.
_PREFIXES = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt.",
             "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.")
_ROLE_EVENTS = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
                "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool"}
_DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_INDEXED = re.compile(r"(\d+)\.(.+)")


# ---------------------------------------------------------------- values

def _parsed(raw: Any) -> Any:
    """A JSON-text attribute as its value; other values as they are."""
    if isinstance(raw, str) and raw[:1] in ("[", "{"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    return raw


def _text(raw: Any) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    return orjson.dumps(raw, default=str).decode()


def _cut(text: str | None) -> tuple[str | None, bool]:
    if text is None or len(text) <= MAX_CHARS:
        return text, False
    return f"{text[:MAX_CHARS]}…[{len(text) - MAX_CHARS} more characters]", True


def _joined(texts: Iterable[str | None]) -> str | None:
    kept = [t for t in texts if t]
    return "\n".join(kept) if kept else None


# ---------------------------------------------------------------- one message, per convention

def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {"id": _text(call_id), "name": _text(name), "arguments": _text(_parsed(arguments))}


def _message(role: Any, content: Any, tool_calls: list | None = None, tool_call_id: Any = None,
             finish_reason: Any = None) -> Message:
    message: Message = {"role": _text(role) or "user", "content": _content(content)}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if tool_call_id is not None:
        message["tool_call_id"] = _text(tool_call_id)
    if finish_reason is not None:
        message["finish_reason"] = _text(finish_reason)
    return message


def _content(raw: Any) -> str | None:
    """Text of a content value: a string, or a list of content blocks (OpenAI, Anthropic) as Traceloop sends."""
    raw = _parsed(raw)
    if isinstance(raw, list) and all(isinstance(block, dict) for block in raw):
        return _joined(_part_text(block) for block in raw)
    return _text(raw)


def _part_text(part: dict[str, Any]) -> str | None:
    kind = part.get("type")
    if kind in (None, "text", "input_text", "output_text"):
        return _text(part.get("content", part.get("text")))
    if kind in ("reasoning", "thinking"):
        return None
    return f"[{part.get('modality') or kind}]"  # an image, audio, file: what was there, never its bytes


def _parts_messages(raw: Any, output: bool = False) -> list[Message]:
    """OTel GenAI parts-based messages; a tool_call_response part is a tool message of its own."""
    messages: list[Message] = []
    for item in _parsed(raw) or ():
        if not isinstance(item, dict):
            continue
        parts = [p for p in _parsed(item.get("parts")) or () if isinstance(p, dict)]
        if "parts" not in item:  # an older producer's {"role", "content"}
            messages.append(_message(item.get("role"), item.get("content"), _openai_calls(item.get("tool_calls")),
                                     item.get("tool_call_id")))
            continue
        calls = [_tool_call(p.get("id"), p.get("name"), p.get("arguments"))
                 for p in parts if p.get("type") == "tool_call"]
        answers = [p for p in parts if p.get("type") == "tool_call_response"]
        rest = [p for p in parts if p.get("type") not in ("tool_call", "tool_call_response")]
        messages.extend(_message("tool", p.get("response", p.get("result")), tool_call_id=p.get("id"))
                        for p in answers)
        if rest or calls or not answers:
            messages.append(_message(item.get("role"), _joined(_part_text(p) for p in rest), calls,
                                     finish_reason=item.get("finish_reason") if output else None))
    return messages


def _instructions(raw: Any) -> list[Message]:
    raw = _parsed(raw)
    if raw is None:
        return []
    text = _joined(_part_text(p) for p in raw if isinstance(p, dict)) if isinstance(raw, list) else _text(raw)
    return [_message("system", text)] if text else []


def _openai_calls(raw: Any) -> list[dict[str, Any]]:
    """[{"id", "function": {"name", "arguments"}}] as the older GenAI events and OpenAI write them."""
    calls = []
    for call in _parsed(raw) or ():
        if isinstance(call, dict):
            function = _parsed(call.get("function")) or {}
            function = function if isinstance(function, dict) else {}
            calls.append(_tool_call(call.get("id"), function.get("name", call.get("name")),
                                    function.get("arguments", call.get("arguments"))))
    return calls


def _indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """`prefix.N.rest` attributes as one dict of `rest` per N, in N's order."""
    found: dict[int, dict[str, Any]] = {}
    for key, raw in attrs.items():
        if key.startswith(prefix) and (match := _INDEXED.fullmatch(key, len(prefix))):
            found.setdefault(int(match[1]), {})[match[2]] = raw
    return [found[n] for n in sorted(found)]


def _flat_messages(attrs: dict[str, Any], prefix: str, fields: dict[str, str], calls: dict[str, str],
                   output: bool) -> list[Message]:
    """Messages flattened into attributes: `fields` and `calls` name where role, content, ... and a tool call's
    id, name, arguments are under each message's and each call's keys."""
    messages = []
    for flat in _indexed(attrs, prefix):
        tool_calls = [_tool_call(c.get(calls["id"]), c.get(calls["name"]), c.get(calls["arguments"]))
                      for c in _indexed(flat, fields["tool_calls"])]
        content = flat.get(fields["content"])
        if content is None and (blocks := _indexed(flat, fields["contents"])):
            content = _joined(_part_text({"type": b.get("message_content.type"), "text": b.get("message_content.text")})
                              for b in blocks)
        messages.append(_message(flat.get(fields["role"]) or ("assistant" if output else None), content, tool_calls,
                                 flat.get(fields["tool_call_id"]),
                                 flat.get(fields["finish_reason"]) if output else None))
    return messages


_TRACELOOP = {"role": "role", "content": "content", "contents": "contents.", "tool_calls": "tool_calls.",
              "tool_call_id": "tool_call_id", "finish_reason": "finish_reason"}
_TRACELOOP_CALLS = {"id": "id", "name": "name", "arguments": "arguments"}
_OPENINFERENCE = {"role": "message.role", "content": "message.content", "contents": "message.contents.",
                  "tool_calls": "message.tool_calls.", "tool_call_id": "message.tool_call_id",
                  "finish_reason": "message.finish_reason"}
_OPENINFERENCE_CALLS = {"id": "tool_call.id", "name": "tool_call.function.name",
                        "arguments": "tool_call.function.arguments"}


def _event_messages(name: str | None, fields: Any) -> tuple[list[Message], list[Message]]:
    """(input, output) of one GenAI event: a log record's body, or a span event's attributes."""
    fields = _parsed(fields)
    if not isinstance(fields, dict):
        return [], []
    if name == _DETAILS_EVENT:
        return _span_messages(fields)
    if name in _ROLE_EVENTS:
        return [_message(fields.get("role") or _ROLE_EVENTS[name], fields.get("content"),
                         _openai_calls(fields.get("tool_calls")), fields.get("id"))], []
    if name == "gen_ai.choice":
        message = _parsed(fields.get("message")) or {}
        message = message if isinstance(message, dict) else {"content": message}
        return [], [_message(message.get("role") or "assistant", message.get("content"),
                             _openai_calls(message.get("tool_calls")), finish_reason=fields.get("finish_reason"))]
    if name == "gen_ai.content.prompt":  # OpenLIT: the whole prompt as one text
        return _parts_or_text(fields.get("gen_ai.prompt"), "user"), []
    if name == "gen_ai.content.completion":
        return [], _parts_or_text(fields.get("gen_ai.completion"), "assistant", output=True)
    return [], []


def _parts_or_text(raw: Any, role: str, output: bool = False) -> list[Message]:
    raw = _parsed(raw)
    if isinstance(raw, list):
        return _parts_messages(raw, output)
    return [_message(role, raw)] if raw is not None else []


def _span_messages(attrs: dict[str, Any]) -> tuple[list[Message], list[Message]]:
    """(input, output) the span's attributes carry, by the first convention present."""
    if "gen_ai.input.messages" in attrs or "gen_ai.output.messages" in attrs or "gen_ai.system_instructions" in attrs:
        inputs = _parts_messages(attrs.get("gen_ai.input.messages"))
        if not any(m["role"] == "system" for m in inputs):
            inputs = _instructions(attrs.get("gen_ai.system_instructions")) + inputs
        return inputs, _parts_messages(attrs.get("gen_ai.output.messages"), output=True)
    if any(key.startswith(("llm.input_messages.", "llm.output_messages.")) for key in attrs):
        return (_flat_messages(attrs, "llm.input_messages.", _OPENINFERENCE, _OPENINFERENCE_CALLS, False),
                _flat_messages(attrs, "llm.output_messages.", _OPENINFERENCE, _OPENINFERENCE_CALLS, True))
    return (_flat_messages(attrs, "gen_ai.prompt.", _TRACELOOP, _TRACELOOP_CALLS, False),
            _flat_messages(attrs, "gen_ai.completion.", _TRACELOOP, _TRACELOOP_CALLS, True))


# ---------------------------------------------------------------- bounds

def _bounded_message(message: Message) -> tuple[Message, bool]:
    cut = False
    message["content"], cut = _cut(message["content"])
    if calls := message.get("tool_calls"):
        cut |= len(calls) > MAX_TOOL_CALLS
        message["tool_calls"] = calls = calls[:MAX_TOOL_CALLS]
        for call in calls:
            for key in ("name", "arguments"):
                call[key], was_cut = _cut(call[key])
                cut |= was_cut
    return message, cut


def _size(message: Message) -> int:
    return len(orjson.dumps(message).decode())


def bounded(inputs: list[Message], outputs: list[Message]) -> str | None:
    """The document, within the bounds above; None when there is no message."""
    if not inputs and not outputs:
        return None
    truncated = len(inputs) > MAX_MESSAGES or len(outputs) > MAX_MESSAGES
    inputs, outputs = inputs[-MAX_MESSAGES:], outputs[:MAX_MESSAGES]
    for message in (*inputs, *outputs):
        truncated |= _bounded_message(message)[1]
    budget = MAX_DOCUMENT
    kept_outputs, kept_inputs = [], []
    for message in outputs:
        if (budget := budget - _size(message)) < 0:
            break
        kept_outputs.append(message)
    for message in reversed(inputs):
        if (budget := budget - _size(message)) < 0:
            break
        kept_inputs.append(message)
    kept_inputs.reverse()
    truncated |= len(kept_inputs) < len(inputs) or len(kept_outputs) < len(outputs)
    return orjson.dumps({"input": kept_inputs, "output": kept_outputs, "truncated": truncated}).decode()


# ---------------------------------------------------------------- entry points

def of_span(attrs: dict[str, Any], events: Iterable[tuple[str, dict[str, Any]]] = ()) -> str | None:
    """An LLM span's messages, from its attributes, else from its GenAI span events."""
    inputs: list[Message] = []
    outputs: list[Message] = []
    if any(key.startswith(_PREFIXES) for key in attrs):
        inputs, outputs = _span_messages(attrs)
    if not inputs and not outputs:
        for name, fields in events:
            event_inputs, event_outputs = _event_messages(name, fields)
            inputs += event_inputs
            outputs += event_outputs
    return bounded(inputs, outputs)


def of_log(event_name: str | None, body: Any, attrs: dict[str, Any]) -> str | None:
    """The messages one log record carries (a GenAI event); the records of one span are combined in SQL."""
    if not event_name or not event_name.startswith("gen_ai."):
        return None
    fields = attrs if event_name in (_DETAILS_EVENT, "gen_ai.content.prompt", "gen_ai.content.completion") else body
    inputs, outputs = _event_messages(event_name, fields)
    if not inputs and not outputs and isinstance(_parsed(body), dict):
        inputs, outputs = _event_messages(event_name, body)
    return bounded(inputs, outputs)
