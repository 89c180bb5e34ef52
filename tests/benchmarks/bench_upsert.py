"""Two ways to replace rows by key in DuckDB, timed on the same commits: why the tables have no primary key.

    python -m tests.benchmarks.bench_upsert [--commits 150] [--rows 10000]

"index": a PRIMARY KEY and INSERT OR REPLACE. "no index" (what analytics/sql/ingest does): DELETE the staged keys,
then INSERT. Each commit stages an Arrow table of fresh events, as the writer does; the script prints total time,
the slowest commit and peak RSS for each, each in its own process so their memory does not mix.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

STRATEGIES = {
    "index": ("CREATE TABLE events (event_id VARCHAR PRIMARY KEY, run_id VARCHAR, ts TIMESTAMPTZ, n BIGINT, data JSON)",
              ["INSERT OR REPLACE INTO events SELECT * FROM staged"]),
    "no index": ("CREATE TABLE events (event_id VARCHAR, run_id VARCHAR, ts TIMESTAMPTZ, n BIGINT, data JSON)",
                 ["DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged)",
                  "INSERT INTO events SELECT * FROM staged"]),
}


def staged(rows: int) -> pa.Table:
    ids = [str(uuid.uuid4()) for _ in range(rows)]
    return pa.table({"event_id": ids, "run_id": [i[:8] for i in ids],
                     "ts": pa.array([1_700_000_000_000_000] * rows, pa.timestamp("us", tz="UTC")),
                     "n": list(range(rows)), "data": ['{"a":1}'] * rows})


def run(strategy: str, commits: int, rows: int, results) -> None:
    create, statements = STRATEGIES[strategy]
    with tempfile.TemporaryDirectory(prefix="bench-upsert-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "upsert.duckdb"))
        con.execute(create)
        total = slowest = 0.0
        for _ in range(commits):
            table = staged(rows)
            started = time.perf_counter()
            con.begin()
            con.register("staged", table)
            for statement in statements:
                con.execute(statement)
            con.unregister("staged")
            con.commit()
            elapsed = time.perf_counter() - started
            total, slowest = total + elapsed, max(slowest, elapsed)
        con.close()
    results.put((strategy, total, slowest, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_upsert", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=150, help="commits per strategy (default %(default)s)")
    parser.add_argument("--rows", type=int, default=10_000, help="events per commit (default %(default)s)")
    args = parser.parse_args(argv)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    print(f"{args.commits} commits of {args.rows:,} new events, DuckDB {duckdb.__version__}")
    print(f"{'strategy':>10}  {'total s':>8}  {'slowest commit ms':>18}  {'peak RSS MiB':>13}")
    for strategy in STRATEGIES:
        process = ctx.Process(target=run, args=(strategy, args.commits, args.rows, results))
        process.start()
        name, total, slowest, rss = results.get()
        process.join()
        print(f"{name:>10}  {total:>8.1f}  {slowest * 1000:>18.0f}  {rss:>13.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
