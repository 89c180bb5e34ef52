"""The deriver thread: folds landed batches into the tables the queries read, apart from their acknowledgement."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque

from analytics import ingest
from collector.store import Store, StoreError, invalidated, store_failure

log = logging.getLogger(__name__)

# The most rows one derivation takes: it takes everything landed since the last one, so its cost per row falls as
# the rate rises, up to this; a backlog after a restart is derived in steps of this size.
MAX_ROWS = 200_000
# After a derivation, the batches landing gather this long before the next one, unless a query waits for them: a
# derivation's dozen statements cost 30-50 ms of CPU over a few rows as over thousands, which a derivation per
# request at 1 in flight paid for each run (32 ms of server CPU per AgentD run, tests.benchmarks.suite).
PAUSE_SECONDS = 0.5
# While the database cannot be written, how long the deriver waits before it tries again.
RETRY_SECONDS = 1.0
# Tests set it to hold each derivation back this many seconds ("inf": for good), to query, or stop the process,
# between a landing and its derivation.
DELAY = "AGENT_COLLECTOR_TEST_DERIVE_DELAY"


class Deriver:
    """Derives the landed batches in landing order, each range in one transaction that also forgets its landed rows,
    so a stop at any point leaves every batch landed or derived; what is found landed at start is derived first.
    A range that fails to derive is derived batch by batch, and a batch that fails alone is rejected (its rows stay
    landed, rejected_batches says why), so one bad batch holds up no other."""

    def __init__(self, store: Store):
        self._store = store
        with store.writing("derive") as con:
            last, pending = ingest.pending(con)
        self.last_seq = last
        self._pending: deque[tuple[int, int]] = deque(pending)
        store.watermarks.start(last, pending[0][0] - 1 if pending else last)
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

    def landed(self, seq: int, rows: int) -> None:
        """The batch numbered seq is committed to the landing tables."""
        with self._cond:
            self._pending.append((seq, rows))
            self._cond.notify()

    def _hurry(self) -> None:
        """A query waits for the landed batches: derive them now."""
        with self._cond:
            self._wanted = True
            self._cond.notify()

    def close(self) -> None:
        """Derive everything landed, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while (window := self._take()) is not None:
            time.sleep(self._delay)
            if sum(rows for _, rows in window):
                self._derive(window)
                self._next_at = time.monotonic() + PAUSE_SECONDS
            else:
                self._done(window)

    def _take(self) -> list[tuple[int, int]] | None:
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
            return window

    def _done(self, window: list[tuple[int, int]]) -> None:
        self._alone = max(0, self._alone - len(window))
        self._store.watermarks.derive(window[-1][0])

    def _again(self, window: list[tuple[int, int]]) -> None:
        with self._cond:
            self._pending.extendleft(reversed(window))

    def _derive(self, window: list[tuple[int, int]]) -> None:
        first, last = window[0][0], window[-1][0]
        try:
            with self._store.writing("derive") as con:
                ingest.derive(con, first, last)
        except Exception as exc:
            if isinstance(exc, StoreError) or store_failure(exc):
                self._unavailable(exc)
                self._again(window)
            elif len(window) > 1:
                log.warning("derivation of batches %d-%d failed (%s); deriving them one by one", first, last, exc)
                self._alone = len(window)
                self._again(window)
            else:
                self._reject(window, exc)
            return
        self._done(window)

    def _reject(self, window: list[tuple[int, int]], exc: Exception) -> None:
        ((seq, rows),) = window
        reason = str(exc).splitlines()[0]
        log.error("batch %d (%d rows) cannot be derived and is kept in the landing tables: %s", seq, rows, reason)
        try:
            with self._store.writing("derive") as con:
                ingest.reject(con, seq, reason)
        except Exception as failed:
            self._unavailable(failed)
            self._again(window)
            return
        self._done(window)

    def _unavailable(self, exc: Exception) -> None:
        """The database, not the batches, failed: wait, reopening the file if DuckDB invalidated it."""
        log.warning("derivation waits: the database cannot be written (%s)", str(exc).splitlines()[0])
        time.sleep(RETRY_SECONDS)
        if invalidated(exc) or self._store.closed:
            try:
                self._store.reopen()
            except Exception as reopen:
                log.error("the database could not be opened again: %s", reopen)
