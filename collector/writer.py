"""The writer thread: owns the only write connection, drains a bounded queue and commits batches in groups."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor

from analytics import ingest
from collector.batch import Batch
from collector.security import scanner
from collector.store import Store

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
# The longest a commit waits for the rest of its group (see Writer._take).
GATHER_MAX_SECONDS = 0.02


class QueueFull(RuntimeError):
    """The writer has more rows waiting than it may hold; the caller should retry after RETRY_AFTER_SECONDS."""


class WriterClosed(RuntimeError):
    """The collector is shutting down and takes no more data."""


class Writer:
    """Group commit: everything queued while a commit runs goes into the next one, so a 2xx costs one shared commit.

    Before its commit, each batch is scanned for security findings and, with `redact`, its text is redacted
    (scanner.inspect): off the event loop, in a thread of its own in submission order, so the scan of the next group
    overlaps the current commit. Batches decoded in a worker process (OTLP, agentmetrics batches) arrive inspected.
    """

    def __init__(self, store: Store, max_queued_rows: int, redact: Collection[str] = ()):
        self._con = store.write_connection()
        self._max_rows = max_queued_rows
        self._redact = frozenset(redact)
        self._pending: list[tuple[Future[Batch | None], Future[None]]] = []
        self._pending_rows = 0
        self._closing = False
        self._last_group = 0
        self._last_commit_seconds = 0.0
        self._cond = threading.Condition()
        self._inspector = ThreadPoolExecutor(1, thread_name_prefix="agent-collector-scan")
        self._thread = threading.Thread(target=self._run, name="agent-collector-writer", daemon=True)
        self._thread.start()

    @property
    def queued_rows(self) -> int:
        return self._pending_rows

    def submit(self, batch: Batch, inspected: bool = False) -> Future[None]:
        """Queue the batch; the future resolves once it is committed, or fails with why it was not. An `inspected`
        batch went through scanner.inspect already (in a worker process, workers.py) and is not scanned again."""
        done: Future[None] = Future()
        ready: Future[Batch | None] = Future()
        if inspected:
            ready.set_result(batch)
        with self._cond:
            if self._closing:
                raise WriterClosed("the collector is shutting down")
            # An empty queue takes any batch, so one larger than the bound is slow, not refused forever.
            if self._pending_rows and self._pending_rows + batch.rows > self._max_rows:
                raise QueueFull(f"the writer queue is full ({self._pending_rows} rows waiting)")
            if not inspected:
                ready = self._inspector.submit(self._inspect, batch, done)
            self._pending.append((ready, done))
            self._pending_rows += batch.rows
            self._cond.notify()
        return done

    async def write(self, batch: Batch, inspected: bool = False) -> None:
        """Return once the batch is committed; raises QueueFull or WriterClosed at once if it cannot be queued."""
        await asyncio.wrap_future(self.submit(batch, inspected))

    def close(self) -> None:
        """Commit everything already accepted, then stop the thread; safe to call twice."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()
        self._inspector.shutdown()
        self._con.close()

    def _run(self) -> None:
        while group := self._take():
            started = time.perf_counter()
            self._commit([(inspected, done) for inspection, done in group
                          if (inspected := inspection.result()) is not None])
            self._last_commit_seconds = time.perf_counter() - started

    def _take(self) -> list[tuple[Future[Batch | None], Future[None]]]:
        """The next group; empty once closing and drained.

        Under steady load the requests one commit answers come back together, but the first few to arrive would be
        committed alone while the rest are still being received, at nearly the whole cost of a commit (32 AgentD runs
        cost what 8 do, bench_run_commits), so groups alternated between a few batches and the rest. A group smaller
        than the last one therefore waits for more, at most half as long as the last commit took: with 32 requests in
        flight, bench_agentd_runs went from 303-343 to 438-445 runs/s. A lone client's group of one never waits.
        """
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            deadline = time.monotonic() + min(GATHER_MAX_SECONDS, self._last_commit_seconds / 2)
            while (len(self._pending) < self._last_group and not self._closing
                   and (left := deadline - time.monotonic()) > 0):
                self._cond.wait(left)
            group, self._pending, self._pending_rows = self._pending, [], 0
            if group:
                self._last_group = len(group)
            return group

    def _inspect(self, batch: Batch, done: Future[None]) -> Batch | None:
        """The batch inspected; None (and the submitter told) when the redaction failed."""
        try:
            return scanner.inspect(batch, self._redact)
        except Exception as exc:
            log.exception("redaction of a batch of %d rows failed; not stored", batch.rows)
            done.set_exception(exc)
            return None

    def _commit(self, group: list[tuple[Batch, Future[None]]]) -> None:
        if not group:
            return
        try:
            ingest.write(self._con, [batch for batch, _ in group])
        except Exception as exc:
            if len(group) > 1:
                # One bad batch must not fail the others that shared its commit.
                for item in group:
                    self._commit([item])
                return
            log.exception("batch of %d rows was not written", group[0][0].rows)
            group[0][1].set_exception(exc)
            return
        for _, done in group:
            done.set_result(None)
