"""Where an OTLP span's cost goes: each stage of the ingest path timed in-process, per span, on one thread.

    python -m tests.benchmarks.bench_stages [--requests 160] [--group 4] [--spans-per-request 512]

Builds --requests ExportTraceServiceRequests of bench_otlp's agent traces, then runs them through the collector's own
stages one after the other, as the server does, in one process on a throw-away database: protobuf decoding, mapping
to rows, the security scan and the Arrow tables (a worker process's share, workers.py), then the writer's
transaction, group by group (--group requests per commit, as group commit gathers them), statement by statement,
with the commit and DuckDB's checkpoints (the last one forced at the end, so every stage pays for what it wrote).
Prints wall and CPU µs per span per stage (CPU counts every thread, DuckDB's included) and what each side alone
would allow: the worker process and the writer thread run in parallel, so on a 2-core machine the slower side
bounds spans/s.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from analytics import ingest
from collector.receivers.otlp import export_traces
from collector.security import scanner
from collector.store import Store
from tests.benchmarks.bench_otlp import build_request
from tests.benchmarks.common import command_row, machine_row, print_table

MODULE = "tests.benchmarks.bench_stages"


class Clock:
    """Wall and CPU (all threads of the process) seconds per stage."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.order: list[str] = []

    def add(self, stage: str, wall: float, cpu: float) -> None:
        self.wall[stage] += wall
        self.cpu[stage] += cpu
        if stage not in self.order:
            self.order.append(stage)

    def timed(self, stage: str, call, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call(*args)
        self.add(stage, time.perf_counter() - wall, time.process_time() - cpu)
        return result


def _label(statement: str) -> str:
    """The statement's first SQL words: `INSERT INTO spans`, `CREATE OR REPLACE TEMP TABLE trace_runs`."""
    code = " ".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
    words = re.sub(r"\s+", " ", code).strip().split(" ")
    head = next((i for i, word in enumerate(words) if word.upper() in ("TABLE", "INTO", "FROM", "UPDATE")), 2)
    return "SQL: " + " ".join(words[:head + 2]).rstrip("(")


class TimedConnection:
    """The writer's connection with every statement and the commit timed; ingest.write needs nothing else."""

    def __init__(self, con, clock: Clock):
        self._con, self._clock = con, clock

    def __getattr__(self, name: str):
        return getattr(self._con, name)

    def execute(self, statement: str, *args):
        return self._clock.timed(_label(statement), self._con.execute, statement, *args)

    def commit(self):
        return self._clock.timed("commit (WAL, automatic checkpoints)", self._con.commit)


def measure(requests: list[bytes], group: int) -> tuple[Clock, list[str], list[str]]:
    """The clock, and which of its stages run in a worker process and which in the writer thread."""
    clock = Clock()
    exports = [clock.timed("protobuf decode", ExportTraceServiceRequest.FromString, body) for body in requests]
    batches = [clock.timed("map spans to rows (attributes, semconv, cost)", export_traces, request).batch
               for request in exports]
    inspected = [clock.timed("security scan", scanner.inspect, batch, ()) for batch in batches]
    tables = [clock.timed("Arrow tables from the batch columns", batch.in_arrow) for batch in inspected]
    worker = list(clock.order)
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        with store.writing() as writing:
            con = TimedConnection(writing, clock)
            for start in range(0, len(tables), group):
                statements_before = sum(clock.wall.values())
                wall = time.perf_counter()
                ingest.write(con, tables[start:start + group])
                # What ingest.write spent outside statements and the commits: joining the group's tables, registering
                # them and reading them back from the landing tables (Python, so its CPU is its wall time).
                staging = time.perf_counter() - wall - (sum(clock.wall.values()) - statements_before)
                clock.add("the group's tables joined, registered, landed and read back", staging, staging)
        clock.timed("final checkpoint (the rest of the data's)", store.close)
    return clock, worker, [stage for stage in clock.order if stage not in worker]


def rows(clock: Clock, worker: list[str], writer: list[str], spans: int) -> list[tuple[str, ...]]:
    def per_span(seconds: float) -> float:
        return seconds / spans * 1e6

    table = [("stage", "wall µs/span", "CPU µs/span", "alone: spans/s")]
    for side, stages in (("worker process", worker), ("writer thread", writer)):
        for stage in stages:
            wall = per_span(clock.wall[stage])
            table.append((f"  {side}: {stage}", f"{wall:.2f}", f"{per_span(clock.cpu[stage]):.2f}",
                          f"{1e6 / wall:,.0f}" if wall else "-"))
        total = per_span(sum(clock.wall[s] for s in stages))
        table.append((f"{side}, total", f"{total:.2f}", f"{per_span(sum(clock.cpu[s] for s in stages)):.2f}",
                      f"{1e6 / total:,.0f}"))
    worker_wall, writer_wall = (per_span(sum(clock.wall[s] for s in stages)) for stages in (worker, writer))
    table.append(("bound: the slower side, when the two overlap", f"{max(worker_wall, writer_wall):.2f}", "",
                  f"{1e6 / max(worker_wall, writer_wall):,.0f}"))
    table.append(("everything on one core", f"{worker_wall + writer_wall:.2f}", "",
                  f"{1e6 / (worker_wall + writer_wall):,.0f}"))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=160, help="requests to ingest (default %(default)s)")
    parser.add_argument("--group", type=int, default=4, help="requests per commit (default %(default)s)")
    parser.add_argument("--spans-per-request", type=int, default=512, help="(default %(default)s)")
    args = parser.parse_args(argv)
    rng = random.Random(6)
    requests = [build_request(args.spans_per_request, i % 8, rng).SerializeToString() for i in range(args.requests)]
    clock, worker, writer = measure(requests, args.group)
    spans = args.requests * args.spans_per_request
    print_table("OTLP ingest cost per stage, in-process", [
        command_row(MODULE),
        machine_row(),
        ("load", f"{args.requests} requests of {args.spans_per_request} spans, {args.group} per commit"),
    ])
    print_table("", rows(clock, worker, writer, spans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
