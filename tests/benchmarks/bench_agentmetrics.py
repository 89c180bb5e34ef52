"""How many agentmetrics agent_end events per second `POST /v1/events/batch` acknowledges, where 201 means committed.

    python -m tests.benchmarks.bench_agentmetrics [--seconds 20] [--concurrency 32] [--clients 2]

The workload is the agentmetrics 0.2.0 SDK's (tests.benchmarks.peers): its captured agent_end events with their
steps and tool_calls_detail, 20 to a batch as the SDK flushes them, every id fresh. `measure` drives any server
that speaks this API, ours or agentmetrics-server; the command starts ours on 127.0.0.1 with a throw-away database
and checks that exactly as many events as were acknowledged are stored (one run each), through /v1/stats and in
the file after the server stopped. Exits 1 if not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.bench_agentd_runs import ClientResult, count_in_file, server_stats
from tests.benchmarks.common import (
    command_row,
    machine_row,
    observed_rows,
    percentile,
    print_table,
    require_loopback,
    run_clients,
    slices,
)
from tests.benchmarks.peers import EVENTS_PER_BATCH, agentmetrics_client_main
from tests.server import Collector

MODULE = "tests.benchmarks.bench_agentmetrics"
TITLE = f"POST /v1/events/batch ({EVENTS_PER_BATCH} agentmetrics agent_end events each), acknowledged = committed"


@dataclass
class Measured:
    events_acked: int                   # events of every acknowledged batch, warm-up and drain included
    events_in_window: int               # events of the batches acknowledged inside the measured window
    seconds: float
    batches_sent: int
    ran_out: bool                       # the clients used up --max-batches before the deadline
    failures: Counter                   # batches not acknowledged, by status or exception name
    latencies_ms: list[float]           # per acknowledged batch in the window, sorted
    per_quarter: list[float]            # events/s in each quarter of the window
    observed: dict = field(default_factory=dict)  # the server's CPU and peak RSS (common.run_clients)

    @property
    def events_per_s(self) -> float:
        return self.events_in_window / self.seconds


def measure(url: str, seconds: float, clients: int, server_pid: int, *, concurrency: int = 32,
            warmup: float = 2.0, headers: dict[str, str] | None = None, max_batches: int = 10_000) -> Measured:
    """Load the server at `url` (pid `server_pid`, for its CPU and RSS) from `clients` processes sharing
    `concurrency` kept-alive connections, for `warmup` + `seconds`; all `max_batches` are built before the window.
    `headers` go with every request, e.g. agentmetrics-server's Authorization."""
    require_loopback(url)
    shares = [concurrency // clients + (i < concurrency % clients) for i in range(clients)]
    per_client = -(-max_batches // clients)
    # Distinct seeds start each client at a different captured event, as the suite does.
    client_args = [(url, headers or {}, per_client, workers, i * per_client) for i, workers in enumerate(shares)]
    results: list[ClientResult]
    results, start, stop, observed = run_clients(agentmetrics_client_main, client_args, warmup, seconds, server_pid)
    return Measured(
        events_acked=sum(r.acked for r in results) * EVENTS_PER_BATCH,
        events_in_window=sum(r.acked_in_window for r in results) * EVENTS_PER_BATCH,
        seconds=stop - start,
        batches_sent=sum(r.sent for r in results),
        ran_out=any(r.ran_out for r in results),
        failures=sum((r.statuses for r in results), Counter()),
        latencies_ms=sorted(x for r in results for x in r.latencies_ms),
        per_quarter=[x * EVENTS_PER_BATCH for x in slices([t for r in results for t in r.completions],
                                                          start, stop - start)],
        observed=observed,
    )


def load_rows(args: argparse.Namespace, result: Measured) -> list[tuple[str, str]]:
    latencies = result.latencies_ms
    return [
        ("load", f"{args.concurrency} workers in {args.clients} client process(es), {args.warmup:g} s warm-up + "
                 f"{args.seconds:g} s measured, {EVENTS_PER_BATCH} events/batch"),
        ("batches sent", f"{result.batches_sent}" + ("  (hit --max-batches)" if result.ran_out else "")),
        ("events acknowledged (201), total", f"{result.events_acked}"),
        ("events acknowledged in window", f"{result.events_in_window}"),
        ("batches not acknowledged",
         ", ".join(f"{k}: {v}" for k, v in sorted(result.failures.items(), key=str)) or "none"),
        ("events/s acknowledged", f"{result.events_per_s:,.1f}"),
        ("events/s by quarter", "  ".join(f"{x:,.0f}" for x in result.per_quarter)),
        ("batch latency p50/p95/p99 ms", " / ".join(f"{percentile(latencies, q):.1f}" for q in (0.50, 0.95, 0.99))
                                        + (f"  (mean {statistics.fmean(latencies):.1f})" if latencies else "")),
    ]


def check_rows(acked: int, stored: int, on_disk: int, exit_code: int) -> list[tuple[str, str]]:
    def verdict(count: int) -> str:
        return "yes" if count == acked else f"NO ({count - acked:+d})"
    return [
        ("stored (/v1/stats total_runs)", f"{stored}, equals acknowledged: {verdict(stored)}"),
        ("in the file after stop", f"{on_disk}, equals acknowledged: {verdict(on_disk)}"),
        ("server exit status on SIGTERM", f"{exit_code}"),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of load before the window; stored but not timed (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=32, help="batches in flight (default %(default)s)")
    parser.add_argument("--clients", type=int, default=2,
                        help="client processes sharing the concurrency (default %(default)s)")
    parser.add_argument("--max-batches", type=int, default=10_000,
                        help="hard cap on batches, all pre-built before the window (default %(default)s)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.max_batches < 1 or not 1 <= args.clients <= args.concurrency:
        parser.error("need --seconds > 0, --warmup >= 0, --max-batches >= 1 and 1 <= --clients <= --concurrency")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-agentmetrics-") as tmp:
        db = Path(tmp) / "bench.duckdb"
        server = Collector(db, Path(tmp) / "collector.log").start()
        try:
            result = measure(server.url, args.seconds, args.clients, server.proc.pid, concurrency=args.concurrency,
                             warmup=args.warmup, max_batches=args.max_batches)
            stored = server_stats(server.url)["total_runs"]
        finally:
            exit_code = server.stop()
        on_disk = count_in_file(db)
    print_table(TITLE, [
        command_row(MODULE),
        machine_row(),
        *load_rows(args, result),
        *check_rows(result.events_acked, stored, on_disk, exit_code),
        *observed_rows(result.observed),
    ])
    return 0 if stored == result.events_acked == on_disk else 1


if __name__ == "__main__":
    sys.exit(main())
