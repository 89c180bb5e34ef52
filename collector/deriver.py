"""The deriver thread: folds landed batches into the tables the queries read, apart from their acknowledgement."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from itertools import groupby

import pyarrow as pa

from analytics import ingest
from analytics.ingest import Landed
from collector import landing
from collector.ahead import Ahead, Decoder, Pending
from collector.batch import Batch
from collector.landing import LandingLog, Received
from collector.store import Store, StoreError, invalidated, store_failure

log = logging.getLogger(__name__)

# The most rows one derivation takes: it takes everything landed since the last one, so its cost per row falls as
# the rate rises, up to this; a backlog after a restart is derived in steps of this size.
MAX_ROWS = 200_000
# Past this many rows landed and not yet derived, ingest answers 503 until the deriver catches up (the database
# cannot be written, or cannot keep up): what waits is held in memory.
BACKLOG_ROWS = MAX_ROWS
# Past this many rows landed and not yet derived, the writer lands no more until the deriver catches up, so that
# acknowledgements slow to the rate that derivation keeps up with, and a query after a 202 waits for at most about
# two derivations of this size. Without it, at 128 AgentD runs in flight the workers decoding them fell behind
# ingest and the wait grew for as long as the load lasted (bench_visibility: p50 3.8 s, p99 6.2 s after 20 s).
PACE_ROWS = 10_000
# After a derivation, the batches landing gather this long before the next one, unless a query waits for them: a
# derivation's dozen statements cost 30-50 ms of CPU over a few rows as over thousands, which a derivation per
# request at 1 in flight paid for each run (32 ms of server CPU per AgentD run, tests.benchmarks.suite).
PAUSE_SECONDS = 0.5
# A rejected batch keeps this much of why (a validation error lists every field it refused).
_REASON_CHARS = 4000
# While the database cannot be written, how long the deriver waits before it tries again.
RETRY_SECONDS = 1.0
# Tests set it to hold each derivation back this many seconds ("inf": for good), to query, or stop the process,
# between a landing and its derivation.
DELAY = "AGENT_COLLECTOR_TEST_DERIVE_DELAY"


class Deriver:
    """Derives the landed batches in landing order, each range in one transaction that also records the last
    landing number it took, so a stop at any point leaves every batch derived once; on start, what the landing log
    holds after that number is derived first. A range that fails to derive is derived batch by batch, and a batch
    that fails alone is rejected (kept in rejected_batches with why), so one bad batch holds up no other."""

    def __init__(self, store: Store, landed: LandingLog, decode: Decoder):
        self._store = store
        self._log = landed
        self._decode = decode
        self._ahead = Ahead(decode)
        with store.writing() as con:
            derived, rejected = ingest.progress(con)
        found: dict[int, dict[str, pa.Table] | Received] = {}
        for seq, payload in landed.recover(derived):
            kind, content = landing.decode(payload)
            if isinstance(content, Received):
                found[seq] = content
            else:
                found.setdefault(seq, {})[kind] = content
        self._pending: deque[Pending] = deque((seq, _rows(content), content) for seq, content in sorted(found.items()))
        self.last_seq = max(derived, rejected, *found)  # new batches are numbered after it
        self.backlog_rows = sum(rows for _, rows, _ in self._pending)
        store.watermarks.start(self.last_seq, derived)
        if found:
            log.info("deriving %d batches acknowledged before the last stop", len(found))
        self.failure: str | None = None  # why the last derivation could not write, while none has since
        self._alone = 0  # batches still to derive one by one, after a range failed
        self._delay = float(os.environ.get(DELAY, "0"))
        self._hold = math.isinf(self._delay)
        self._closing = False
        self._wanted = False  # a query waits for what is landed
        self._next_at = 0.0  # when the next derivation may start, unless a query waits
        self._cond = threading.Condition()
        store.watermarks.hurry = self._hurry
        self._thread = threading.Thread(target=self._run, name="agent-collector-deriver", daemon=True)
        self._thread.start()

    def landed(self, seq: int, rows: int, content: Landed | Received) -> None:
        """The batch numbered seq is in the landing log."""
        self._ahead.landed(seq, content)  # before the deriver can take it: see Ahead.taken
        with self._cond:
            self._pending.append((seq, rows, content))
            self.backlog_rows += rows
            self._cond.notify()

    def _hurry(self) -> None:
        """A query waits for the landed batches: derive them now."""
        with self._cond:
            self._wanted = True
            self._cond.notify()

    def close(self) -> None:
        """Derive everything landed, unless the database cannot be written (the next start does), then stop."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()
        self._ahead.close()

    def _run(self) -> None:
        while (window := self._take()) is not None:
            time.sleep(self._delay)
            closing = self._closing
            if not sum(rows for _, rows, _ in window):
                self._done(window)
            elif not self._derive(window) and closing:
                return  # the database cannot be written at the stop either: the next start derives the rest
            else:
                self._next_at = time.monotonic() + PAUSE_SECONDS

    def _take(self) -> list[Pending] | None:
        """The next range, once PAUSE_SECONDS passed or a query waits: everything landed by then, up to MAX_ROWS (one
        batch while deriving alone); None once closing and drained."""
        with self._cond:
            while not self._closing:
                if self._hold or not self._pending:
                    self._cond.wait()
                elif self._wanted or (wait := self._next_at - time.monotonic()) <= 0:
                    break
                else:
                    self._cond.wait(wait)
            if not self._pending or self._hold:
                return None
            self._wanted = False
            window = [self._pending.popleft()]
            rows = window[0][1]
            while self._pending and not self._alone and rows + self._pending[0][1] <= MAX_ROWS:
                rows += self._pending[0][1]
                window.append(self._pending.popleft())
            self._ahead.taken(window[-1][0])
            return window

    def _done(self, window: list[Pending]) -> None:
        with self._cond:
            self.backlog_rows -= sum(rows for _, rows, _ in window)
        self._alone = max(0, self._alone - len(window))
        self._store.watermarks.derive(window[-1][0])

    def _again(self, window: list[Pending]) -> None:
        with self._cond:
            self._pending.extendleft(reversed(window))

    def _derive(self, window: list[Pending]) -> bool:
        """Whether the range is derived (or its one batch rejected); if not, it waits to be tried again."""
        first, last = window[0][0], window[-1][0]
        try:
            tables = self._tables(window)
            with self._store.writing() as con:
                ingest.derive(con, tables, last)
        except Exception as exc:
            if isinstance(exc, StoreError) or store_failure(exc):
                self._unavailable(exc, window)
                return False
            if len(window) > 1:
                log.warning("derivation of batches %d-%d failed (%s); deriving them one by one", first, last, exc)
                self._alone = len(window)
                self._again(window)
                return True
            return self._reject(window, exc)
        self.failure = None
        self._done(window)
        self._log.drop_through(last)
        return True

    def _tables(self, window: list[Pending]) -> list[Landed]:
        """The range's tables: the requests that landed as received are decoded, scanned and built into Arrow (most
        while they waited, collector/ahead.py), each run of them with one decoder together, which costs a fraction per
        request of doing it per request."""
        tables: list[Landed] = []
        for decoder, part in groupby(self._ahead.contents(window, whole=not self._alone), _decoder):
            if decoder is not None:
                tables.extend(ingest.landed([self._decode(decoder, [received.body for received in part])]))
                continue
            for content in part:
                if isinstance(content, Batch):
                    tables.extend(ingest.landed([content]))
                else:
                    tables.append(content)
        return tables

    def _reject(self, window: list[Pending], exc: Exception) -> bool:
        ((seq, rows, content),) = window
        reason = str(exc)[:_REASON_CHARS]
        first_line = reason.partition("\n")[0]
        log.error("batch %d (%d rows) cannot be derived; kept in rejected_batches: %s", seq, rows, first_line)
        payload = landing.encode_landed(seq, content)
        try:
            with self._store.writing() as con:
                ingest.reject(con, seq, reason, payload)
        except Exception as failed:
            self._unavailable(failed, window)
            return False
        self._done(window)
        return True

    def _unavailable(self, exc: Exception, window: list[Pending]) -> None:
        """The database, not the batches, failed: the range waits, and the file is opened again if DuckDB
        invalidated it."""
        self.failure = f"the database cannot be written ({str(exc).splitlines()[0]})"
        log.warning("derivation waits: %s", self.failure)
        self._again(window)
        if self._closing:
            return
        time.sleep(RETRY_SECONDS)
        if invalidated(exc) or self._store.closed:
            try:
                self._store.reopen()
            except Exception as reopen:
                log.error("the database could not be opened again: %s", reopen)


def _decoder(content: Landed | Received | Batch) -> str | None:
    return content.decoder if isinstance(content, Received) else None


def _rows(content: Landed | Received) -> int:
    return content.rows if isinstance(content, Received) else sum(table.num_rows for table in content.values())
