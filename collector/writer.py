"""The writer thread: drains a bounded queue and lands batches in groups, each group one commit to the landing
tables; the deriver (deriver.py) takes them from there."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from analytics import ingest
from collector.batch import Batch
from collector.deriver import Deriver
from collector.security import scanner
from collector.store import Store, StoreError, invalidated, store_failure

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
# The longest a commit waits for the rest of its group (see Writer._take).
GATHER_MAX_SECONDS = 0.02
# Batches inspected at once: a large one takes one thread for as long as it needs, the others go on beside it.
INSPECTORS = 4


# While the database cannot be written, how often the writer tries, if no batch comes to try it.
PROBE_SECONDS = 1.0


class Unavailable(RuntimeError):
    """The batch was not stored, through no fault of its own; the caller should retry after RETRY_AFTER_SECONDS."""


class QueueFull(Unavailable):
    """The writer has more rows waiting than it may hold."""


class WriterClosed(Unavailable):
    """The collector is shutting down and takes no more data."""


class StoreUnavailable(Unavailable):
    """The database cannot be written now (the disk is full or read-only)."""


@dataclass(frozen=True)
class _Pending:
    ready: Future[Batch | None]  # the batch once inspected; None if it failed
    done: Future[None]  # the submitter's: resolved once committed
    rows: int


class Writer:
    """Group commit: everything queued while a commit runs goes into the next one, so a 2xx costs one shared commit
of an append to the landing tables; deriving what queries read happens after, in the deriver's thread.

    Before its commit, each batch is scanned for security findings and, with `redact`, its text is redacted
    (scanner.inspect): off the event loop, in a few threads of their own, so the scan of the next group overlaps
    the current commit. A group takes the batches inspected by then, so a batch that is slow to inspect (megabytes
    of text) holds up only itself. Batches decoded in a worker process (OTLP, agentmetrics batches) arrive inspected.
    """

    def __init__(self, store: Store, max_queued_rows: int, redact: Collection[str] = ()):
        self._store = store
        self._deriver = Deriver(store)
        self._seq = self._deriver.last_seq  # the number of the last batch landed
        # Why the last commit failed, while no commit has succeeded since; /health reports it.
        self.failure: str | None = None
        self._max_rows = max_queued_rows
        self._redact = frozenset(redact)
        self._pending: list[_Pending] = []
        self._pending_rows = 0
        self._closing = False
        self._last_group = 0
        self._last_commit_seconds = 0.0
        self._cond = threading.Condition()
        self._inspector = ThreadPoolExecutor(INSPECTORS, thread_name_prefix="agent-collector-scan")
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
            self._pending.append(_Pending(ready, done, batch.rows))
            self._pending_rows += batch.rows
        ready.add_done_callback(self._notify)
        return done

    def _notify(self, _: Future[Batch | None]) -> None:
        with self._cond:
            self._cond.notify()

    async def write(self, batch: Batch, inspected: bool = False) -> None:
        """Return once the batch is committed; raises QueueFull or WriterClosed at once if it cannot be queued."""
        await asyncio.wrap_future(self.submit(batch, inspected))

    def close(self) -> None:
        """Land everything already accepted and derive it, then stop the threads; safe to call twice."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()
        self._inspector.shutdown()
        self._deriver.close()

    def _run(self) -> None:
        while (group := self._take()) is not None:
            if not group:
                self._commit([])  # no batch came to try the database with since it failed
                continue
            inspected = [(batch, item.done) for item in group if (batch := item.ready.result()) is not None]
            if inspected:  # else every one failed its inspection, and its submitter was told
                started = time.perf_counter()
                self._commit(inspected)
                self._last_commit_seconds = time.perf_counter() - started

    def _ready(self) -> int:
        return sum(item.ready.done() for item in self._pending)

    def _take(self) -> list[_Pending] | None:
        """The next group: the batches inspected by now; empty when the database failed and PROBE_SECONDS passed
        without a batch; None once closing and drained.

        Under steady load the requests one commit answers come back together, but the first few to arrive would be
        committed alone while the rest are still being received, at nearly the whole cost of a commit (32 AgentD runs
        cost what 8 do, bench_run_commits), so groups alternated between a few batches and the rest. A group smaller
        than the last one therefore waits for more, at most half as long as the last commit took: with 32 requests in
        flight, bench_agentd_runs went from 303-343 to 438-445 runs/s. A lone client's group of one never waits.
        """
        with self._cond:
            while not self._ready() and (self._pending or not self._closing):
                if not self._cond.wait(PROBE_SECONDS if self.failure else None) and self.failure:
                    return []
            if not self._pending:
                return None
            deadline = time.monotonic() + min(GATHER_MAX_SECONDS, self._last_commit_seconds / 2)
            while (self._ready() < self._last_group and not self._closing
                   and (left := deadline - time.monotonic()) > 0):
                self._cond.wait(left)
            group = [item for item in self._pending if item.ready.done()]
            self._pending = [item for item in self._pending if not item.ready.done()]
            self._pending_rows -= sum(item.rows for item in group)
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
        """Land the group; without batches, a write that tells whether the database can be written."""
        numbered = [(self._seq + number, batch) for number, (batch, _) in enumerate(group, 1)]
        try:
            with self._store.writing("land") as con:
                if group:
                    ingest.land(con, numbered)
                else:
                    ingest.probe(con)
        except Exception as exc:
            if isinstance(exc, StoreError) or store_failure(exc):
                self._failed(exc, group, numbered)
            elif len(group) > 1:
                # One bad batch must not fail the others that shared its commit.
                for item in group:
                    self._commit([item])
            elif group:
                log.exception("batch of %d rows was not written", group[0][0].rows)
                group[0][1].set_exception(exc)
            return
        if self.failure:
            log.info("the database can be written again")
            self.failure = None
        self._landed(group, numbered)

    def _landed(self, group: list[tuple[Batch, Future[None]]], numbered: list[tuple[int, Batch]]) -> None:
        """The group is durable: hand it to the deriver, then answer, so a query after the answer waits for it."""
        if not numbered:
            return
        self._seq = numbered[-1][0]
        self._store.watermarks.land(self._seq)
        for seq, batch in numbered:
            self._deriver.landed(seq, batch.rows)
        for _, done in group:
            done.set_result(None)

    def _failed(self, exc: Exception, group: list[tuple[Batch, Future[None]]],
                numbered: list[tuple[int, Batch]]) -> None:
        """The database, not the batches, failed: they are refused for the client to retry, or, when DuckDB says
        the commit is durable and only its checkpoint failed, acknowledged."""
        reason = str(exc).splitlines()[0]
        if reason != self.failure:
            log.error("the database cannot be written: %s", reason)
        self.failure = reason
        if "COMMIT succeeded and is durable" in str(exc):
            self._landed(group, numbered)
        else:
            for _, done in group:
                done.set_exception(StoreUnavailable(f"the database cannot be written ({reason})"))
        if invalidated(exc) or self._store.closed:
            try:
                self._store.reopen()
            except Exception as reopen:  # the next commit tries again; the writer thread must not end
                log.error("the database could not be opened again: %s", reopen)
