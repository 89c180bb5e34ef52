"""The one batch type that crosses from receivers to the writer: columns of the runs and events tables, or deletions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from analytics.tables import SCHEMAS, Table, row_count

Columns = dict[str, list[Any]]


def _columns(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> Columns:
    rows = list(rows)
    return {name: [row.get(name) for row in rows] for name in schema.names} if rows else {}


@dataclass(frozen=True)
class Batch:
    """Rows to write, column by column per table, or run ids to delete; once submitted it belongs to the writer.

    Columns stay Python lists until the writer turns a whole commit group into one Arrow table: building Arrow per
    request cost more than everything else a small REST request does (measured with py-spy under the ingest
    benchmark). An OTLP batch becomes Arrow tables in the worker process that decoded it (in_arrow, workers.py).
    """

    spans: Table = field(default_factory=dict)
    runs: Table = field(default_factory=dict)
    events: Table = field(default_factory=dict)
    security_findings: Table = field(default_factory=dict)
    logs: Table = field(default_factory=dict)
    metrics: Table = field(default_factory=dict)
    deleted_run_ids: tuple[str, ...] = ()

    @classmethod
    def from_rows(cls, **tables: Iterable[dict[str, Any]]) -> Batch:
        """Rows per table name (runs=[...], spans=[...]); a row is a dict keyed by column name, a missing key NULL."""
        return cls(**{table: _columns(rows, SCHEMAS[table]) for table, rows in tables.items()})

    def in_arrow(self) -> Batch:
        """The same batch with each table's columns as one Arrow table; it then crosses processes cheaply."""
        return replace(self, **{table: pa.Table.from_pydict(columns, schema=SCHEMAS[table])
                                for table in SCHEMAS if (columns := getattr(self, table))})

    @property
    def rows(self) -> int:
        return sum(row_count(getattr(self, table)) for table in SCHEMAS) + len(self.deleted_run_ids)
