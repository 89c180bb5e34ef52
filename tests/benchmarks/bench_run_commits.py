"""What a commit of AgentD runs costs the writer on its own, by runs per commit and as the stored rows grow.

    python -m tests.benchmarks.bench_run_commits [--sizes 8,32,128,512] [--runs 51200]

Runs the writer's path in-process, without HTTP or the event loop: bench_agentd_runs' runs (10 events each, fresh
ids, finishing RUN_SPACING apart as live traffic at 2,000 runs/s would) mapped by the AgentD receiver
(agentd.runs_batch), then written by analytics.ingest.write on a real store, timing only the write (wall time:
DuckDB works in threads of its own). First, for each size, commits of that many runs into a fresh store until 6,400
runs are stored, timing the second half. Then commits of 32 runs into one store until --runs runs are stored, timed
per eighth: a statement that replaces rows by id reads the row groups its time bound overlaps (write_runs.sql,
rollups.sql), so this shows whether a commit costs more as the stored rows of the hour and the day accumulate.
Last, commits of 32 runs alone, beside a thread that runs Python without pause (as the server's event loop does
under load), and the same with a 0.5 ms interpreter switch interval instead of 5 ms: what sharing one interpreter
with the event loop costs the writer, which takes the GIL back after every statement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from analytics import ingest
from collector.receivers.agentd import AgentRun, runs_batch
from collector.store import Store
from tests.benchmarks import bench_agentd_runs
from tests.benchmarks.bench_agentd_runs import load_template, make_payload
from tests.benchmarks.common import command_row, machine_row, print_table

MODULE = "tests.benchmarks.bench_run_commits"
RUNS_PER_SIZE = 6_400
GROWTH_COMMIT = 32
# Runs finish this far apart, as bench_agentd_runs' two clients together send them.
RUN_SPACING = bench_agentd_runs.RUN_SPACING / 2
SHARED_COMMITS = 60


def commits(db: Path, size: int, count: int):
    """Yield the wall seconds of each of `count` commits of `size` runs into a fresh store at `db`."""
    template, _ = load_template()
    store = Store(db)
    finished_at = datetime.now(UTC)
    try:
        with store.writing() as con:
            for _ in range(count):
                runs = []
                for _ in range(size):
                    finished_at += RUN_SPACING
                    runs.append(AgentRun.model_validate_json(make_payload(template, "my-agent", finished_at)))
                batch = runs_batch(runs)
                started = time.perf_counter()
                ingest.write(con, [batch])
                yield time.perf_counter() - started
    finally:
        store.close()


def _spin(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(range(10_000))


def shared(db: Path, switch_interval: float | None) -> float:
    """Mean wall seconds of the second half of SHARED_COMMITS commits of 32 runs, beside a spinning Python thread
    when `switch_interval` is given (and with that interval), else alone."""
    stop = threading.Event()
    default_interval = sys.getswitchinterval()
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
        threading.Thread(target=_spin, args=(stop,), daemon=True).start()
    try:
        timed = list(commits(db, GROWTH_COMMIT, SHARED_COMMITS))[SHARED_COMMITS // 2:]
    finally:
        stop.set()
        sys.setswitchinterval(default_interval)
    return sum(timed) / len(timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="8,32,128,512", help="runs per commit to time (default %(default)s)")
    parser.add_argument("--runs", type=int, default=51_200,
                        help=f"runs stored by the growth part, in commits of {GROWTH_COMMIT} (default %(default)s)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-run-commits-") as tmp:
        rows = [command_row(MODULE), machine_row(), ("runs per commit", "ms per commit", "runs/s")]
        for size in sizes:
            count = max(2, RUNS_PER_SIZE // size)
            timed = list(commits(Path(tmp) / f"sizes-{size}.duckdb", size, count))[count // 2:]
            per_commit = sum(timed) / len(timed)
            rows.append((f"{size:,}", f"{per_commit * 1000:.1f}", f"{size / per_commit:,.0f}"))
        print_table(f"The writer alone: commits of AgentD runs, each into a fresh store up to {RUNS_PER_SIZE:,} runs",
                    rows)
        count = args.runs // GROWTH_COMMIT
        eighth = max(1, count // 8)
        rows = [command_row(MODULE), ("runs stored", f"ms per commit of {GROWTH_COMMIT} runs")]
        window = 0.0
        for done, seconds in enumerate(commits(Path(tmp) / "growth.duckdb", GROWTH_COMMIT, count), start=1):
            window += seconds
            if done % eighth == 0:
                rows.append((f"{done * GROWTH_COMMIT:,}", f"{window / eighth * 1000:.1f}"))
                window = 0.0
        print_table("The writer alone as the stored runs accumulate", rows)
        rows = [command_row(MODULE), (f"{GROWTH_COMMIT} runs per commit", "ms per commit")]
        for label, interval in (("alone", None), ("beside a spinning Python thread", sys.getswitchinterval()),
                                ("the same, switch interval 0.5 ms", 0.0005)):
            seconds = shared(Path(tmp) / f"shared-{len(rows)}.duckdb", interval)
            rows.append((label, f"{seconds * 1000:.1f}"))
        print_table("The writer sharing its interpreter", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
