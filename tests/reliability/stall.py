"""Part (d): one huge request beside a stream of small ones; no small one may wait more than a second for its answer.

Three scenarios, each on a fresh collector: an AgentD run whose first event's content is the base64 of 3,000,000
random bytes (4 MB), a Cylestio /v1/telemetry event with the same text in an attribute, and an OTLP span with a 1 MB
random bytes attribute, each beside a stream of small requests of the same path from other threads.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from tests.reliability import payloads, servers
from tests.reliability.cases import PROTOBUF, Case, acknowledged, http
from tests.reliability.ingest import KINDS
from tests.reliability.report import Part
from tests.reliability.wire import Answer, Target

SMALL_LIMIT_SECONDS = 1.0
STREAM_THREADS = 3  # each sends one small request per tick: a few per 100 ms
TICK_SECONDS = 0.1
QUIET_SECONDS = 1.0  # of small requests alone, before and after the big one


@dataclass(frozen=True)
class Scenario:
    name: str
    big: Callable[[random.Random], Case]
    small: Callable[[str], Case]


def _base64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode()


def _agentd(rng: random.Random) -> Case:
    run = payloads.agentd_run("stall-agentd")
    run["events"][0]["content"] = _base64(rng, 3_000_000)
    return http("AgentD run, event content 4 MB of base64", "POST /v1/runs", json.dumps(run).encode())


def _cylestio(rng: random.Random) -> Case:
    event = payloads.telemetry("stall-cylestio")
    event["attributes"]["llm.response.content"] = _base64(rng, 3_000_000)
    return http("Cylestio event, attribute 4 MB of base64", "POST /v1/telemetry", json.dumps(event).encode())


def _otlp(rng: random.Random) -> Case:
    blob = AnyValue(bytes_value=rng.randbytes(1 << 20))
    span = payloads.with_attribute(payloads.agent_span("stall-otlp"), "reliability.blob", blob)
    return http("OTLP span, 1 MB random bytes attribute", "POST /v1/traces",
                payloads.traces(span).SerializeToString(), PROTOBUF)


SCENARIOS = (
    Scenario("AgentD run with 4 MB of base64 content", _agentd, KINDS["AgentD POST /v1/runs"]),
    Scenario("Cylestio event with 4 MB of base64", _cylestio, KINDS["Cylestio /v1/telemetry"]),
    Scenario("OTLP span with a 1 MB bytes attribute", _otlp, KINDS["OTLP/HTTP protobuf traces"]),
)


class _Stream:
    """Small requests from STREAM_THREADS threads, one per thread per tick, until stopped."""

    def __init__(self, collector, small: Callable[[str], Case], timeout: float):
        self.collector, self.small, self.timeout = collector, small, timeout
        self.stopped = threading.Event()
        self.answers: list[Answer] = []
        self.sending_since: dict[int, float] = {}  # thread -> when its unanswered request went out
        self.threads = [threading.Thread(target=self._send, args=(t,), daemon=True) for t in range(STREAM_THREADS)]

    def _send(self, thread: int) -> None:
        target = Target.of(self.collector, self.timeout)
        try:
            for n in range(1_000_000):
                if self.stopped.is_set():
                    return
                self.sending_since[thread] = started = time.monotonic()
                answer = target.send(self.small(f"s{thread}n{n}"))
                del self.sending_since[thread]
                self.answers.append(answer)
                time.sleep(max(0.0, TICK_SECONDS - (time.monotonic() - started)))
        finally:
            target.close()

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> list[Answer]:
        """The answers, and for requests still unanswered a "waiting" answer with how long they have waited."""
        self.stopped.set()
        deadline = time.monotonic() + 2 * SMALL_LIMIT_SECONDS
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        now = time.monotonic()
        return self.answers + [Answer("still waiting", now - since) for since in list(self.sending_since.values())]


def _scenario(number: int, scenario: Scenario, workdir: Path, part: Part, timeout: float, seed: int) -> None:
    collector = servers.start(workdir / f"stall-{number}.duckdb", workdir / f"stall-{number}.log")
    try:
        servers.warm(collector)
        stream = _Stream(collector, scenario.small, timeout)
        stream.start()
        time.sleep(QUIET_SECONDS)
        big_case = scenario.big(random.Random(f"{seed}:stall:{number}"))
        target = Target.of(collector, timeout)
        big = target.send(big_case)
        target.close()
        time.sleep(QUIET_SECONDS)
        smalls = stream.stop()
    finally:
        servers.kill_hard(collector)  # a server still busy with the big request would take long to stop
    small_route = scenario.small("route").route
    part.saw(f"{big_case.route} ({big_case.name})", big)
    for answer in smalls:
        part.saw(small_route, answer)
    if not acknowledged(big.status):
        part.fail(scenario.name, big_case.route, f"{big_case.name}: not accepted within {timeout:.0f} s", big)
    late = [a for a in smalls if a.seconds > SMALL_LIMIT_SECONDS or not acknowledged(a.status)]
    worst = max(smalls, key=lambda a: a.seconds)
    if late:
        part.fail(scenario.name, small_route,
                  f"{len(late)} of {len(smalls)} small requests waited over {SMALL_LIMIT_SECONDS:.0f} s or failed "
                  f"(worst {worst.seconds:.2f} s, shown); the big one took {big.seconds:.2f} s", worst)
    part.notes.append(f"{scenario.name}: answered {big.status} in {big.seconds:.2f} s; {len(smalls)} small "
                      f"requests beside it, the slowest {worst.seconds:.2f} s")


def run(workdir: Path, *, short: bool, seed: int) -> Part:
    """Short mode gives the big request 10 s instead of 120: plenty once it does not stall, and a stalled one fails
    either way."""
    part = Part("stall")
    for number, scenario in enumerate(SCENARIOS):
        part.cases += 1
        _scenario(number, scenario, workdir, part, 10.0 if short else 120.0, seed)
    return part
