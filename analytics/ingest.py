"""The derivation: fold landed batches (collector/landing.py) into the tables the queries read, in one transaction
that also records how far it got: SQL upserts, the runs and events derived from spans and Cylestio events, rollups.
And the Arrow form a batch lands in: one table per table it has rows for, and its run deletions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from types import SimpleNamespace
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics.sql import INGEST
from analytics.tables import KEYS, SCHEMAS, Table, row_count

# The landed table of run ids to delete; every other is named after its table in SCHEMAS.
DELETIONS = "deletions"

# A landed batch: its tables by name, as Arrow.
Landed = Mapping[str, pa.Table]


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


def landed(batches: Sequence[Batch]) -> list[dict[str, pa.Table]]:
    """Each batch as it lands: one Arrow table per table it has rows for, and its deletions. The group's rows of a
    table become one Arrow table, sliced per batch: building it costs about the same for one batch as for 32."""
    tables: list[dict[str, pa.Table]] = [{} for _ in batches]
    for table, schema in SCHEMAS.items():
        parts = [(number, part) for number, batch in enumerate(batches) if row_count(part := getattr(batch, table))]
        if not parts:
            continue
        staged, offset = _staged([part for _, part in parts], schema), 0
        for number, part in parts:
            count = row_count(part)
            tables[number][table] = staged.slice(offset, count)
            offset += count
    for number, batch in enumerate(batches):
        if batch.deleted_run_ids:
            tables[number][DELETIONS] = pa.table({"run_id": pa.array(batch.deleted_run_ids, pa.string())})
    return tables


def progress(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """The landing number of the last batch derived or rejected, and of the highest rejected."""
    return con.execute(_one("derived_seq")).fetchone()


def derive(con: duckdb.DuckDBPyConnection, batches: Sequence[Landed], last: int) -> None:
    """Apply the landed batches in order and record that everything up to landing number `last` is derived, in
    one transaction."""
    with _transaction(con):
        joined: list[Batch] = []
        tables: dict[str, list[pa.Table]] = {}
        for batch in batches:
            if DELETIONS in batch:
                if tables:  # what landed before the deletion is applied before it
                    joined.append(_joined(tables))
                    tables = {}
                joined.append(_batch(deleted_run_ids=tuple(batch[DELETIONS]["run_id"].to_pylist())))
                continue
            for name, table in batch.items():
                tables.setdefault(name, []).append(table)
        if tables:
            joined.append(_joined(tables))
        _apply(con, joined)
        con.execute(_one("mark_derived"), {"last": last})


def write(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    """Derive the batches at once, in this thread, as if they had just landed: the derivation alone, for the
    benchmarks that time it on a file no collector has open."""
    derived, _ = progress(con)
    derive(con, landed(batches), derived + len(batches))


def reject(con: duckdb.DuckDBPyConnection, seq: int, reason: str, payload: bytes) -> None:
    """Keep the batch that cannot be derived, and record that derivation has passed it."""
    with _transaction(con):
        con.execute(_one("reject"), {"seq": seq, "reason": reason, "payload": payload})
        con.execute(_one("mark_derived"), {"last": seq})


def _joined(tables: Mapping[str, list[pa.Table]]) -> Batch:
    """The landed batches' tables, each made one contiguous table: DuckDB scans an Arrow table chunk by chunk, and a
    derivation of 500 AgentD runs took a second over their 1,000 one-batch chunks."""
    return _batch(**{name: pa.concat_tables(parts).combine_chunks() for name, parts in tables.items()})


def _batch(deleted_run_ids: tuple[str, ...] = (), **tables: pa.Table) -> Batch:
    """A Batch for _apply: the tables given, the others empty."""
    return SimpleNamespace(**{name: tables.get(name, {}) for name in SCHEMAS}, deleted_run_ids=deleted_run_ids)


def _one(name: str) -> str:
    (statement,) = INGEST[name]
    return statement


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
