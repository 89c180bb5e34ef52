"""The Cylestio-style metrics over runs, events and findings; each function returns the `data` part of its
/api/v1/metrics route, so the HTTP API and Python callers get the same answer.

Every function takes a connection first and the same keyword filters: a half-open window [start, end) on when a run
started (an event or finding happened), defaulting to the 24 hours before now, and exact `agent_id` / `session_id`.
Response times are per model response, not per run: the duration of each LLM call that reports one, in the window
by when its event is stamped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analytics.sql import Connection, query

DEFAULT_WINDOW = timedelta(hours=24)
INTERVALS = ("minute", "hour", "day")
DEFAULT_PERCENTILES = (50, 90, 95, 99)
DEFAULT_TOP_N = 10


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def window(start: datetime | None = None, end: datetime | None = None) -> tuple[datetime, datetime]:
    """The instants a query covers: end defaults to now, start to end - 24 h, naive means UTC; raises ValueError
    unless start < end."""
    start, end = _utc(start), _utc(end) or datetime.now(UTC)
    if start is None:
        try:
            start = end - DEFAULT_WINDOW
        except OverflowError:
            raise ValueError(f"end_time ({end.isoformat()}) leaves no 24 hours before it; give start_time") from None
    if start >= end:
        raise ValueError(f"start_time ({start.isoformat()}) must be before end_time ({end.isoformat()})")
    return start, end


def _params(start: datetime | None, end: datetime | None, agent_id: str | None, session_id: str | None,
            **extra: Any) -> dict[str, Any]:
    start, end = window(start, end)
    return {"start": start, "end": end, "agent_id": agent_id, "session_id": session_id, **extra}


def _interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")
    return interval


def _top_n(top_n: int) -> int:
    if top_n < 1:
        raise ValueError(f"top_n must be at least 1, not {top_n}")
    return top_n


def _row(cursor: Connection) -> dict[str, Any]:
    names = [column[0] for column in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def _counts(rows: list[tuple[str, int, int]], key: str, total_key: str) -> dict[str, Any]:
    """Rows of (group, count, total over all groups), largest group first, as {key: {group: count}, total_key: n}."""
    return {key: {group: count for group, count, _ in rows}, total_key: int(rows[0][2]) if rows else 0}


def response_time_average(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                          agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    return _row(query(con, "metrics_response_time_average", **_params(start, end, agent_id, session_id)))


def response_time_percentiles(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                              agent_id: str | None = None, session_id: str | None = None,
                              percentiles: list[int] | tuple[int, ...] = DEFAULT_PERCENTILES) -> dict[str, Any]:
    if not percentiles or any(not 0 <= p <= 100 for p in percentiles):
        raise ValueError(f"percentiles must be between 0 and 100, not {list(percentiles)}")
    fractions = [p / 100 for p in percentiles]
    values, count = query(con, "metrics_response_time_percentiles",
                             **_params(start, end, agent_id, session_id, fractions=fractions)).fetchone()
    values = values or [None] * len(percentiles)
    data: dict[str, Any] = {f"p{p}_response_time_ms": value for p, value in zip(percentiles, values, strict=True)}
    data["response_count"] = count
    return data


def response_time_trend(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                        agent_id: str | None = None, session_id: str | None = None,
                        interval: str = "hour") -> dict[str, Any]:
    rows = query(con, "metrics_response_time_trend",
                    **_params(start, end, agent_id, session_id, interval=_interval(interval))).fetchall()
    trends = {bucket: {"average_response_time_ms": average, "count": count} for bucket, average, count in rows}
    return {"response_time_trends": trends, "interval": interval}


def token_usage_total(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                      agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    return _row(query(con, "metrics_token_usage_total", **_params(start, end, agent_id, session_id)))


def token_usage_average(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                        agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    return _row(query(con, "metrics_token_usage_average", **_params(start, end, agent_id, session_id)))


def token_usage_by_model(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                         agent_id: str | None = None, session_id: str | None = None, model_name: str | None = None,
                         top_n: int = DEFAULT_TOP_N) -> dict[str, Any]:
    rows = query(con, "metrics_token_usage_by_model", **_params(start, end, agent_id, session_id,
                                                                   model_name=model_name, top_n=_top_n(top_n)))
    return {"usage_by_model": {
        model: {"input_tokens": input_tokens, "output_tokens": output_tokens, "cost_usd": cost, "request_count": count}
        for model, input_tokens, output_tokens, cost, count in rows.fetchall()}}


def security_alerts_count(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                          agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    return _row(query(con, "metrics_security_alerts_count", **_params(start, end, agent_id, session_id)))


def security_risk_level(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                        agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    row = _row(query(con, "metrics_security_risk_level", **_params(start, end, agent_id, session_id)))
    severities = ("critical", "high", "medium", "low", "info")
    return {"severity_distribution": {severity: row[severity] for severity in severities},
            "total_alerts": row["total_alerts"], "risk_score": row["risk_score"], "risk_level": row["risk_level"]}


def security_alerts_by_category(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                                agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    rows = query(con, "metrics_security_alerts_by_category",
                    **_params(start, end, agent_id, session_id)).fetchall()
    return _counts(rows, "categories", "total_alerts")


def security_alerts_trend(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                          agent_id: str | None = None, session_id: str | None = None,
                          interval: str = "hour") -> dict[str, Any]:
    rows = query(con, "metrics_security_alerts_trend",
                    **_params(start, end, agent_id, session_id, interval=_interval(interval))).fetchall()
    trends = {bucket: {"alert_count": count, "high_severity": high, "medium_severity": medium, "low_severity": low}
              for bucket, count, high, medium, low in rows}
    return {"alert_trends": trends, "interval": interval}


def usage_requests_by_agent(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                            agent_id: str | None = None, session_id: str | None = None,
                            top_n: int = DEFAULT_TOP_N) -> dict[str, Any]:
    rows = query(con, "metrics_usage_requests_by_agent",
                    **_params(start, end, agent_id, session_id, top_n=_top_n(top_n))).fetchall()
    return _counts(rows, "requests_by_agent", "total_requests")


def usage_frameworks_distribution(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                                  agent_id: str | None = None, session_id: str | None = None,
                                  top_n: int = DEFAULT_TOP_N) -> dict[str, Any]:
    rows = query(con, "metrics_usage_frameworks_distribution",
                    **_params(start, end, agent_id, session_id, top_n=_top_n(top_n))).fetchall()
    return _counts(rows, "frameworks", "total_requests")


def usage_events_distribution(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                              agent_id: str | None = None, session_id: str | None = None,
                              top_n: int = DEFAULT_TOP_N) -> dict[str, Any]:
    rows = query(con, "metrics_usage_events_distribution",
                    **_params(start, end, agent_id, session_id, top_n=_top_n(top_n))).fetchall()
    return _counts(rows, "event_types", "total_events")


def usage_sessions_count(con: Connection, *, start: datetime | None = None, end: datetime | None = None,
                         agent_id: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    return _row(query(con, "metrics_usage_sessions_count", **_params(start, end, agent_id, session_id)))
