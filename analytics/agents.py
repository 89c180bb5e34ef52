"""The Cylestio-style browsing API over runs, events and findings: agents, an agent's events, security alerts.

Timestamps come back as aware datetimes; the HTTP routes spell them as RFC 3339 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from analytics.sql import Connection, dicts, query

AGENT_SORTS = ("last_seen", "first_seen", "agent_id", "event_count")
SEVERITIES = ("critical", "high", "medium", "low", "info")
ALERT_STATUSES = ("active", "resolved")


def _page(total: int, results: list[dict[str, Any]] | None, limit: int, offset: int) -> dict[str, Any]:
    results = results or []
    return {"results": results,
            "pagination": {"total": total, "limit": limit, "offset": offset,
                           "has_more": offset + len(results) < total}}


def list_agents(con: Connection, *, start_time: datetime | None = None, end_time: datetime | None = None,
                limit: int = 20, offset: int = 0, sort_by: str = "last_seen", sort_order: str = "desc",
                now: datetime | None = None) -> dict[str, Any]:
    """Agents (distinct agent_id of runs); with a window, only those with runs started in it, counted over it."""
    total, results = query(con, "api_agents", start_time=start_time, end_time=end_time, limit=limit,
                              offset=offset, sort_by=sort_by, sort_order=sort_order,
                              now=now or datetime.now(UTC)).fetchone()
    return _page(total, results, limit, offset)


def get_agent(con: Connection, agent_id: str, *, now: datetime | None = None) -> dict[str, Any] | None:
    rows = dicts(query(con, "api_agent", agent_id=agent_id, now=now or datetime.now(UTC)))
    if not rows:
        return None
    row = rows[0]
    return {
        "agent_id": agent_id,
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "llm_provider": row["llm_provider"],
        "status": row["status"],
        "event_counts": {"by_type": row["by_type"] or {}, "by_channel": row["by_channel"] or {},
                         "total": row["total"]},
        "performance": {"avg_response_time_ms": row["avg_response_time_ms"]},
        "latest_event": row["latest_event"],
        "first_event": row["first_event"],
    }


def agent_events(con: Connection, agent_id: str, *, event_type: str | None = None, level: str | None = None,
                 channel: str | None = None, start_time: datetime | None = None, end_time: datetime | None = None,
                 session_id: str | None = None, limit: int = 50, offset: int = 0,
                 sort_order: str = "desc") -> dict[str, Any] | None:
    """One page of an agent's events by time; None when the agent has no runs."""
    known, total, results = query(con, "api_agent_events", agent_id=agent_id, event_type=event_type, level=level,
                                     channel=channel, start_time=start_time, end_time=end_time,
                                     session_id=session_id, limit=limit, offset=offset,
                                     sort_order=sort_order).fetchone()
    if not known:
        return None
    for event in results or []:
        event["data"] = json.loads(event["data"])
    return _page(total, results, limit, offset)


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    """The Cylestio alert shape: the finding's typed columns and its stored data under `details`."""
    typed = {key: row[key] for key in ("category", "rule", "excerpt", "alert_level", "run_id", "event_id",
                                       "session_id", "detector", "source")}
    extra = json.loads(row["data"])
    return {
        "id": row["id"],
        "timestamp": row["timestamp"],
        "agent_id": row["agent_id"],
        "event_type": "security_alert",
        "channel": "SECURITY",
        "severity": row["severity"],
        "status": row["status"],
        "message": row["message"],
        # The typed columns win over a same-named key the client sent.
        "details": typed | {key: value for key, value in extra.items() if key not in typed},
    }


def list_alerts(con: Connection, *, agent_id: str | None = None, severity: str | None = None,
                status: str | None = None, start_time: datetime | None = None, end_time: datetime | None = None,
                limit: int = 20, offset: int = 0, now: datetime | None = None) -> dict[str, Any]:
    """Security findings, newest first."""
    total, results = query(con, "api_alerts", agent_id=agent_id, severity=severity, status=status,
                              start_time=start_time, end_time=end_time, limit=limit, offset=offset,
                              now=now or datetime.now(UTC)).fetchone()
    return _page(total, [_alert(row) for row in results or []], limit, offset)


def get_alert(con: Connection, alert_id: str, *, now: datetime | None = None) -> dict[str, Any] | None:
    """One finding with `context`: up to 10 events of its run nearest to it in time."""
    rows = dicts(query(con, "api_alert", alert_id=alert_id, now=now or datetime.now(UTC)))
    if not rows:
        return None
    row = rows[0]
    context = []
    if row["run_id"] is not None:
        context = dicts(query(con, "api_alert_context", run_id=row["run_id"], at=row["timestamp"]))
    return _alert(row) | {"context": context}
