"""Starting, killing and restarting the real collector (tests/server.Collector) for the battery's parts."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import httpx
import psutil

from tests.server import Collector


def start(db: Path, log: Path, *args: str) -> Collector:
    """A collector serving `db`, started and healthy; raises RuntimeError with its log if it does not come up."""
    return Collector(db, log, *args).start(timeout=60)


def warm(collector: Collector, headers: dict[str, str] | None = None) -> None:
    """Wait for the decode workers: the server is healthy before its spawned workers have imported, and until then
    every OTLP request waits for them, which would make the first seconds of any load unlike the rest."""
    httpx.post(collector.url + "/v1/traces", content=b"", timeout=60,
               headers={"Content-Type": "application/x-protobuf", **(headers or {})})


def alive(collector: Collector) -> bool:
    return collector.proc is not None and collector.proc.poll() is None


def kill_hard(collector: Collector) -> None:
    """SIGKILL the server and its decode workers at once, as a power cut or the OOM killer would: nothing gets to
    flush, checkpoint or answer. The workers are children of the server (multiprocessing spawn), not of a process
    group of their own, so they are found before the server dies and takes the parent link with it."""
    server = psutil.Process(collector.proc.pid)
    processes = [server, *server.children(recursive=True)]
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    collector.stop()  # reaps the server and closes its log


# A write that replaces itself: the idle probe adds one event row, however often it runs.
IDLE_PROBE = {"event_id": "reliability-idle-probe", "type": "run_start", "timestamp": "2026-11-22T00:00:00Z"}


def wait_idle(collector: Collector, headers: dict[str, str] | None = None, timeout: float = 60.0) -> bool:
    """Wait until a small write is answered within a second, so that the work a slow case left behind (in the
    writer or its scan thread, which /health cannot see) is not blamed on the next case; False if it never was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(collector):
        started = time.perf_counter()
        try:
            answer = httpx.post(f"{collector.url}/v1/runs/reliability-idle/events", json=IDLE_PROBE,
                                headers=headers, timeout=timeout)
            if answer.status_code == 202 and time.perf_counter() - started < 1.0:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def last_lines(collector: Collector, count: int = 5) -> str:
    return " | ".join(collector.log().strip().splitlines()[-count:])
