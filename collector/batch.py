"""The one batch type that crosses from receivers to the writer: Arrow tables shaped like the runs and events tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa

_INSTANT = pa.timestamp("us", tz="UTC")

RUN_SCHEMA = pa.schema([
    ("run_id", pa.string()),
    ("source", pa.string()),
    ("agent_id", pa.string()),
    ("session_id", pa.string()),
    ("sdk_session_id", pa.string()),
    ("status", pa.string()),
    ("started_at", _INSTANT),
    ("finished_at", _INSTANT),
    ("duration_ms", pa.int64()),
    ("api_duration_ms", pa.int64()),
    ("first_token_ms", pa.int64()),
    ("num_turns", pa.int64()),
    ("tokens_input", pa.int64()),
    ("tokens_output", pa.int64()),
    ("tokens_cache_read", pa.int64()),
    ("tokens_cache_write", pa.int64()),
    ("cost_usd", pa.float64()),
    ("cost_source", pa.string()),
    ("sdk_cost_usd", pa.float64()),
    ("estimated_cost_usd", pa.float64()),
    ("model", pa.string()),
    ("trace_id", pa.string()),
    ("span_id", pa.string()),
    ("parent_span_id", pa.string()),
    ("error_type", pa.string()),
    ("error_message", pa.string()),
    ("data", pa.string()),
])

EVENT_SCHEMA = pa.schema([
    ("event_id", pa.string()),
    ("run_id", pa.string()),
    ("source", pa.string()),
    ("type", pa.string()),
    ("timestamp", _INSTANT),
    ("sequence_number", pa.int64()),
    ("tool_name", pa.string()),
    ("tool_id", pa.string()),
    ("tool_duration_ms", pa.int64()),
    ("tool_success", pa.bool_()),
    ("tokens_input", pa.int64()),
    ("tokens_output", pa.int64()),
    ("tokens_cache_read", pa.int64()),
    ("tokens_cache_write", pa.int64()),
    ("error_type", pa.string()),
    ("error_message", pa.string()),
    ("data", pa.string()),
])


@dataclass(frozen=True)
class Batch:
    """Rows to upsert, or run ids to delete; once submitted it belongs to the writer."""

    runs: pa.Table = field(default_factory=RUN_SCHEMA.empty_table)
    events: pa.Table = field(default_factory=EVENT_SCHEMA.empty_table)
    deleted_run_ids: tuple[str, ...] = ()

    @classmethod
    def from_rows(cls, runs: Iterable[dict[str, Any]] = (), events: Iterable[dict[str, Any]] = ()) -> Batch:
        """Rows are dicts keyed by column name; a missing key is NULL."""
        return cls(runs=pa.Table.from_pylist(list(runs), schema=RUN_SCHEMA),
                   events=pa.Table.from_pylist(list(events), schema=EVENT_SCHEMA))

    @property
    def rows(self) -> int:
        return self.runs.num_rows + self.events.num_rows + len(self.deleted_run_ids)
