"""The Arrow shape of each table the writer fills: its columns, their types, and the key a re-post replaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    ("agent_name", pa.string()),
    ("tokens_reasoning", pa.int64()),
    ("framework", pa.string()),
    ("provider", pa.string()),
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
    ("tokens_reasoning", pa.int64()),
    ("model", pa.string()),
    ("cost_usd", pa.float64()),
    ("agent_id", pa.string()),
    ("session_id", pa.string()),
    ("level", pa.string()),
    ("duration_ms", pa.float64()),
])

SECURITY_FINDINGS = pa.schema([
    ("finding_id", pa.string()),
    ("source", pa.string()),
    ("detector", pa.string()),
    ("run_id", pa.string()),
    ("event_id", pa.string()),
    ("agent_id", pa.string()),
    ("session_id", pa.string()),
    ("timestamp", _INSTANT),
    ("category", pa.string()),
    ("severity", pa.string()),
    ("rule", pa.string()),
    ("alert_level", pa.string()),
    ("description", pa.string()),
    ("excerpt", pa.string()),
    ("data", pa.string()),
])

SPANS = pa.schema([
    ("trace_id", pa.string()),
    ("span_id", pa.string()),
    ("parent_span_id", pa.string()),
    ("trace_state", pa.string()),
    ("flags", pa.int64()),
    ("name", pa.string()),
    ("kind", pa.string()),
    ("start_time", _INSTANT),
    ("end_time", _INSTANT),
    ("duration_ms", pa.float64()),
    ("status_code", pa.string()),
    ("status_message", pa.string()),
    ("service_name", pa.string()),
    ("scope_name", pa.string()),
    ("scope_version", pa.string()),
    ("resource_attributes", pa.string()),
    ("scope_attributes", pa.string()),
    ("attributes", pa.string()),
    ("events", pa.string()),
    ("links", pa.string()),
    ("dropped_attributes_count", pa.int64()),
    ("dropped_events_count", pa.int64()),
    ("dropped_links_count", pa.int64()),
    ("role", pa.string()),
    ("operation", pa.string()),
    ("agent_id", pa.string()),
    ("agent_name", pa.string()),
    ("session_id", pa.string()),
    ("provider", pa.string()),
    ("model", pa.string()),
    ("tool_name", pa.string()),
    ("tool_call_id", pa.string()),
    ("error_type", pa.string()),
    ("error_message", pa.string()),
    ("tokens_input", pa.int64()),
    ("tokens_output", pa.int64()),
    ("tokens_cache_read", pa.int64()),
    ("tokens_cache_write", pa.int64()),
    ("tokens_reasoning", pa.int64()),
    ("cost_usd", pa.float64()),
    ("cost_source", pa.string()),
    ("framework", pa.string()),
    ("transport", pa.bool_()),
    ("workflow_name", pa.string()),
    ("agent_span_name", pa.string()),
    ("response_id", pa.string()),
    ("messages", pa.string()),  # JSON text (collector/messages.py)
])

LOGS = pa.schema([
    ("time", _INSTANT),
    ("observed_time", _INSTANT),
    ("severity_number", pa.int64()),
    ("severity_text", pa.string()),
    ("event_name", pa.string()),
    ("body", pa.string()),
    ("trace_id", pa.string()),
    ("span_id", pa.string()),
    ("flags", pa.int64()),
    ("service_name", pa.string()),
    ("scope_name", pa.string()),
    ("scope_version", pa.string()),
    ("resource_attributes", pa.string()),
    ("attributes", pa.string()),
    ("dropped_attributes_count", pa.int64()),
    ("messages", pa.string()),
])

METRICS = pa.schema([
    ("name", pa.string()),
    ("description", pa.string()),
    ("unit", pa.string()),
    ("type", pa.string()),
    ("time", _INSTANT),
    ("start_time", _INSTANT),
    ("temporality", pa.int64()),
    ("is_monotonic", pa.bool_()),
    ("value", pa.float64()),
    ("count", pa.int64()),
    ("sum", pa.float64()),
    ("data", pa.string()),
    ("service_name", pa.string()),
    ("scope_name", pa.string()),
    ("resource_attributes", pa.string()),
    ("attributes", pa.string()),
])

# Spans first: the runs and events derived from them are recomputed right after, in the same transaction.
SCHEMAS = {"spans": SPANS, "runs": RUNS, "events": EVENTS, "security_findings": SECURITY_FINDINGS, "logs": LOGS,
           "metrics": METRICS}
# The columns a re-post replaces by; tables without a key only ever append.
KEYS = {"spans": ("trace_id", "span_id"), "runs": ("run_id",), "events": ("event_id",),
        "security_findings": ("finding_id",)}

# One table's rows in a batch: column lists by name, or the same columns as an Arrow table.
Table = Mapping[str, list[Any]] | pa.Table


def row_count(part: Table) -> int:
    if isinstance(part, pa.Table):
        return part.num_rows
    return len(next(iter(part.values()), ()))
