"""The Arrow shape of each table the writer fills: its columns, their types, and the key a re-post replaces."""

from __future__ import annotations

import pyarrow as pa

_INSTANT = pa.timestamp("us", tz="UTC")

RUNS = pa.schema([
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
    ("data", pa.string()),  # JSON text; the column is JSON
])

EVENTS = pa.schema([
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

SCHEMAS = {"runs": RUNS, "events": EVENTS}
KEYS = {"runs": "run_id", "events": "event_id"}
