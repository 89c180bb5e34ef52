"""Writes groups of ingest batches into DuckDB in one transaction: Arrow in, SQL upserts, no per-row Python."""

from __future__ import annotations

from typing import Protocol, Sequence

import duckdb
import pyarrow as pa

from analytics.sql import INGEST

TABLES = ("runs", "events")


class Batch(Protocol):
    """What the writer hands over (collector.batch.Batch): Arrow tables per table, or run ids to delete."""

    runs: pa.Table
    events: pa.Table
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
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _upsert(con: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> None:
    for table in TABLES:
        parts = [part for part in (getattr(batch, table) for batch in batches) if part.num_rows]
        if not parts:
            continue
        staged = pa.concat_tables(parts)
        # The arrival order decides which copy of a key wins, and a scan does not promise to keep it.
        staged = staged.append_column("_ord", pa.array(range(staged.num_rows), pa.int64()))
        name = f"staged_{table}"
        con.register(name, staged)
        try:
            for statement in INGEST[f"upsert_{table}"]:
                con.execute(statement)
        finally:
            con.unregister(name)
