"""How many `POST /v1/runs` (10 events each) per second the collector acknowledges, where 202 means committed.

    python -m tests.benchmarks.bench_agentd_runs [--seconds 20] [--concurrency 32] [--clients 2]

Starts the real server on 127.0.0.1 with a throw-away database, drives it from --clients processes (each an
asyncio loop of aiohttp workers on keep-alive connections), then checks that exactly as many runs as were
acknowledged are stored, both through /v1/stats and in the file after the server stopped. Exits 1 if not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import duckdb

from tests.benchmarks.common import (
    command_row,
    machine_row,
    observed_rows,
    percentile,
    print_table,
    require_loopback,
    run_clients,
    slices,
    uvloop,
)
from tests.server import Collector

CAPTURE = Path(__file__).resolve().parent.parent / "data" / "agentd_cap.jsonl"
EVENTS_PER_RUN = 10
AGENT_IDS = ("my-agent", "support-bot", "research-agent", "billing-agent")
# The SDK is itself an aiohttp client: send its captured headers, except those aiohttp computes per request.
PER_REQUEST_HEADERS = {"host", "content-length"}
MODULE = "tests.benchmarks.bench_agentd_runs"
RUN_SPACING = timedelta(milliseconds=1)  # per client: 2,000 runs/s from the default 2 clients
TITLE = "POST /v1/runs, acknowledged = committed"


# ---------------------------------------------------------------- payloads

def load_template() -> tuple[dict, dict[str, str]]:
    """The captured agentd-sdk 0.6.0 run with 10 events (the capture's other run is a 9-event failure)."""
    for line in CAPTURE.read_text().splitlines():
        request = json.loads(line)
        if request["path"] == "/v1/runs" and len(request["body"]["events"]) == EVENTS_PER_RUN:
            headers = {k: v for k, v in request["headers"].items() if k.lower() not in PER_REQUEST_HEADERS}
            return request["body"], headers
    raise SystemExit(f"no POST /v1/runs with {EVENTS_PER_RUN} events in {CAPTURE}")


def _shifted(stamp: str, by: timedelta) -> str:
    """An SDK timestamp moved by `by`, in the SDK's own format ("…+00:00Z")."""
    return (datetime.fromisoformat(stamp.removesuffix("Z")) + by).isoformat() + "Z"


def make_payload(template: dict, agent_id: str, finished_at: datetime) -> bytes:
    """The template with every id the SDK generates per run made fresh, so no request upserts over another, and its
    times moved so that the run finishes at `finished_at`: live traffic's times advance, and the writer's statements
    skip stored rows by time (write_runs.sql), which one timestamp repeated in every run would defeat."""
    by = finished_at - datetime.fromisoformat(template["finished_at"].removesuffix("Z"))
    run = {**template, "run_id": str(uuid.uuid4()), "agent_id": agent_id,
           "trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16],
           "started_at": _shifted(template["started_at"], by), "finished_at": _shifted(template["finished_at"], by),
           "events": [{**event, "event_id": str(uuid.uuid4()), "timestamp": _shifted(event["timestamp"], by)}
                      for event in template["events"]]}
    # json.dumps' default separators, as the SDK's: a "my-agent" body is exactly the captured 2934 bytes.
    return json.dumps(run).encode()


# ---------------------------------------------------------------- one client process

@dataclass
class ClientResult:
    acked: int = 0                      # every 202 (accepted), including warm-up and drain
    acked_in_window: int = 0            # 202s that completed inside the measured window
    statuses: Counter = field(default_factory=Counter)   # non-202 by status, or by exception name
    latencies_ms: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)  # monotonic time of each in-window 202
    sent: int = 0
    ran_out: bool = False               # hit the request cap before the deadline


async def drive(url: str, payloads: list[bytes], headers: dict, workers: int, measure_from: float,
                stop_at: float, path: str = "/v1/runs", accepted: tuple[int, ...] = (202,)) -> ClientResult:
    """POST each payload to path; only an `accepted` status counts (the suite drives other JSON APIs with it)."""
    result = ClientResult()
    next_payload = iter(payloads)
    connector = aiohttp.TCPConnector(limit=workers)  # one kept-alive connection per worker
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < stop_at:
            body = next(next_payload, None)
            if body is None:
                result.ran_out = True
                return
            result.sent += 1
            started = time.monotonic()
            try:
                async with session.post(path, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                result.statuses[type(exc).__name__] += 1
                continue
            done = time.monotonic()
            if status not in accepted:
                result.statuses[status] += 1
                continue
            result.acked += 1
            if measure_from <= done <= stop_at:
                result.acked_in_window += 1
                result.latencies_ms.append((done - started) * 1000)
                result.completions.append(done)

    async with aiohttp.ClientSession(base_url=url, connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(workers)))
    return result


def client_main(url: str, count: int, workers: int, seed: int, ready, go, times, results) -> None:
    """Build this process's payloads first, so the timed window only sends bytes."""
    template, headers = load_template()
    # Runs finish RUN_SPACING apart per client from now on, as if sent live at the target's rate.
    start = datetime.now(UTC)
    payloads = [make_payload(template, AGENT_IDS[(seed + i) % len(AGENT_IDS)], start + i * RUN_SPACING)
                for i in range(count)]
    ready.put(len(payloads))
    go.wait()
    measure_from, stop_at = times[0], times[1]
    factory = uvloop.new_event_loop if uvloop else None
    with asyncio.Runner(loop_factory=factory) as runner:
        results.put(runner.run(drive(url, payloads, headers, workers, measure_from, stop_at)))


# ---------------------------------------------------------------- server observation

def server_stats(url: str) -> dict:
    async def get() -> dict:
        async with aiohttp.ClientSession() as session, session.get(url + "/v1/stats") as response:
            response.raise_for_status()
            return await response.json()
    return asyncio.run(get())


# ---------------------------------------------------------------- run and report

def run_all_clients(url: str, args: argparse.Namespace) -> tuple[list[ClientResult], float, float, dict]:
    """--clients processes sharing --concurrency and --max-requests, released together."""
    per_client = -(-args.max_requests // args.clients)
    shares = [args.concurrency // args.clients + (i < args.concurrency % args.clients) for i in range(args.clients)]
    return run_clients(client_main, [(url, per_client, share, i) for i, share in enumerate(shares)],
                       args.warmup, args.seconds, args.server_pid)


def load_rows(args, results: list[ClientResult], start: float, stop: float) -> list[tuple[str, str]]:
    acked_in_window = sum(r.acked_in_window for r in results)
    failures = sum((r.statuses for r in results), Counter())
    latencies = sorted(x for r in results for x in r.latencies_ms)
    seconds = stop - start
    sent = f"{sum(r.sent for r in results)}" + ("  (hit --max-requests)" if any(r.ran_out for r in results) else "")
    by_quarter = slices([t for r in results for t in r.completions], start, seconds)
    return [
        ("load", f"{args.concurrency} workers in {args.clients} client process(es), "
                 f"{args.warmup:g} s warm-up + {args.seconds:g} s measured, {EVENTS_PER_RUN} events/run"),
        ("requests sent", sent),
        ("acknowledged (202), total", f"{sum(r.acked for r in results)}"),
        ("acknowledged in window", f"{acked_in_window}"),
        ("not acknowledged", ", ".join(f"{k}: {v}" for k, v in sorted(failures.items(), key=str)) or "none"),
        ("runs/s acknowledged", f"{acked_in_window / seconds:,.1f}"),
        ("events/s acknowledged", f"{acked_in_window * EVENTS_PER_RUN / seconds:,.1f}"),
        ("runs/s by quarter", "  ".join(f"{x:,.0f}" for x in by_quarter)),
        ("latency p50/p95/p99 ms", " / ".join(f"{percentile(latencies, q):.1f}" for q in (0.50, 0.95, 0.99))
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


def count_in_file(db: Path) -> int:
    """Runs a fresh process would find in the file, whether or not the server checkpointed before exiting."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of load before the window; stored but not timed (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default %(default)s)")
    parser.add_argument("--clients", type=int, default=2,
                        help="client processes sharing the concurrency, so one Python process is not the limit "
                             "(default %(default)s)")
    parser.add_argument("--max-requests", type=int, default=50_000,
                        help="hard cap on requests, all pre-built before the window (default %(default)s)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.max_requests < 1 or not 1 <= args.clients <= args.concurrency:
        parser.error("need --seconds > 0, --warmup >= 0, --max-requests >= 1 and 1 <= --clients <= --concurrency")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-agentd-runs-") as tmp:
        db = Path(tmp) / "bench.duckdb"
        server = Collector(db, Path(tmp) / "collector.log").start()
        try:
            require_loopback(server.url)
            args.server_pid = server.proc.pid
            results, start, stop, observed = run_all_clients(server.url, args)
            stored = server_stats(server.url)["total_runs"]
        finally:
            exit_code = server.stop()
        on_disk = count_in_file(db)
    acked = sum(r.acked for r in results)
    print_table(TITLE, [
        command_row(MODULE),
        machine_row(),
        *load_rows(args, results, start, stop),
        *check_rows(acked, stored, on_disk, exit_code),
        *observed_rows(observed),
    ])
    return 0 if stored == acked == on_disk else 1


if __name__ == "__main__":
    sys.exit(main())
