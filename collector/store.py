"""Opens the DuckDB file this process owns, keeps its schema current, lends its write connection and read
connections, and holds reads back until what was acknowledged before them is derived."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb

from analytics.schema import SchemaError, migrate
from collector import database_file
from collector.watermarks import Watermarks

log = logging.getLogger(__name__)

READ_CONNECTIONS = 4
READ_WAIT_SECONDS = 30.0
# The longest a read waits for the derivation of what was acknowledged before it; past it, it answers with what is
# derived (the derivation has fallen far behind, or cannot write: /health says which).
FRESH_WAIT_SECONDS = 10.0


class StoreError(RuntimeError):
    """The database cannot be opened; the message says why in one line."""


class PoolExhausted(RuntimeError):
    """Every read connection stayed busy for READ_WAIT_SECONDS."""


# What DuckDB says when the file system, not the statement, failed.
_STORAGE = ("No space left on device", "Read-only file system", "Disk quota exceeded", "Could not write file",
            "database has been invalidated")


def store_failure(exc: Exception) -> bool:
    """Whether a failed write was the disk's doing (full, read-only), so retrying later can succeed."""
    return isinstance(exc, duckdb.IOException | duckdb.FatalException) or any(text in str(exc) for text in _STORAGE)


def invalidated(exc: Exception) -> bool:
    """Whether DuckDB refuses every statement on the file from now on, until it is opened again."""
    return isinstance(exc, duckdb.FatalException) or "database has been invalidated" in str(exc)


class Store:
    def __init__(self, path: Path, memory_limit: str | None = None):
        self.path = path
        self._memory_limit = memory_limit
        new = [file for file in (path, database_file.wal(path)) if not file.exists()]
        try:
            database_file.check(path)
            self._root = self._connect()
        except (database_file.FileError, StoreError) as exc:
            for file in new:  # a start that fails leaves nothing behind
                file.unlink(missing_ok=True)
            raise StoreError(str(exc)) from None
        self._reads: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
        for _ in range(READ_CONNECTIONS):
            self._reads.put(self._root.cursor())
        self._writing: duckdb.DuckDBPyConnection | None = None
        self._write_lock = threading.Lock()
        self.watermarks = Watermarks()

    def _connect(self, crashed: bool = True) -> duckdb.DuckDBPyConnection:
        """The root connection; `crashed` when the log on disk is one a crash left, not this process's own."""
        try:
            kept = database_file.keep_log(self.path) if crashed else None
        except database_file.FileError as exc:
            raise StoreError(str(exc)) from None
        try:
            # No extension is ever downloaded or loaded, and SQL reaches no file but this one: a SQLite file given as
            # --db made DuckDB fetch its SQLite reader over plain HTTP.
            root = duckdb.connect(str(self.path), config={"autoinstall_known_extensions": False,
                                                         "autoload_known_extensions": False,
                                                         "enable_external_access": False})
        except duckdb.Error as exc:
            if kept:
                kept.discard()
            raise StoreError(database_file.open_error(self.path, exc)) from None
        try:
            if kept:
                (database,) = root.execute("PRAGMA database_size").fetchall()  # the file's, the only one
                kept.settle(database[6])  # its wal_size
            # Instants are stored as TIMESTAMPTZ; UTC makes SQL formatting and date bucketing independent of the host.
            root.execute("SET GLOBAL TimeZone = 'UTC'")
            # DuckDB checkpoints whenever the write-ahead log passes 16 MB: every few commits at ingest rates. 64 MB
            # took a sixth off the OTLP write path (tests/benchmarks/bench_stages.py), checkpoints included; a crash
            # replays at most that much log on the next start.
            root.execute("SET GLOBAL checkpoint_threshold = '64MB'")
            if self._memory_limit:
                # DuckDB's default is 80% of the machine's memory, which its cache of a large file would fill.
                root.execute("SET GLOBAL memory_limit = $limit", {"limit": self._memory_limit})
            migrate(root, str(self.path))
        except (SchemaError, duckdb.Error) as exc:
            root.close()
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        return root

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The only connection that writes (the deriver's), held for the duration."""
        with self._write_lock:
            if self._root is None:
                raise StoreError("the database is closed, to be opened again")
            if self._writing is None:
                self._writing = self._root.cursor()
            yield self._writing

    def reopen(self) -> None:
        """Open the file again after DuckDB invalidated it (a checkpoint failed when the disk was full), which only
        closing every connection to it undoes; raises StoreError and may be called again. It waits for the write
        connection to be let go (the caller must not hold it); reads wait for it, or are refused while the file is
        closed."""
        with self._write_lock:
            if self._root is not None:
                idle: list[duckdb.DuckDBPyConnection] = []
                try:
                    while len(idle) < READ_CONNECTIONS:
                        idle.append(self._reads.get(timeout=READ_WAIT_SECONDS))
                except queue.Empty:
                    for con in idle:
                        self._reads.put(con)
                    raise StoreError("a read held its connection too long to open the database again") from None
                for con in (*idle, *([self._writing] if self._writing else []), self._root):
                    con.close()
                self._writing = None
                self._root = None
            self._root = self._connect(crashed=False)  # its log is the one this process was writing
            for _ in range(READ_CONNECTIONS):
                self._reads.put(self._root.cursor())

    @property
    def closed(self) -> bool:
        """Whether the file is closed after a failed reopen."""
        return self._root is None

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._root is None:
            raise PoolExhausted("the database is being reopened")
        self.watermarks.wait_derived(FRESH_WAIT_SECONDS)
        try:
            con = self._reads.get(timeout=READ_WAIT_SECONDS)
        except queue.Empty:
            raise PoolExhausted("every read connection is busy") from None
        try:
            yield con
        finally:
            self._reads.put(con)

    @property
    def reads_available(self) -> int:
        return self._reads.qsize()

    def size_bytes(self) -> int | None:
        """File plus write-ahead log, as the disk has them now."""
        sizes = [p.stat().st_size for p in (self.path, database_file.wal(self.path)) if p.exists()]
        return sum(sizes) if sizes else None

    def close(self) -> None:
        """Fold the write-ahead log into the file and release the lock."""
        if self._root is None:
            return
        if self._writing is not None:
            self._writing.close()
        try:
            self._root.execute("CHECKPOINT")
        except duckdb.Error as exc:  # the disk is full: the log stays, and the next start replays it
            log.warning("database %s was not checkpointed at stop: %s", self.path, exc)
        self._root.close()

