"""Which REST requests are worth decoding in a worker process: what the server's process spends on a request
decoded in its event loop, against what handing the request to a worker and taking its batch back costs it.

    python -m tests.benchmarks.bench_handoff [--requests 2000]

In the event loop: parsing, mapping and the security scan (scanner.inspect), timed in this process. Handed off: the
CPU time of this whole process (the event loop, the pool's feeder and result threads) per request, with 64 requests
in flight through collector.receivers.workers with one worker. For one AgentD run (POST /v1/runs, decoded in the event
loop) and agentmetrics batches of 1 and 20 events (agentmetrics.decode_batch, what POST /v1/events/batch runs in a
worker). A request is worth handing off when the second figure is the smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime

from collector.receivers import agentmetrics
from collector.receivers.agentd import AgentRun, runs_batch
from collector.receivers.workers import Workers
from collector.security import scanner
from tests.benchmarks.bench_agentd_runs import load_template, make_payload
from tests.benchmarks.common import command_row, machine_row, print_table
from tests.benchmarks.peers import agentmetrics_batch, agentmetrics_templates

MODULE = "tests.benchmarks.bench_handoff"
IN_FLIGHT = 64


def _agentd_run(body: bytes):
    return runs_batch([AgentRun.model_validate_json(body)]), 1


def in_event_loop(decode, body: bytes, requests: int) -> float:
    """Seconds of this process per request, decoded and inspected here."""
    started = time.process_time()
    for _ in range(requests):
        batch, _ = decode(body)
        scanner.inspect(batch, frozenset())
    return (time.process_time() - started) / requests


async def _handed_off(workers: Workers, decode, body: bytes, requests: int) -> float:
    """Seconds of this process per request, handed to a worker with IN_FLIGHT in flight."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one() -> None:
        async with slots:
            await workers.decode(decode, body)

    await one()  # the worker's imports
    started = time.process_time()
    await asyncio.gather(*(one() for _ in range(requests)))
    return (time.process_time() - started) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement (default %(default)s)")
    args = parser.parse_args(argv)
    templates = agentmetrics_templates()
    template, _ = load_template()
    rows = [command_row(MODULE), machine_row(),
            ("request", "in the event loop µs", "handed to a worker: server process µs")]
    requests = [("AgentD run, 10 events", _agentd_run, make_payload(template, "my-agent", datetime.now(UTC)))]
    requests += [(f"agentmetrics batch of {events}", agentmetrics.decode_batch,
                  agentmetrics_batch(templates, 0, events)) for events in (1, 20)]
    workers = Workers(1, ())
    try:
        for name, decode, body in requests:
            here = in_event_loop(decode, body, args.requests)
            there = asyncio.run(_handed_off(workers, decode, body, args.requests))
            rows.append((name, f"{here * 1e6:,.0f}", f"{there * 1e6:,.0f}"))
    finally:
        workers.close()
    print_table("A REST request's cost to the server's process", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
