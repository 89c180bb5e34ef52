"""RunService (ExportRuns, ExportEvents): broken protobuf, and runs and events with values the REST twin refuses."""

from __future__ import annotations

import random
from collections.abc import Callable

from google.protobuf.struct_pb2 import Struct

from collector.contract import runs_pb2
from tests.reliability import hostile
from tests.reliability.cases import ACCEPTED, INVALID_ARGUMENT, OK_OR_INVALID, Case, Expect, exactly, grpc
from tests.reliability.ingest import EXPORT_EVENTS, EXPORT_RUNS, TRACE_EXPORT, run_rows
from tests.reliability.payloads import agent_span, event_entry, run_message, traces, uid_of

MAX = 2**63 - 1


def _set(path: str, value: object) -> Callable[[object], None]:
    """Set a dotted field path on a message."""
    *parents, last = path.split(".")

    def change(message: object) -> None:
        for name in parents:
            message = getattr(message, name)
        setattr(message, last, value)
    return change


def _nested_struct(depth: int) -> Struct:
    struct = Struct()
    node = struct
    for _ in range(depth):
        node = node.get_or_create_struct("a")
    return struct


# (what, change to a valid run, expectation)
RUNS: list[tuple[str, Callable[[runs_pb2.Run], None], Expect]] = [
    ("valid", lambda run: None, ACCEPTED),
    ("run_id empty", _set("run_id", ""), INVALID_ARGUMENT),
    ("run_id 60 KB", _set("run_id", "r" * 60_000), OK_OR_INVALID),
    ("run_id with a NUL and unicode", _set("run_id", "a\x00b-ünï-\u202e"), ACCEPTED),
    ("input and output tokens 2**63-1", lambda run: (_set("tokens.input", MAX)(run),
                                                     _set("tokens.output", MAX)(run)), OK_OR_INVALID),
    ("tokens -2**63", _set("tokens.input", -(2**63)), INVALID_ARGUMENT),
    ("cost 1e308", _set("cost_usd", 1e308), OK_OR_INVALID),
    ("cost NaN", _set("cost_usd", float("nan")), INVALID_ARGUMENT),
    ("cost -Inf", _set("cost_usd", float("-inf")), INVALID_ARGUMENT),
    ("duration -2**63", _set("duration_ms", -(2**63)), OK_OR_INVALID),
    ("started_at 2**62 seconds", _set("started_at.seconds", 2**62), INVALID_ARGUMENT),
    ("started_at 2**31-1 nanos", _set("started_at.nanos", 2**31 - 1), OK_OR_INVALID),
    ("no started_at", lambda run: run.ClearField("started_at"), INVALID_ARGUMENT),
    ("status 99", _set("status", 99), INVALID_ARGUMENT),
    ("an event of type UNSPECIFIED", lambda run: _set("type", 0)(run.events[0]), INVALID_ARGUMENT),
    ("NaN in metadata", lambda run: run.metadata.update({"score": float("nan")}), OK_OR_INVALID),
    ("metadata nested 25 deep", lambda run: run.metadata.CopyFrom(_nested_struct(25)), OK_OR_INVALID),
    ("prompt 10 MB", _set("prompt", hostile.text_of(10 << 20)), ACCEPTED),
]

EVENTS: list[tuple[str, Callable[[runs_pb2.RunEventEntry], None], Expect]] = [
    ("valid", lambda entry: None, ACCEPTED),
    ("run_id empty", _set("run_id", ""), INVALID_ARGUMENT),
    ("run_id 60 KB", _set("run_id", "r" * 60_000), OK_OR_INVALID),
    ("no event", lambda entry: entry.ClearField("event"), INVALID_ARGUMENT),
    ("event_id empty", _set("event.event_id", ""), INVALID_ARGUMENT),
    ("type UNSPECIFIED", _set("event.type", 0), INVALID_ARGUMENT),
    ("no timestamp", lambda entry: entry.event.ClearField("timestamp"), INVALID_ARGUMENT),
    ("NaN in tool_input", lambda entry: entry.event.tool_input.update({"q": float("nan")}), OK_OR_INVALID),
    ("every token count 2**63-1", lambda entry: [_set(f"event.tokens.{name}", MAX)(entry) for name in (
        "input", "output", "cache_read", "cache_write")], OK_OR_INVALID),
]


def _run_case(what: str, change: Callable[[runs_pb2.Run], None], expect: Expect) -> Case:
    name = f"RunService ExportRuns: {what}"
    run = run_message(uid_of(name))
    change(run)
    return grpc(name, EXPORT_RUNS, runs_pb2.ExportRunsRequest(runs=[run]).SerializeToString(), expect,
                run_rows(run.run_id))


def _event_case(what: str, change: Callable[[runs_pb2.RunEventEntry], None], expect: Expect) -> Case:
    name = f"RunService ExportEvents: {what}"
    uid = uid_of(name)
    entry = event_entry(uid, uid)
    change(entry)
    return grpc(name, EXPORT_EVENTS, runs_pb2.ExportEventsRequest(events=[entry]).SerializeToString(), expect,
                (("events", "event_id", entry.event.event_id),))


def _copies(template: runs_pb2.Run, count: int, name: str) -> list[runs_pb2.Run]:
    """`count` copies of the run under ids of their own, events included (parsing each from JSON takes seconds)."""
    runs = []
    for i in range(count):
        run = runs_pb2.Run()
        run.CopyFrom(template)
        run.run_id = uid_of(f"{name} {i}")
        for j, event in enumerate(run.events):
            event.event_id = f"{run.run_id}:{j}"
        runs.append(run)
    return runs


def _many() -> list[Case]:
    name = "RunService ExportRuns: 1,000 runs"
    runs = _copies(run_message(uid_of(name)), 1000, name)
    template = event_entry("many", "template")
    entries = []
    for i in range(1000):
        entry = runs_pb2.RunEventEntry()
        entry.CopyFrom(template)
        entry.event.event_id = uid_of(f"RunService ExportEvents: 1,000 events {i}")
        entries.append(entry)
    return [
        grpc(name, EXPORT_RUNS, runs_pb2.ExportRunsRequest(runs=runs).SerializeToString(),
             lookups=tuple(row for run in runs for row in run_rows(run.run_id))),
        grpc("RunService ExportEvents: 1,000 events", EXPORT_EVENTS,
             runs_pb2.ExportEventsRequest(events=entries).SerializeToString(),
             lookups=tuple(("events", "event_id", entry.event.event_id) for entry in entries)),
    ]


def _broken(method: str, valid: bytes, rng: random.Random) -> list[Case]:
    """Bytes that are not the method's request; undecodable ones are the client's fault (INVALID_ARGUMENT)."""
    label = method.rsplit("/", 1)[1]
    bodies = {
        "empty": (b"", ACCEPTED),
        "1 KB of random bytes": (rng.randbytes(1024), INVALID_ARGUMENT),
        "truncated": (valid[: len(valid) // 2], INVALID_ARGUMENT),
        "a length prefix past the end": (b"\x0a\xff\xff\xff\xff\x0f", INVALID_ARGUMENT),
        "invalid UTF-8 in a string": (valid.replace(b"reliability", b"reliabilit\xff", 1), INVALID_ARGUMENT),
        "an OTLP trace export": (traces(agent_span("wrong-service")).SerializeToString(), OK_OR_INVALID),
        "one byte over the 64 MiB cap": (hostile.over_the_cap(), exactly("RESOURCE_EXHAUSTED")),
    }
    return [grpc(f"RunService {label}: {what}", method, body, expect) for what, (body, expect) in bodies.items()]


def runservice_cases(seed: int) -> list[Case]:
    rng = random.Random(f"{seed}:runservice")
    valid_runs = runs_pb2.ExportRunsRequest(runs=[run_message("reliability-shape")]).SerializeToString()
    valid_events = runs_pb2.ExportEventsRequest(events=[event_entry("reliability-shape", "reliability-shape")]
                                                ).SerializeToString()
    return ([_run_case(*case) for case in RUNS] + [_event_case(*case) for case in EVENTS] + _many()
            + _broken(EXPORT_RUNS, valid_runs, rng) + _broken(EXPORT_EVENTS, valid_events, rng)
            + [grpc("RunService: an unknown method", "/agent_collector.v1.RunService/ExportNothing", b"",
                    exactly("UNIMPLEMENTED")),
               grpc("OTLP: an unknown service", TRACE_EXPORT.replace("TraceService", "NoService"), b"",
                    exactly("UNIMPLEMENTED"))])
