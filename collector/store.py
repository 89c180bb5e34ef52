"""Opens the DuckDB file this process owns, keeps its schema current, and lends read connections."""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator
from pathlib import Path

import duckdb

from analytics.schema import SchemaError, migrate

READ_CONNECTIONS = 4
READ_WAIT_SECONDS = 30.0


class StoreError(RuntimeError):
    """The database cannot be opened; the message says why in one line."""


class PoolExhausted(RuntimeError):
    """Every read connection stayed busy for READ_WAIT_SECONDS."""


class Store:
    def __init__(self, path: Path, memory_limit: str | None = None):
        self.path = path
        try:
            self._root = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise StoreError(_lock_message(path, exc)) from None
        try:
            # Instants are stored as TIMESTAMPTZ; UTC makes SQL formatting and date bucketing independent of the host.
            self._root.execute("SET GLOBAL TimeZone = 'UTC'")
            # DuckDB checkpoints whenever the write-ahead log passes 16 MB: every few commits at ingest rates. 64 MB
            # took a sixth off the OTLP write path (tests/benchmarks/bench_stages.py), checkpoints included; a crash
            # replays at most that much log on the next start.
            self._root.execute("SET GLOBAL checkpoint_threshold = '64MB'")
            if memory_limit:
                # DuckDB's default is 80% of the machine's memory, which its cache of a large file would fill.
                self._root.execute("SET GLOBAL memory_limit = $limit", {"limit": memory_limit})
            migrate(self._root, str(path))
        except SchemaError as exc:
            self._root.close()
            raise StoreError(str(exc)) from None
        self._reads: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
        for _ in range(READ_CONNECTIONS):
            self._reads.put(self._root.cursor())

    def write_connection(self) -> duckdb.DuckDBPyConnection:
        """The only connection that writes; the writer thread takes it and nothing else uses it."""
        return self._root.cursor()

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
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
        sizes = [p.stat().st_size for p in (self.path, Path(f"{self.path}.wal")) if p.exists()]
        return sum(sizes) if sizes else None

    def close(self) -> None:
        """Fold the write-ahead log into the file and release the lock."""
        self._root.execute("CHECKPOINT")
        self._root.close()


def _lock_message(path: Path, exc: duckdb.IOException) -> str:
    text = str(exc)
    if "lock" in text.lower():
        holder = text.split("Conflicting lock is held in", 1)[-1].split(". See also", 1)[0].strip()
        return f"database {path} is locked by another process ({holder}); stop it or use another --db"
    return f"cannot open database {path}: {text}"
