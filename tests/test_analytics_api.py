"""The analytics package answers without the server, from the DuckDB file, exactly as the HTTP API does."""

from __future__ import annotations

import duckdb

from analytics import runs
from collector.instants import parse_instant
from tests.conftest import captured_requests


def test_python_api_matches_http(collector):
    http = collector.client()
    for request in captured_requests("agentd_cap.jsonl"):
        http.post(request["path"], json=request["body"])
    since = "2026-11-22T23:58:30+01:00"  # 22:58:30 UTC: after the first run, before the second
    over_http = {
        "runs": http.get("/v1/runs", params={"status": "failed"}).json(),
        "agents": http.get("/v1/agents").json(),
        "stats": http.get("/v1/stats", params={"since": since}).json(),
        "tools": http.get("/v1/tools", params={"agent_id": "other-agent"}).json(),
    }
    assert over_http["stats"]["total_runs"] == 1
    collector.stop()

    with duckdb.connect(str(collector.db), read_only=True) as con:
        assert over_http == {
            "runs": runs.list_runs(con, status="failed"),
            "agents": runs.agents(con),
            "stats": runs.stats(con, since=parse_instant(since)),
            "tools": runs.tools(con, agent_id="other-agent"),
        }
