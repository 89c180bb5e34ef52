"""Part (a): kill -9 the collector under mixed ingest on every path, restart it, and find every acknowledged item.

Each cycle starts the collector on the same file, drives it from several client threads over every ingest path at
once (tests/reliability/ingest.py), kills the server and its worker processes with SIGKILL after a random 0.5-3 s,
restarts it on the file (the write-ahead log is replayed), stops it cleanly and reads the file directly: every row
of every item that was ever answered 2xx / OK, in this cycle or an earlier one, must be there.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.reliability import servers, stored
from tests.reliability.cases import Case, Lookup
from tests.reliability.ingest import KINDS
from tests.reliability.outcome import accepted
from tests.reliability.report import Part
from tests.reliability.wire import Target

THREADS = 12
KILL_AFTER_SECONDS = (0.5, 3.0)


@dataclass(frozen=True)
class Acked:
    cycle: int
    kind: str
    case: Case


class _Load:
    """The client threads of one cycle and what they were answered."""

    def __init__(self, collector, cycle: int, seed: int, part: Part):
        self.collector, self.cycle, self.seed, self.part = collector, cycle, seed, part
        self.killed = threading.Event()
        self.lock = threading.Lock()
        self.acked: list[Acked] = []

    def client(self, thread: int) -> None:
        kinds = list(KINDS.items())
        random.Random(f"{self.seed}:kill:{self.cycle}:{thread}").shuffle(kinds)
        target = Target.of(self.collector)
        try:
            for n in itertools.count():
                kind, make = kinds[n % len(kinds)]
                case = make(f"k{self.cycle}t{thread}n{n}")
                answer = target.send(case)
                if self.killed.is_set() and answer.no_answer:
                    return  # the kill, as intended
                with self.lock:
                    self.part.saw(kind, answer)
                    if accepted(case, answer):
                        self.acked.append(Acked(self.cycle, kind, case))
                    elif not answer.backing_off:
                        self.part.fail(f"cycle {self.cycle}", f"{kind} ({case.route})",
                                       f"valid item {case.name} not accepted before the kill", answer)
                if answer.no_answer and not servers.alive(self.collector):
                    return
        finally:
            target.close()

    def run_until_killed(self, delay: float) -> list[Acked]:
        threads = [threading.Thread(target=self.client, args=(t,), daemon=True) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(delay)
        self.killed.set()
        servers.kill_hard(self.collector)
        for thread in threads:
            thread.join(30)
        return self.acked


def run(workdir: Path, *, short: bool, seed: int, cycles: int | None = None) -> Part:
    cycles = cycles or (3 if short else 20)
    part = Part("kill")
    db = workdir / "kill.duckdb"
    owner: dict[Lookup, Acked] = {}  # every row acknowledged so far, and the item that brought it
    lost: set[Lookup] = set()
    for cycle in range(cycles):
        part.cases += 1
        name = f"cycle {cycle}"
        try:
            collector = servers.start(db, workdir / f"kill-{cycle}.log")
        except RuntimeError as exc:
            part.fail(name, "start", f"the collector did not start on the killed file: {exc}")
            break
        servers.warm(collector)
        delay = random.Random(f"{seed}:kill:{cycle}").uniform(*KILL_AFTER_SECONDS)
        acked = _Load(collector, cycle, seed, part).run_until_killed(delay)
        owner |= {lookup: item for item in acked for lookup in item.case.lookups}
        try:
            restarted = servers.start(db, workdir / f"kill-{cycle}-restart.log")
        except RuntimeError as exc:
            part.fail(name, "restart", f"the collector did not restart after kill -9: {exc}")
            break
        code = restarted.stop()
        if code != 0:
            part.fail(name, "SIGTERM", f"the restarted collector exited with {code}: {servers.last_lines(restarted)}")
        for lookup in sorted(stored.missing(db, owner) - lost):
            item = owner[lookup]
            lost.add(lookup)
            part.fail(f"cycle {item.cycle}", f"{item.kind} ({item.case.route})",
                      f"acknowledged {item.case.name}, but {lookup[0]}.{lookup[1]} = {lookup[2]!r} is not stored "
                      f"(found missing after cycle {cycle})")
        part.lost = len({owner[lookup].case.name for lookup in lost})
        print(f"kill: cycle {cycle + 1}/{cycles}: killed after {delay:.2f} s, {len(acked)} acknowledged, "
              f"{part.lost} lost so far", flush=True)
    _note_paths(part, owner)
    return part


def _note_paths(part: Part, owner: dict[Lookup, Acked]) -> None:
    items = {item.case.name: item.kind for item in owner.values()}
    per_kind = Counter(items.values())
    part.notes.append(f"{len(items)} items acknowledged, {part.lost} of them lost; per path: "
                      + ", ".join(f"{kind} {per_kind[kind]}" for kind in KINDS))
    part.cases += 1
    for kind in KINDS:
        if not per_kind[kind]:
            part.fail("every path acknowledged", kind, "no item of this path was acknowledged in any cycle")
