"""Field by field, what each REST receiver must refuse or store: empty and odd ids, extreme sizes and counts,
instants at the calendar's ends, wrong types."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tests.reliability import hostile, payloads
from tests.reliability.cases import ACCEPTED, ACCEPTED_OR_4XX, ANY_4XX, JSON, Case, exactly, http
from tests.reliability.rest_routes import (
    AGENT_END,
    AGENT_END_BATCH,
    AGENTD_EVENT,
    AGENTD_RUN,
    LEGACY,
    LEGACY_BATCH,
    TELEMETRY,
    TELEMETRY_BATCH,
    Document,
)

MAX = 2**63 - 1


def _surrogate_in(key: str) -> Callable[[bytes], bytes]:
    """A lone UTF-16 surrogate escaped at the start of the string field `key`: valid JSON text, no valid string."""
    return lambda text: text.replace(f'"{key}": "'.encode(), f'"{key}": "\\ud800'.encode(), 1)


def put(*changes: tuple[tuple[str | int, ...], Any]) -> Callable[[Document], Document]:
    """Set each (path, value); a value of DROP removes the key."""
    def change(document: Document) -> Document:
        for path, value in changes:
            node = document
            for key in path[:-1]:
                node = node[key]
            if value is DROP:
                del node[path[-1]]
            else:
                node[path[-1]] = copy.deepcopy(value)
        return document
    return change


DROP = object()


def _nan_at(*path: str | int) -> Callable[[bytes], bytes]:
    """NaN where free-form JSON may hold any number: the README says it is stored as null."""
    return lambda text: hostile.raw_json(json.loads(text), path, "NaN")
ODD = {name: text for name, text in hostile.STRINGS.items() if name != "empty"}


def _agentd_run() -> list[Case]:
    c = AGENTD_RUN.case
    event = payloads.STREAMED
    cases = [
        c("run_id empty", put((("run_id",), "")), ANY_4XX),
        c("run_id blank", put((("run_id",), "   ")), ACCEPTED_OR_4XX),
        c("run_id 60 KB", put((("run_id",), "r" * 60_000)), ACCEPTED_OR_4XX),
        c("run_id a number", put((("run_id",), 123)), ANY_4XX),
        c("run_id null", put((("run_id",), None)), ANY_4XX),
        c("run_id with a lone surrogate", expect=exactly(400), body=_surrogate_in("run_id")),
        c("trace_id 10 KB", put((("trace_id",), "t" * 10_000))),
        c("every token count 2**63-1", put((("tokens",), dict.fromkeys(("input", "output", "cache_read",
                                                                        "cache_write"), MAX))), ACCEPTED_OR_4XX),
        c("input and output tokens 2**63-1", put((("tokens",), {"input": MAX, "output": MAX})), ACCEPTED_OR_4XX),
        c("input and output tokens 2**63-1, again", put((("tokens",), {"input": MAX, "output": MAX})),
          ACCEPTED_OR_4XX),
        c("every cost 1e308", put(*(((key,), 1e308) for key in ("cost_usd", "sdk_cost_usd", "estimated_cost_usd"))),
          ACCEPTED_OR_4XX),
        c("cost 1e308, again", put((("cost_usd",), 1e308)), ACCEPTED_OR_4XX),
        c("cost -1e308", put((("cost_usd",), -1e308)), ACCEPTED_OR_4XX),
        c("started_at year 1", put((("started_at",), "0001-01-01T00:00:00Z")), ACCEPTED_OR_4XX),
        c("started_at the last microsecond of 9999", put((("started_at",), "9999-12-31T23:59:59.999999Z")),
          ACCEPTED_OR_4XX),
        c("started_at past 9999 once in UTC", put((("started_at",), "9999-12-31T23:59:59-01:00")), ANY_4XX),
        c("started_at year 10000", put((("started_at",), "+10000-01-01T00:00:00Z")), ANY_4XX),
        c("started_at February 30", put((("started_at",), "2026-02-30T00:00:00Z")), ANY_4XX),
        c("started_at empty", put((("started_at",), "")), ANY_4XX),
        c("started_at a number", put((("started_at",), 1795388241)), ACCEPTED_OR_4XX),
        c("started_at 1e308", put((("started_at",), 1e308)), ANY_4XX),
        c("finished before it started", put((("finished_at",), "2000-01-01T00:00:00Z"))),
        c("status empty", put((("status",), "")), ANY_4XX),
        c("status null", put((("status",), None)), ANY_4XX),
        c("tokens a list", put((("tokens",), [1, 2])), ANY_4XX),
        c("events an object", put((("events",), {"a": 1})), ANY_4XX),
        c("metadata a string", put((("metadata",), "meta")), ANY_4XX),
        c("10,000 events", put((("events",), [{**event, "event_id": f"e{i}", "sequence_number": i}
                                              for i in range(10_000)]))),
        c("one event_id twice", put((("events",), [{**event, "event_id": "same"}] * 2))),
        c("an event of type null", put((("events", 0, "type"), None)), ANY_4XX),
        c("NaN in metadata", body=_nan_at("metadata", "score")),
        c("NaN in tool_input", body=_nan_at("events", 3, "tool_input", "q")),
        c("metadata nested 200 deep", put((("metadata",), _deep(200))), ACCEPTED_OR_4XX),
        c("metadata with 10,000 keys", put((("metadata",), {f"k{i}": i for i in range(10_000)}))),
        c("1,000 unknown fields", lambda doc: {**doc, **{f"unknown{i}": i for i in range(1000)}}),
        c("10,000 tool call summaries", put((("tool_calls",), [{"tool": f"t{i}", "count": 1} for i in range(10_000)]))),
        c("prompt 1 MB", put((("prompt",), hostile.text_of(1 << 20)))),
        c("prompt 10 MB", put((("prompt",), hostile.text_of(10 << 20)))),
        c("event content 1 MB", put((("events", 1, "content"), hostile.text_of(1 << 20)))),
        c("event content 10 MB", put((("events", 1, "content"), hostile.text_of(10 << 20)))),
        c("error stack 1 MB", put((("error",), {"type": "E", "message": "m", "stack": hostile.text_of(1 << 20)}))),
    ]
    # Stored as sent, or refused (an id may be bounded), never a 500.
    cases += [c(f"run_id {name}", put((("run_id",), text)), ACCEPTED_OR_4XX) for name, text in ODD.items()]
    cases += [c(f"agent_id {name}", put((("agent_id",), text)), ACCEPTED_OR_4XX) for name, text in ODD.items()]
    return cases


def _deep(depth: int) -> dict:
    node: dict = {"leaf": 1}
    for _ in range(depth):
        node = {"a": node}
    return node


def _agentd_event() -> list[Case]:
    c = AGENTD_EVENT.case
    cases = [
        c("event_id empty", put((("event_id",), "")), ANY_4XX),
        c("type llm_call", put((("type",), "llm_call")), ANY_4XX),
        c("timestamp empty", put((("timestamp",), "")), ANY_4XX),
        c("NaN in tool_input", put((("tool_input",), {"q": 0})), body=_nan_at("tool_input", "q")),
        c("content 10 MB", put((("content",), hostile.text_of(10 << 20)))),
        c("every token count 2**63-1", put((("tokens",), dict.fromkeys(("input", "output", "cache_read",
                                                                        "cache_write"), MAX))), ACCEPTED_OR_4XX),
    ]
    cases += [c(f"event_id {name}", put((("event_id",), text)), ACCEPTED_OR_4XX) for name, text in ODD.items()]
    # The run id in the path: odd ones are stored under what the path decodes to; a slash is another route.
    for name, run_id in {"unicode": "rün-ïd-ü", "NUL": "a\x00b", "space": "a b", "1,000 characters": "r" * 1000,
                         "SQL": "'; DROP TABLE events; --", "dot-dot": ".."}.items():
        what = f"AgentD event: path run id {name}"
        uid = payloads.uid_of(what)
        document = payloads.agentd_event(uid)
        # Dots spelled %2E: the client would otherwise resolve ".." before sending.
        path = quote(run_id, safe="").replace(".", "%2E")
        cases.append(http(what, f"POST /v1/runs/{path}/events", json.dumps(document).encode(), JSON,
                          ACCEPTED_OR_4XX if name == "dot-dot" else ACCEPTED, (("events", "event_id", uid),)))
    # An id may hold a slash: the routes take it whole.
    what = "AgentD event: path run id with an encoded slash"
    uid = payloads.uid_of(what)
    cases.append(http(what, "POST /v1/runs/a%2Fb/events", json.dumps(payloads.agentd_event(uid)).encode(), JSON,
                      ACCEPTED, (("events", "event_id", uid),)))
    return cases


def _agent_end() -> list[Case]:
    c, b = AGENT_END.case, AGENT_END_BATCH.case
    event = payloads.AGENT_END
    return [
        c("no event_id, trace_id empty", put((("event_id",), DROP), (("trace_id",), "")), ANY_4XX),
        c("event_id empty (the trace_id names the run)", put((("event_id",), ""))),
        c("event_id 65 characters", put((("event_id",), "e" * 65)), exactly(422)),
        c("status exploded", put((("status",), "exploded")), exactly(422)),
        c("no agent_id", put((("agent_id",), DROP)), exactly(422)),
        c("metadata over 64 KB", put((("metadata",), {"blob": "x" * 70_000})), exactly(422)),
        c("NaN in metadata", body=_nan_at("metadata", "score")),
        c("metadata.steps a string", put((("metadata", "steps"), "steps"))),
        c("1,000 tool calls in metadata", put((("metadata", "tool_calls_detail"),
                                               [{"name": f"t{i}", "status": "success"} for i in range(1000)]))),
        c("ts 0 and a duration of 2**53 ms", put((("ts",), 0), (("duration_ms",), 2**53)), ANY_4XX),
        c("every cost 1e308", put((("cost_usd",), 1e308), (("estimated_cost_usd",), 1e308)), ACCEPTED_OR_4XX),
        c("every token count at its bound", put(*(((key,), 10_000_000) for key in (
            "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")))),
        c("error with secrets", put((("error",), "sk-" + "a" * 40 + " Bearer " + "b" * 30 + " password=hunter2"))),
        c("10,000 tool names", put((("tool_names",), [f"t{i}" for i in range(10_000)])), ACCEPTED_OR_4XX),
        c("agent_id with an RTL override", put((("agent_id",), hostile.STRINGS["RTL override"]))),
        b("no events", put((("events",), [])), exactly(422)),
        b("101 events", lambda doc: {"events": [{**event, "event_id": f"e{i}"} for i in range(101)]}, exactly(422)),
        b("100 events", lambda doc: {"events": [{**doc["events"][0], "event_id": f"{i}{doc['events'][0]['event_id']}"}
                                                for i in range(100)]}),
        b("one invalid among valid ones", lambda doc: {"events": [*doc["events"], {**event, "status": "?"}]},
          exactly(422)),
        b("events an object", put((("events",), {"a": 1})), exactly(422)),
        b("the same event twice", lambda doc: {"events": doc["events"] * 2}),
    ]


def _telemetry() -> list[Case]:
    c, b = TELEMETRY.case, TELEMETRY_BATCH.case
    return [
        c("name empty", put((("name",), "")), exactly(422)),
        c("level a number", put((("level",), 5)), exactly(422)),
        c("no schema_version", put((("schema_version",), DROP)), exactly(422)),
        c("timestamp yesterday", put((("timestamp",), "yesterday")), exactly(422)),
        c("attributes a list", put((("attributes",), [1])), exactly(422)),
        c("trace_id empty (the session names the run)", put((("trace_id",), ""))),
        c("trace_id null-trace", put((("trace_id",), "null-trace"))),
        c("trace_id 10 KB", put((("trace_id",), "t" * 10_000))),
        c("name 10 KB", put((("name",), "n" * 10_000))),
        c("10,000 attributes", lambda doc: {**doc, "attributes": {**doc["attributes"],
                                                                  **{f"a{i}": i for i in range(10_000)}}}),
        c("an attribute of 10 MB", put((("attributes", "llm.response.text"), hostile.text_of(10 << 20)))),
        c("1,000 extra top-level keys", lambda doc: {**doc, **{f"x{i}": i for i in range(1000)}}),
        c("input and output tokens 2**63-1", put((("attributes", "llm.usage.input_tokens"), MAX),
                                                 (("attributes", "llm.usage.output_tokens"), MAX)), ACCEPTED_OR_4XX),
        c("a security alert with odd fields", put((("name",), "security.content.dangerous"),
                                                  (("attributes", "security.severity"), {"not": "a string"}),
                                                  (("attributes", "security.keywords"), ["k"] * 10_000)),
          ACCEPTED_OR_4XX),
        c("name with a lone surrogate", expect=exactly(400), body=_surrogate_in("name")),
        b("no events", put((("events",), [])), exactly(201)),
        b("1,000 events", lambda doc: {"events": [{**doc["events"][0], "name": f"llm.call.finish.{i}"}
                                                  for i in range(1000)]}),
        b("one invalid among valid ones", lambda doc: {"events": [*doc["events"], {"name": ""}]}, exactly(422)),
        b("events null", put((("events",), None)), exactly(422)),
    ]


def _legacy() -> list[Case]:
    c, b = LEGACY.case, LEGACY_BATCH.case
    return [
        c("no agent_id", put((("agent_id",), DROP)), exactly(400)),
        c("agent_id empty", put((("agent_id",), "")), exactly(400)),
        c("agent_id a number", put((("agent_id",), 5)), exactly(400)),
        c("no event_type", put((("event_type",), DROP)), exactly(400)),
        c("timestamp a number", put((("timestamp",), 5)), exactly(400)),
        c("timestamp garbage", put((("timestamp",), "garbage")), exactly(400)),
        c("timestamp past 9999 once in UTC", put((("timestamp",), "9999-12-31T23:59:59-05:00")), exactly(400)),
        c("timestamp year 1", put((("timestamp",), "0001-01-01T00:00:00")), ACCEPTED_OR_4XX),
        c("level a number", put((("level",), 5)), exactly(400)),
        c("data a list", put((("data",), [1, 2]))),
        c("data 10 MB of text", put((("data", "text"), hostile.text_of(10 << 20)))),
        c("session_id empty", put((("session_id",), "")), ACCEPTED),
        c("a dangerous alert", put((("alert",), "dangerous"))),
        b("an object, not an array", lambda doc: doc[0], exactly(400)),
        b("an empty array", lambda doc: [], exactly(400)),
        b("an array of numbers", lambda doc: [1, 2], exactly(400)),
        b("1,000 events", lambda doc: [{**doc[0], "event_type": f"LLM_call_finish_{i}"} for i in range(1000)]),
        b("one invalid among valid ones", lambda doc: [*doc, {"agent_id": "a"}], exactly(400)),
    ]


def field_cases() -> list[Case]:
    return _agentd_run() + _agentd_event() + _agent_end() + _telemetry() + _legacy()
