"""Whether an OTLP commit costs more as the database grows: CPU per 512-span commit at growing table sizes.

    python -m tests.benchmarks.bench_span_growth [--commits 20] [--doublings 7]

Runs the writer's own path in-process (the OTLP receiver's export, then analytics.ingest.write on a real store)
with bench_otlp's agent traces. Between measurements it doubles spans, runs and events with copies under new ids,
each copy two days older than what it copies, as a long-running collector's history would be.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from analytics import ingest
from collector.receivers.otlp import export_traces
from collector.store import Store
from tests.benchmarks.bench_otlp import build_payloads

DOUBLE = (
    "INSERT INTO spans SELECT * REPLACE (md5(trace_id || random()::VARCHAR)[:32] AS trace_id,"
    " start_time - INTERVAL 2 DAY AS start_time, end_time - INTERVAL 2 DAY AS end_time) FROM spans",
    "INSERT INTO runs SELECT * REPLACE (md5(run_id || random()::VARCHAR) AS run_id,"
    " md5(trace_id || random()::VARCHAR)[:32] AS trace_id, started_at - INTERVAL 2 DAY AS started_at) FROM runs",
    "INSERT INTO events SELECT * REPLACE (md5(event_id || random()::VARCHAR) AS event_id,"
    " md5(run_id || random()::VARCHAR) AS run_id, timestamp - INTERVAL 2 DAY AS timestamp) FROM events",
)


def commit_cpu_ms(con: duckdb.DuckDBPyConnection, requests: list[bytes]) -> float:
    """Mean CPU per commit of one request each, decoding included."""
    started = time.process_time()
    for body in requests:
        ingest.write(con, [export_traces(ExportTraceServiceRequest.FromString(body)).batch])
    return (time.process_time() - started) / len(requests) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_span_growth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=20, help="commits measured at each size (default %(default)s)")
    parser.add_argument("--doublings", type=int, default=7, help="times the tables are doubled (default %(default)s)")
    args = parser.parse_args(argv)
    requests = [payload.body for payload in build_payloads(args.commits * (args.doublings + 2), 512, exporter=0)]
    batches = iter(requests[i:i + args.commits] for i in range(0, len(requests), args.commits))
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, DuckDB {duckdb.__version__}")
    print(f"{'spans stored':>14}  {'CPU ms per 512-span commit':>27}")
    with tempfile.TemporaryDirectory(prefix="bench-span-growth-") as tmp:
        store = Store(Path(tmp) / "growth.duckdb")
        with store.writing() as con:
            commit_cpu_ms(con, next(batches))  # warm-up, and the first data to double
            for doubling in range(args.doublings + 1):
                if doubling:
                    for statement in DOUBLE:
                        con.execute(statement)
                    con.execute("CHECKPOINT")
                spans = con.execute("SELECT count(*) FROM spans").fetchone()[0]
                print(f"{spans:>14,}  {commit_cpu_ms(con, next(batches)):>27.1f}", flush=True)
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
