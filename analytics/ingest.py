"""Writes a group of ingest batches into DuckDB in one transaction: one Arrow table per table, then SQL upserts."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics.sql import INGEST
from analytics.tables import KEYS, SCHEMAS, Table, row_count


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


def write(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    """Apply the batches in order, all in one transaction: either every one is committed or none is."""
    con.begin()
    try:
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
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a COMMIT that failed has rolled back already
            con.rollback()
        raise


def probe(con: duckdb.DuckDBPyConnection) -> None:
    """Commit a write that changes nothing a query reads; raises what a commit would raise now."""
    con.begin()
    try:
        for statement in INGEST["probe"]:
            con.execute(statement)
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


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
