"""What the collector's file holds, read directly with DuckDB once its server has stopped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import duckdb

from tests.reliability.cases import Lookup


def missing(db: Path, lookups: Iterable[Lookup]) -> set[Lookup]:
    """The lookups with no row in the file; read-only, so the server that owns the file must be stopped."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for table, column, value in lookups:
        wanted[table, column].add(value)
    absent: set[Lookup] = set()
    with duckdb.connect(str(db), read_only=True) as con:
        for (table, column), values in wanted.items():
            # Table and column names come from the battery's own lookups, never from a response.
            found = {row[0] for row in con.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN (SELECT unnest($values))",
                {"values": sorted(values)}).fetchall()}
            absent |= {(table, column, value) for value in values - found}
    return absent
