"""How long after its acknowledgement a run is visible to the query routes while the collector is under full load.

    python -m tests.benchmarks.bench_visibility [--seconds 20] [--concurrency 128]

Starts the real server with a throw-away database and loads it with bench_agentd_runs' clients (AgentD runs of 10
events, --concurrency in flight). Meanwhile a probe posts its own runs one at a time and, right after each 202,
asks one query route about it (the routes in turn), timing from the 202 to an answer that shows the run: a query
waits until what was acknowledged before it is derived (collector/store.py), so this is how long a reader waits at
that load. Exits 1 if an answer did not show the run it was asked about.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.benchmarks.bench_agentd_runs import load_template, make_payload, run_all_clients
from tests.benchmarks.common import command_row, machine_row, percentile, print_table, require_loopback
from tests.server import Collector

MODULE = "tests.benchmarks.bench_visibility"
PROBE = "visibility-probe"


def routes(run_id: str, n: int) -> list[tuple[str, dict, Callable[[dict], bool]]]:
    """(path, params, does the answer show the probe's n-th run) for each route asked."""
    return [
        (f"/v1/runs/{run_id}", {}, lambda body: body.get("run_id") == run_id),
        ("/v1/runs", {"agent_id": PROBE}, lambda body: body["total"] == n),
        ("/v1/stats", {"agent_id": PROBE}, lambda body: body["total_runs"] == n),
        (f"/api/v1/agents/{PROBE}", {}, lambda body: body["event_counts"]["total"] == 10 * n),
        ("/api/v1/metrics/usage/requests/by_agent", {"agent_id": PROBE},
         lambda body: body["data"]["requests_by_agent"].get(PROBE) == n),
    ]


def probe(url: str, done: threading.Event, seen: list[tuple[float, float, str | None]]) -> None:
    """Until `done`: (when acknowledged, ms until an answer showed it, the route if it did not) per probe run."""
    template, _ = load_template()
    n = 0
    with httpx.Client(base_url=url, timeout=30, headers={"Content-Type": "application/json"}) as http:
        while not done.is_set():
            body = make_payload(template, PROBE, datetime.now(UTC))
            if http.post("/v1/runs", content=body).status_code != 202:
                continue
            n += 1
            acked = time.monotonic()
            path, params, shows = routes(json.loads(body)["run_id"], n)[n % 5]
            answer = http.get(path, params=params)
            delay = (time.monotonic() - acked) * 1000
            seen.append((acked, delay, None if answer.status_code == 200 and shows(answer.json()) else path))
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=128, help="load: requests in flight (default %(default)s)")
    args = parser.parse_args(argv)
    args.warmup, args.clients, args.max_requests = 2.0, 2, 100_000
    with tempfile.TemporaryDirectory(prefix="bench-visibility-") as tmp:
        server = Collector(Path(tmp) / "bench.duckdb", Path(tmp) / "collector.log").start()
        try:
            require_loopback(server.url)
            args.server_pid = server.proc.pid
            seen: list[tuple[float, float, str | None]] = []
            done = threading.Event()
            thread = threading.Thread(target=probe, args=(server.url, done, seen))
            thread.start()
            try:
                results, start, stop, _ = run_all_clients(server.url, args)
            finally:
                done.set()
                thread.join()
        finally:
            server.stop()
    in_window = [(delay, missed) for acked, delay, missed in seen if start <= acked <= stop]
    delays = sorted(delay for delay, _ in in_window)
    misses = [missed for _, missed in in_window if missed]
    load = sum(r.acked_in_window for r in results) / (stop - start)
    print_table("a run's visibility to the query routes after its 202, under load", [
        command_row(MODULE),
        machine_row(),
        ("load", f"POST /v1/runs, {args.concurrency} in flight, {load:,.0f} runs/s acknowledged"),
        ("probes in the window", f"{len(in_window)} (one query each, five routes in turn)"),
        ("ms from 202 to the answer, p50 / p99 / max",
         " / ".join(f"{percentile(delays, q):.1f}" for q in (0.5, 0.99)) + f" / {max(delays, default=0):.1f}"),
        ("answers without the run", ", ".join(misses) or "none"),
    ])
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
