"""agent-collector analytics: the DuckDB schema and every SQL query behind the query API, usable without the server.

    import analytics
    from analytics import metrics, runs
    con = analytics.connect("agent-collector.duckdb")   # while the collector is stopped: it holds the file's lock
    runs.stats(con, agent_id="my-agent")
    metrics.token_usage_total(con, agent_id="my-agent")
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The collector's file, read-only, with times bucketed and printed in UTC as the server does."""
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con
