"""OTLP requests and agentmetrics batches are decoded in worker processes: a worker that dies costs at most the
requests it held (answered 503 / UNAVAILABLE, never 500), a new one takes over, and no worker outlives the server."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import duckdb
import grpc
import httpx
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from tests.test_otlp_transports import PROTOBUF, span, traces


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def cmdline(pid: int) -> bytes:
    """The process's command line; empty once it has exited, which it may do while we look."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def workers_of(collector) -> set[int]:
    """The pool's worker processes; multiprocessing's resource tracker, also a child, is not one of them."""
    def workers() -> set[int]:
        return {pid for pid in children(collector.proc.pid) if b"spawn_main" in cmdline(pid)}
    wait_until(workers)
    return workers()


def post(collector, trace: int) -> httpx.Response:
    body = traces(span(trace, 1, "invoke_agent")).SerializeToString()
    return httpx.post(f"{collector.url}/v1/traces", content=body, headers={"Content-Type": PROTOBUF}, timeout=30)


def test_a_killed_worker_is_replaced_and_nothing_acknowledged_is_lost(collector):
    assert post(collector, 1).status_code == 200
    for pid in workers_of(collector):
        os.kill(pid, signal.SIGKILL)

    answers = []
    for trace in range(2, 100):
        answers.append(post(collector, trace))
        if answers[-1].status_code == 200:
            break
    assert {a.status_code for a in answers[:-1]} <= {503} and answers[-1].status_code == 200
    assert all(a.headers["Retry-After"] == "1" for a in answers[:-1])
    with grpc.insecure_channel(collector.grpc_target) as channel:
        trace_service_pb2_grpc.TraceServiceStub(channel).Export(traces(span(1000, 1, "invoke_agent")), timeout=30)

    acknowledged = {f"{1:032x}", f"{len(answers) + 1:032x}", f"{1000:032x}"}
    assert collector.stop() == 0
    assert "a worker process died; starting new ones" in collector.log()
    with duckdb.connect(str(collector.db), read_only=True) as con:
        assert {row[0] for row in con.execute("SELECT trace_id FROM spans").fetchall()} == acknowledged


def test_an_agentmetrics_batch_held_by_a_killed_worker_is_a_503_to_retry(collector):
    http = collector.client()
    event = {"trace_id": "t-0", "agent_id": "a", "status": "success", "input_tokens": 3}
    assert http.post("/v1/events/batch", json={"events": [event]}).status_code == 201
    for pid in workers_of(collector):
        os.kill(pid, signal.SIGKILL)

    answers = []
    for attempt in range(1, 100):
        answers.append(http.post("/v1/events/batch", json={"events": [{**event, "trace_id": f"t-{attempt}"}]}))
        if answers[-1].status_code == 201:
            break
    assert {a.status_code for a in answers[:-1]} <= {503} and answers[-1].json()["accepted"] == 1
    assert all(a.headers["Retry-After"] == "1" and "retry later" in a.json()["detail"] for a in answers[:-1])
    stats = http.get("/v1/stats").json()
    assert (stats["total_runs"], stats["total_tokens_input"]) == (2, 6)


def test_workers_stop_with_the_server(start_collector):
    stopped = start_collector()
    stopped_workers = workers_of(stopped)
    assert stopped.stop() == 0
    assert not any(alive(pid) for pid in stopped_workers)

    killed = start_collector()
    killed_workers = workers_of(killed)
    killed.stop(signal.SIGKILL)
    # Orphans notice within a second or two that their server is gone.
    wait_until(lambda: not any(alive(pid) for pid in killed_workers), timeout=10)
