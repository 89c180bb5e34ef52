"""The AgentD receiver's query API over runs and events; the HTTP routes and Python callers share these functions."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from analytics.security import run_summaries
from analytics.sql import Connection, dicts, query


def _events_by_run(con: Connection, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # Bounds passed as parameters, constants to the planner, so the scan skips the row groups outside them.
    first_at, last_at = query(con, "run_event_times", run_ids=run_ids).fetchone()
    for run_id, data in query(con, "run_events", run_ids=run_ids, first_at=first_at, last_at=last_at).fetchall():
        grouped[run_id].append(json.loads(data))
    return grouped


def _with_events(con: Connection, rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Runs as the receiver returns them: the stored record with its events nested after `tool_calls`, and
    `security`, its findings counted, last."""
    run_ids = [run_id for run_id, _ in rows]
    events, security = _events_by_run(con, run_ids), run_summaries(con, run_ids)
    runs = []
    for run_id, data in rows:
        record = json.loads(data)
        shaped: dict[str, Any] = {}
        for key, value in record.items():
            shaped[key] = value
            if key == "tool_calls":
                shaped["events"] = events.get(run_id, [])
        shaped.setdefault("events", events.get(run_id, []))
        shaped["security"] = security[run_id]
        runs.append(shaped)
    return runs


def list_runs(con: Connection, *, agent_id: str | None = None, status: str | None = None, model: str | None = None,
              trace_id: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    filters = {"agent_id": agent_id, "status": status, "model": model, "trace_id": trace_id}
    (total,) = query(con, "count_runs", **filters).fetchone()
    rows = query(con, "list_runs", **filters, limit=limit, offset=offset).fetchall()
    return {"data": _with_events(con, rows), "total": total, "limit": limit, "offset": offset,
            "has_more": offset + len(rows) < total}


def get_run(con: Connection, run_id: str) -> dict[str, Any] | None:
    rows = query(con, "get_run", run_id=run_id).fetchall()
    return _with_events(con, rows)[0] if rows else None


def run_events(con: Connection, run_id: str) -> list[dict[str, Any]]:
    return _events_by_run(con, [run_id]).get(run_id, [])


def trace_runs(con: Connection, trace_id: str) -> list[dict[str, Any]]:
    return _with_events(con, query(con, "trace_runs", trace_id=trace_id).fetchall())


def run_exists(con: Connection, run_id: str) -> bool:
    return query(con, "run_exists", run_id=run_id).fetchone()[0]


def agents(con: Connection) -> list[dict[str, Any]]:
    return dicts(query(con, "agents"))


def stats(con: Connection, *, agent_id: str | None = None, since: datetime | None = None) -> dict[str, Any]:
    return dicts(query(con, "stats", agent_id=agent_id, since=since))[0]


def tools(con: Connection, *, agent_id: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
    return dicts(query(con, "tools", agent_id=agent_id, since=since))
