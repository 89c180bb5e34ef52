"""Where an AgentD run's cost goes once it has landed: each stage timed in-process, per run, on fresh bodies.

    python -m tests.benchmarks.bench_agentd_stages [--rounds 6] [--runs 1000]

Builds --runs fresh copies of the captured agentd-sdk run (bench_agentd_runs' payloads, new ids and times each
round, so the security scan meets text it has not seen), then runs them through what a worker process does with
bodies landed as received (collector/receivers/received.py: parsing, the columns, the scan, Arrow) and what the
deriver does with the result (analytics/ingest.py, derive, into a throw-away database). Prints CPU µs per run per
stage for each round, and the median and range over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analytics import ingest
from collector.receivers import agentd
from collector.receivers.jsonbody import parse
from collector.security import scanner
from collector.store import Store
from tests.benchmarks.bench_agentd_runs import load_template, make_payload

STAGES = ("parse", "columns", "scan", "arrow", "derive")


def measure(store: Store, bodies: list[bytes], seq: int) -> dict[str, float]:
    """CPU seconds of each stage over the bodies (DuckDB's threads included: process time)."""
    spent: dict[str, float] = {}
    started = time.process_time()

    def done(stage: str) -> None:
        nonlocal started
        now = time.process_time()
        spent[stage] = now - started
        started = now

    runs = [parse(agentd.AgentRun, body) for body in bodies]
    done("parse")
    batch = agentd.runs_batch(runs)
    done("columns")
    batch = scanner.inspect(batch, ())
    done("scan")
    batch = batch.in_arrow()
    done("arrow")
    with store.writing() as con:
        ingest.derive(con, ingest.landed([batch]), seq)
    done("derive")
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=1000, help="fresh runs per round")
    args = parser.parse_args(argv)
    template, _ = load_template()
    start = datetime.now(UTC) - timedelta(days=1)
    per_run: dict[str, list[float]] = {stage: [] for stage in STAGES}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "stages.duckdb")
        try:
            for seq in range(1, args.rounds + 1):
                at = start + timedelta(minutes=seq)
                bodies = [make_payload(template, "stages", at + timedelta(milliseconds=n)) for n in range(args.runs)]
                spent = measure(store, bodies, seq)
                for stage in STAGES:
                    per_run[stage].append(spent[stage] / args.runs * 1e6)
                print(f"round {seq}: " + ", ".join(f"{stage} {per_run[stage][-1]:.0f}" for stage in STAGES)
                      + " CPU µs per run")
        finally:
            store.close()
    print(f"\nCPU µs per run, median (range) over {args.rounds} rounds of {args.runs} fresh runs:")
    for stage in STAGES:
        values = per_run[stage]
        print(f"  {stage:8} {statistics.median(values):6.0f}  ({min(values):.0f}-{max(values):.0f})")
    total = [sum(per_run[stage][i] for stage in STAGES) for i in range(args.rounds)]
    print(f"  {'total':8} {statistics.median(total):6.0f}  ({min(total):.0f}-{max(total):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
