"""OTLP requests decoded, mapped into batches and inspected in worker processes, beside the server's own process.

The server's process runs the event loop and the writer, which share one GIL. Decoding a 512-span request, mapping
its spans and scanning them costs about as much as committing them, and in the same process each half waits for
the other (tests/benchmarks/bench_stages.py); in a worker it runs on another core, and the writer keeps its own.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from collector.receivers.otlp import SIGNALS, Export, decode_protobuf
from collector.receivers.otlp_json import decode_json
from collector.security import scanner

log = logging.getLogger(__name__)


class WorkersUnavailable(RuntimeError):
    """A worker process died while it held the request; the client should retry it."""


def processes() -> int:
    """One worker per core but the one the server's process keeps busy, and at least one."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


_redacted: frozenset[str] = frozenset()


def _orphaned(parent: int) -> None:
    # A pool's workers hold both ends of its queue, so they would not notice a parent killed outright.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _start(redacted: frozenset[str], parent: int) -> None:
    global _redacted
    _redacted = redacted
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Ctrl-C reaches the whole process group; the server decides when its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()


def _ready() -> None:
    """Run once per worker at start, so that its imports are done before the first request needs it."""


def _export(signal_name: str, body: bytes, json: bool) -> Export:
    signal = SIGNALS[signal_name]
    export = signal.export(decode_json(signal_name, body) if json else decode_protobuf(signal, body))
    if not export.batch.rows:
        return export
    return replace(export, batch=scanner.inspect(export.batch, _redacted).in_arrow())


class Workers:
    """The process pool; a worker that dies (killed, out of memory) fails the requests it held, and the next
    request gets a fresh pool."""

    def __init__(self, count: int, redacted: Collection[str]):
        self._count = count
        self._redacted = frozenset(redacted)
        self._pool = self._open()

    def _open(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server's process runs threads (gRPC, the writer) that a fork would copy mid-step.
        pool = ProcessPoolExecutor(self._count, multiprocessing.get_context("spawn"), initializer=_start,
                                   initargs=(self._redacted, os.getpid()))
        for _ in range(self._count):
            pool.submit(_ready)
        return pool

    async def export(self, signal_name: str, body: bytes, json: bool = False) -> Export:
        """The request as an Export whose batch is inspected (scanner.inspect); raises OtlpDecodeError for a body
        that is not a valid request of the signal."""
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _export, signal_name, body, json)
        except BrokenProcessPool:
            if self._pool is pool:
                log.error("an OTLP worker process died; starting new ones")
                self._pool = self._open()
                pool.shutdown(wait=False)
            raise WorkersUnavailable("the worker decoding the request stopped") from None

    def close(self) -> None:
        self._pool.shutdown()
