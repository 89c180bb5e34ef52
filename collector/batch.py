"""The one batch type that crosses from receivers to the writer: columns of the runs and events tables, or deletions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from analytics.tables import EVENTS, RUNS

Columns = dict[str, list[Any]]


def _columns(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> Columns:
    rows = list(rows)
    return {name: [row.get(name) for row in rows] for name in schema.names} if rows else {}


def _length(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 0


@dataclass(frozen=True)
class Batch:
    """Rows to upsert, column by column, or run ids to delete; once submitted it belongs to the writer.

    Columns stay Python lists until the writer turns a whole commit group into one Arrow table: building Arrow per
    request cost more than everything else a request does (measured with py-spy under the ingest benchmark).
    """

    runs: Columns = field(default_factory=dict)
    events: Columns = field(default_factory=dict)
    deleted_run_ids: tuple[str, ...] = ()

    @classmethod
    def from_rows(cls, runs: Iterable[dict[str, Any]] = (), events: Iterable[dict[str, Any]] = ()) -> Batch:
        """Rows are dicts keyed by column name; a missing key is NULL."""
        return cls(runs=_columns(runs, RUNS), events=_columns(events, EVENTS))

    @property
    def rows(self) -> int:
        return _length(self.runs) + _length(self.events) + len(self.deleted_run_ids)
