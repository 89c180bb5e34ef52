"""The writer thread: drains a bounded queue and lands batches in groups, each group one synced append to the landing
log (landing.py); the deriver (deriver.py) takes them from there into DuckDB."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from analytics import ingest
from analytics.ingest import Landed
from collector import landing
from collector.ahead import Decoder
from collector.batch import Batch
from collector.deriver import BACKLOG_ROWS, PACE_ROWS, Deriver
from collector.landing import LandingError, LandingLog, Received
from collector.security import scanner
from collector.store import Store

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
# The longest a commit waits for the rest of its group (see Writer._take).
GATHER_MAX_SECONDS = 0.02
# Batches inspected at once: a large one takes one thread for as long as it needs, the others go on beside it.
INSPECTORS = 4


# While the landing log cannot be written, how often the writer tries, if no batch comes to try it.
PROBE_SECONDS = 1.0
# While derivation is behind (deriver.PACE_ROWS), how often the writer looks whether it has caught up, and how long
# a group waits for it at most.
PACE_POLL_SECONDS = 0.01
PACE_MAX_SECONDS = 0.5


class Unavailable(RuntimeError):
    """The batch was not stored, through no fault of its own; the caller should retry after RETRY_AFTER_SECONDS."""


class QueueFull(Unavailable):
    """The writer has more rows waiting than it may hold."""


class WriterClosed(Unavailable):
    """The collector is shutting down and takes no more data."""


class StoreUnavailable(Unavailable):
    """The landing log cannot be written now (the disk is full or read-only)."""


class DerivationBehind(QueueFull):
    """More rows are landed and not yet derived than the writer may hold (the database cannot keep up, or cannot be
    written)."""


@dataclass(frozen=True)
class _Pending:
    ready: Future[Batch | Received | None]  # the batch once inspected, or as received; None if it failed
    done: Future[None]  # the submitter's: resolved once committed
    rows: int


class Writer:
    """Group commit: everything queued while an append runs goes into the next one, so a 2xx costs one shared
synced append to the landing log; deriving what queries read happens after, in the deriver's thread.

    Before its commit, each batch is scanned for security findings and, with `redact`, its text is redacted
    (scanner.inspect): off the event loop, in a few threads of their own, so the scan of the next group overlaps
    the current commit. A group takes the batches inspected by then, so a batch that is slow to inspect (megabytes
    of text) holds up only itself. Batches decoded in a worker process (OTLP, agentmetrics batches) arrive inspected.
    """

    def __init__(self, store: Store, max_queued_rows: int, decode: Decoder, redact: Collection[str] = ()):
        self._store = store
        self._log = LandingLog(store.path)
        self._decode = decode
        self._deriver = Deriver(store, self._log, decode)
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
    def derivation_failure(self) -> str | None:
        """Why landed batches cannot be derived now, if they cannot."""
        return self._deriver.failure

    @property
    def queued_rows(self) -> int:
        return self._pending_rows

    def submit(self, batch: Batch | Received, inspected: bool = False) -> Future[None]:
        """Queue the batch; the future resolves once it is committed, or fails with why it was not. An `inspected`
        batch went through scanner.inspect already (in a worker process, workers.py) and is not scanned again. A
        Received lands as it is and is decoded and scanned when it is derived; under redaction, whose point is that
        the text is redacted before anything is stored, it is decoded and inspected first like any batch."""
        done: Future[None] = Future()
        ready: Future[Batch | Received | None] = Future()
        inspected = inspected or (isinstance(batch, Received) and not self._redact)
        if inspected:
            ready.set_result(batch)
        with self._cond:
            if self._closing:
                raise WriterClosed("the collector is shutting down")
            # An empty queue takes any batch, so one larger than the bound is slow, not refused forever.
            if self._pending_rows and self._pending_rows + batch.rows > self._max_rows:
                raise QueueFull(f"the writer queue is full ({self._pending_rows} rows waiting)")
            if self._deriver.backlog_rows > BACKLOG_ROWS:
                raise DerivationBehind(f"derivation is behind ({self._deriver.backlog_rows} rows landed and waiting)")
            if not inspected:
                ready = self._inspector.submit(self._inspect, batch, done)
            self._pending.append(_Pending(ready, done, batch.rows))
            self._pending_rows += batch.rows
            if inspected:
                # Under the lock already taken: a second acquisition per request is the event loop's to pay.
                self._cond.notify()
        if not inspected:
            ready.add_done_callback(self._notify)
        return done

    def _notify(self, _: Future[Batch | Received | None]) -> None:
        with self._cond:
            self._cond.notify()

    async def write(self, batch: Batch | Received, inspected: bool = False) -> None:
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
        self._log.close()

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
            # Bounded, so that while derivation cannot go on at all (the database cannot be written) batches still
            # land, one group a while, until DerivationBehind refuses them with a 503 instead of no answer.
            paced_until = time.monotonic() + PACE_MAX_SECONDS
            while (self._deriver.backlog_rows > PACE_ROWS and not self._closing
                   and time.monotonic() < paced_until):
                self._cond.wait(PACE_POLL_SECONDS)
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

    def _inspect(self, batch: Batch | Received, done: Future[None]) -> Batch | None:
        """The batch inspected; None (and the submitter told) when the redaction failed."""
        try:
            if isinstance(batch, Received):
                return self._decode(batch.decoder, [batch.body])
            return scanner.inspect(batch, self._redact)
        except Exception as exc:
            log.exception("redaction of a batch of %d rows failed; not stored", batch.rows)
            done.set_exception(exc)
            return None

    def _commit(self, group: list[tuple[Batch | Received, Future[None]]]) -> None:
        """Land the group; without batches, a write that tells whether the landing log can be written."""
        first = self._seq + 1
        try:
            if not group:
                self._log.probe(first)
                contents = []
            else:
                contents = _contents([batch for batch, _ in group])
                records = [landing.encode_landed(seq, content) for seq, content in enumerate(contents, first)]
                self._log.append(records, first)
        except LandingError as exc:
            self._failed(exc, group)
            return
        except Exception as exc:
            if len(group) > 1:
                # One bad batch must not fail the others that shared its append.
                for item in group:
                    self._commit([item])
            elif group:
                log.exception("batch of %d rows was not written", group[0][0].rows)
                group[0][1].set_exception(exc)
            return
        if self.failure:
            log.info("the landing log can be written again")
            self.failure = None
        if not group:
            return
        # Handed to the deriver before the answer, so a query after the answer waits for it.
        self._seq += len(group)
        self._store.watermarks.land(self._seq)
        for seq, (batch, _), content in zip(range(first, self._seq + 1), group, contents, strict=True):
            self._deriver.landed(seq, batch.rows, content)
        for _, done in group:
            done.set_result(None)

    def _failed(self, exc: Exception, group: list[tuple[Batch | Received, Future[None]]]) -> None:
        """The disk, not the batches, failed: they are refused for the client to retry."""
        reason = str(exc)
        if reason != self.failure:
            log.error("%s", reason)
        self.failure = reason
        for _, done in group:
            done.set_exception(StoreUnavailable(f"the collector cannot store data now ({reason})"))


def _contents(batches: Sequence[Batch | Received]) -> list[Landed | Received]:
    """What each batch lands as: its tables in Arrow, or itself if it is a Received."""
    tables = iter(ingest.landed([batch for batch in batches if isinstance(batch, Batch)]))
    return [batch if isinstance(batch, Received) else next(tables) for batch in batches]

