"""Request bodies decoded, mapped into batches and inspected in worker processes, beside the server's own process.

The server's process runs the event loop and the writer, which share one GIL: while the event loop runs Python, the
writer waits up to the interpreter's 5 ms switch interval for it after every statement, and a commit of 32 AgentD
runs beside a thread that never pauses took 5 to 11 times as long as alone (bench_run_commits' last table).
Decoding an OTLP request of 512 spans or an agentmetrics batch of 20 runs, mapping it and scanning it costs about as
much as committing it; in a worker it runs on another core, and the writer keeps its own. With agentmetrics batches
decoded here, bench_agentmetrics went from 2,052-2,173 to 2,645-2,709 events/s. A request of one run (a single
agentmetrics event, a streamed AgentD event) stays in the event loop: handing it to a worker costs the server's
process as much as decoding it there, or more (tests/benchmarks/bench_handoff.py). AgentD runs land as received and
come here after they land, 64 in one hand-over (Workers.received, collector/ahead.py).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any, NoReturn, TypeVar

import pyarrow as pa

from analytics.tables import SCHEMAS, row_count
from collector.batch import Batch
from collector.receivers.otlp import SIGNALS, Export, decode_protobuf
from collector.receivers.otlp_json import decode_json
from collector.security import detectors, scanner

log = logging.getLogger(__name__)

Result = TypeVar("Result")
# A module-level function (pickled by name) from a request body to its batch and what the request is answered.
Decoder = Callable[[bytes], tuple[Batch, Any]]


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
    """Run once per worker at start, so that its imports and the detectors' prefilter are ready before the first
    request needs them."""
    detectors.prepare()


def _inspected(batch: Batch) -> Batch:
    return scanner.inspect(batch, _redacted) if batch.rows else batch


def _export(signal_name: str, body: bytes, json: bool) -> Export:
    signal = SIGNALS[signal_name]
    export = signal.export(decode_json(signal_name, body) if json else decode_protobuf(signal, body))
    # A 512-span batch crosses back faster as Arrow tables; a REST batch of 20 runs as lists (bench_agentmetrics).
    return replace(export, batch=_inspected(export.batch).in_arrow())


def _received(decoder: str, bodies: Sequence[bytes], redacted: frozenset[str]) -> Batch:
    # Imported here, as in _decode: the receivers import FastAPI.
    from collector.receivers import received

    return received.decode(decoder, bodies, redacted).in_arrow()


def _decode(decode: Decoder, body: bytes) -> tuple[Batch, Any]:
    # Imported here: FastAPI takes half a second to import, and a worker that decodes only OTLP never needs it; the
    # server answers /health only once its workers have started.
    from fastapi.exceptions import RequestValidationError

    try:
        batch, answer = decode(body)
    except RequestValidationError as exc:
        # Only what the 422 reports: a pydantic error's context may hold objects that do not pickle.
        raise RequestValidationError([{key: error[key] for key in ("type", "loc", "msg")}
                                      for error in exc.errors()]) from None
    return _inspected(batch), answer


# A body this large goes to a worker of its own, started on the first one: decoding and scanning megabytes takes
# a worker for a second or more, and the small requests queued behind it waited as long. Started only then, so a
# collector that never gets one does not carry its ~100 MB.
LARGE_BODY_BYTES = 1 << 20


def _chunks(bodies: Sequence[bytes]) -> Iterator[Sequence[bytes]]:
    """The bodies in runs of less than LARGE_BODY_BYTES (or one larger body): a worker decodes each in tens of
    milliseconds, so the requests queued behind one wait no longer."""
    start, size = 0, 0
    for end, body in enumerate(bodies):
        if size and size + len(body) >= LARGE_BODY_BYTES:
            yield bodies[start:end]
            start, size = end, 0
        size += len(body)
    yield bodies[start:]


class _Lane:
    """One process pool; a worker that dies (killed, out of memory) fails the requests it held, and the next request
    gets a fresh pool."""

    def __init__(self, count: int, redacted: frozenset[str]):
        self._count = count
        self._redacted = redacted
        self._pool, self.starting = self._open()

    def _open(self) -> tuple[ProcessPoolExecutor, list[Future[None]]]:
        # spawn, not fork: the server's process runs threads (gRPC, the writer) that a fork would copy mid-step.
        pool = ProcessPoolExecutor(self._count, multiprocessing.get_context("spawn"), initializer=_start,
                                   initargs=(self._redacted, os.getpid()))
        return pool, [pool.submit(_ready) for _ in range(self._count)]

    async def run(self, task: Callable[..., Result], *args: Any) -> Result:
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, task, *args)
        except BrokenProcessPool:
            self._broken(pool)

    def call(self, task: Callable[..., Result], *args: Any) -> Result:
        """`run` for a thread that is not the event loop's: blocks until the worker answers; WorkersUnavailable
        also once the pool is shut down."""
        pool = self._pool
        try:
            submitted = pool.submit(task, *args)
        except BrokenProcessPool:
            self._broken(pool)
        except RuntimeError as exc:
            raise WorkersUnavailable("the worker processes are stopped") from exc
        try:
            return submitted.result()
        except BrokenProcessPool:
            self._broken(pool)

    def _broken(self, pool: ProcessPoolExecutor) -> NoReturn:
        if self._pool is pool:
            log.error("a worker process died; starting new ones")
            self._pool, _ = self._open()
            pool.shutdown(wait=False)
        raise WorkersUnavailable("the worker decoding the request stopped") from None

    def close(self) -> None:
        self._pool.shutdown()


class Workers:
    """The worker processes: `count` for ordinary requests, and one for large bodies once one comes."""

    def __init__(self, count: int, redacted: Collection[str]):
        self._redacted = frozenset(redacted)
        self._small = _Lane(count, self._redacted)
        self._large: _Lane | None = None

    def wait_started(self) -> None:
        """Block until every worker has started and can take a request."""
        for started in self._small.starting:
            started.result()

    async def export(self, signal_name: str, body: bytes, json: bool = False) -> Export:
        """The OTLP request as an Export whose batch is inspected (scanner.inspect); raises OtlpDecodeError for a
        body that is not a valid request of the signal."""
        return await self._lane(len(body)).run(_export, signal_name, body, json)

    async def decode(self, decode: Decoder, body: bytes) -> tuple[Batch, Any]:
        """`decode(body)`, its batch inspected; raises what `decode` raises for a bad body."""
        return await self._lane(len(body)).run(_decode, decode, body)

    def received(self, decoder: str, bodies: Sequence[bytes]) -> Batch:
        """received.decode of the bodies, redacted as the collector redacts, its tables in Arrow: called from the
        deriver's thread, which so keeps the decoding, the scan and building Arrow off the server's GIL (at 1 AgentD
        run in flight they took half of the deriver's time, and the event loop waited for them). Decoded in this
        thread if the worker dies: the bodies are acknowledged already."""
        parts = [self._received(decoder, chunk) for chunk in _chunks(bodies)]
        if len(parts) == 1:
            return parts[0]
        return Batch(**{table: pa.concat_tables(tables) for table in SCHEMAS
                        if (tables := [part for batch in parts if row_count(part := getattr(batch, table))])})

    def _received(self, decoder: str, bodies: Sequence[bytes]) -> Batch:
        try:
            return self._lane(sum(map(len, bodies))).call(_received, decoder, bodies, self._redacted)
        except WorkersUnavailable:
            return _received(decoder, bodies, self._redacted)

    def _lane(self, size: int) -> _Lane:
        if size < LARGE_BODY_BYTES:
            return self._small
        if self._large is None:
            self._large = _Lane(1, self._redacted)
        # Until its worker has started (a second or so), large bodies share the others' workers rather than wait.
        return self._large if all(started.done() for started in self._large.starting) else self._small

    def close(self) -> None:
        for lane in (self._small, self._large):
            if lane is not None:
                lane.close()
