"""The two steps of the write path, each its own transaction. land: append a group of batches to the landing table,
each of their tables as an Arrow IPC stream, which is all an acknowledgement waits for. derive: fold a range of landed
batches into the tables the queries read (SQL upserts, derivations, rollups) and delete them from the landing
table."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics.sql import INGEST
from analytics.tables import KEYS, SCHEMAS, Table, row_count

# The landing table's kind for run ids to delete; every other kind is a table of SCHEMAS.
DELETIONS = "deletions"
# Rows appended by one INSERT: one per table of a batch, so a group of 32 AgentD runs takes one statement.
LANDED_PER_STATEMENT = 256


class Batch(Protocol):
    """What the writer hands over (collector.batch.Batch): column lists or an Arrow table per table, or run ids to
    delete."""

    spans: Table
    runs: Table
    events: Table
    security_findings: Table
    logs: Table
    metrics: Table
    deleted_run_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Landed:
    """Landed batches read back: a range's rows per table as Arrow, or one batch's deletions."""

    spans: Table = field(default_factory=dict)
    runs: Table = field(default_factory=dict)
    events: Table = field(default_factory=dict)
    security_findings: Table = field(default_factory=dict)
    logs: Table = field(default_factory=dict)
    metrics: Table = field(default_factory=dict)
    deleted_run_ids: tuple[str, ...] = ()


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a COMMIT that failed has rolled back already
            con.rollback()
        raise


def land(con: duckdb.DuckDBPyConnection, batches: Sequence[tuple[int, Batch]]) -> None:
    """Append the numbered batches to the landing table in one transaction: every one is committed or none is."""
    rows = []
    for table, schema in SCHEMAS.items():
        parts = [(seq, part) for seq, batch in batches if row_count(part := getattr(batch, table))]
        if not parts:
            continue
        # One Arrow table for the group, sliced per batch: building it costs the same for one batch as for 32.
        staged, offset = _staged([part for _, part in parts], schema), 0
        for seq, part in parts:
            count = row_count(part)
            rows.append((seq, table, count, _to_ipc(staged.slice(offset, count))))
            offset += count
    for seq, batch in batches:
        if batch.deleted_run_ids:
            deleted = pa.table({"run_id": pa.array(batch.deleted_run_ids, pa.string())})
            rows.append((seq, DELETIONS, deleted.num_rows, _to_ipc(deleted)))
    with _transaction(con):
        # One statement with every row as parameters: registering an Arrow table of them costs more than it saves.
        for start in range(0, len(rows), LANDED_PER_STATEMENT):
            chunk = rows[start:start + LANDED_PER_STATEMENT]
            con.execute("INSERT INTO landed VALUES " + ", ".join(["(?, ?, ?, ?)"] * len(chunk)),
                        [value for row in chunk for value in row])


def pending(con: duckdb.DuckDBPyConnection) -> tuple[int, list[tuple[int, int]]]:
    """The last landing number used, and the batches landed but not derived with their rows, in landing order."""
    (last,) = con.execute(_one("last_seq")).fetchone()
    return last, [(seq, rows) for seq, rows in con.execute(_one("pending")).fetchall()]


def derive(con: duckdb.DuckDBPyConnection, first: int, last: int) -> None:
    """Derive the landed batches numbered first to last, in order, and forget them, in one transaction."""
    bounds = {"first": first, "last": last}
    with _transaction(con):
        batches: list[_Landed] = []
        tables: dict[str, list[pa.Table]] = {}
        for _, kind, payload in con.execute(_one("landed_range"), bounds).fetchall():
            landed = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
            if kind != DELETIONS:
                tables.setdefault(kind, []).append(landed)
                continue
            if tables:  # what landed before the deletion is applied before it
                batches.append(_Landed(**{kind: pa.concat_tables(parts) for kind, parts in tables.items()}))
                tables = {}
            batches.append(_Landed(deleted_run_ids=tuple(landed["run_id"].to_pylist())))
        if tables:
            batches.append(_Landed(**{kind: pa.concat_tables(parts) for kind, parts in tables.items()}))
        _apply(con, batches)
        for statement in INGEST["forget_landed"]:
            con.execute(statement, bounds)


def write(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    """Land the batches and derive them at once, in this thread: the whole write path, for the benchmarks that time
    it on a file no collector has open."""
    last, _ = pending(con)
    land(con, list(enumerate(batches, last + 1)))
    derive(con, last + 1, last + len(batches))


def reject(con: duckdb.DuckDBPyConnection, seq: int, reason: str) -> None:
    """Record that the batch cannot be derived, so that derivation passes over it."""
    with _transaction(con):
        con.execute(_one("reject"), {"seq": seq, "reason": reason})


def probe(con: duckdb.DuckDBPyConnection) -> None:
    """Commit a write that changes nothing a query reads; raises what a commit would raise now."""
    with _transaction(con):
        for statement in INGEST["probe"]:
            con.execute(statement)


def _one(name: str) -> str:
    (statement,) = INGEST[name]
    return statement


def _to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return sink.getvalue().to_pybytes()


def _apply(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    """Apply the batches in order within the open transaction: upserts, deletions, then the rollups."""
    upserts: list[Batch] = []
    for batch in batches:
        if batch.deleted_run_ids:
            _upsert(con, upserts)
            upserts = []
            for statement in INGEST["delete_runs"]:
                con.execute(statement, {"run_ids": list(batch.deleted_run_ids)})
        else:
            upserts.append(batch)
    _upsert(con, upserts)
    # Rollups last: they recompute what the commit wrote from the tables as it leaves them (rollups.sql).
    for statement in INGEST["rollups"]:
        con.execute(statement)


def _upsert(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    for table, schema in SCHEMAS.items():
        parts = [part for part in (getattr(batch, table) for batch in batches) if row_count(part)]
        if not parts:
            continue
        staged = _staged(parts, schema)
        if table in KEYS:
            staged = _last_per_key(staged, KEYS[table])
        name = f"staged_{table}"
        # After a failed statement the transaction refuses even unregister; the next register replaces the view.
        con.register(name, staged)
        for statement in INGEST[f"write_{table}"]:
            con.execute(statement)
        # A source's own derivations (write_<table>.<source>.sql) run only when the group holds its rows: planning
        # them costs ~18 ms per commit, which every other source would pay for nothing.
        if "source" in staged.column_names:
            for source in pc.unique(staged["source"]).to_pylist():
                for statement in INGEST.get(f"write_{table}.{source}", ()):
                    con.execute(statement)
        con.unregister(name)


def _staged(parts: Sequence[Table], schema: pa.Schema) -> pa.Table:
    """One table of the parts in order; consecutive column lists become one Arrow table together."""
    tables, lists = [], []
    for part in [*parts, None]:
        if isinstance(part, Mapping):
            lists.append(part)
            continue
        if lists:
            tables.append(pa.Table.from_pydict(
                {name: list(chain.from_iterable(columns[name] for columns in lists)) for name in schema.names},
                schema=schema))
            lists = []
        if part is not None:
            tables.append(part)
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def _last_per_key(staged: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """Keep the last-posted copy of each key, in Arrow: cheaper than a window in SQL, and free when keys are unique."""
    if staged.group_by(list(key)).aggregate([]).num_rows == staged.num_rows:
        return staged
    positions = staged.append_column("_ord", pa.array(range(staged.num_rows), pa.int64()))
    last = positions.group_by(list(key)).aggregate([("_ord", "max")])["_ord_max"]
    return staged.take(last)
