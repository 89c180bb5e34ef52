"""Security findings: the filtered list, and the per-run summary; the HTTP routes and Python callers share these.

Timestamps come back as aware datetimes; the HTTP routes spell them as RFC 3339 UTC.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from analytics.sql import Connection, query

SEVERITIES = ("critical", "high", "medium", "low", "info")
DETECTORS = ("client", "collector")


def findings(con: Connection, *, agent_id: str | None = None, session_id: str | None = None,
             run_id: str | None = None, category: str | None = None, severity: str | None = None,
             detector: str | None = None, start_time: datetime | None = None, end_time: datetime | None = None,
             limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of findings, newest first, as {"data", "total", "limit", "offset", "has_more"}."""
    total, results = query(con, "security_findings", agent_id=agent_id, session_id=session_id, run_id=run_id,
                           category=category, severity=severity, detector=detector, start_time=start_time,
                           end_time=end_time, limit=limit, offset=offset).fetchone()
    page = [finding | {"data": json.loads(finding["data"])} for finding in results or []]
    return {"data": page, "total": total, "limit": limit, "offset": offset, "has_more": offset + len(page) < total}


def _summary(by_severity: dict[str, int], by_category: dict[str, int]) -> dict[str, Any]:
    # Most severe first; a severity outside the five (none is stored today) after them, in name order.
    ordered = {name: by_severity[name] for name in SEVERITIES if name in by_severity}
    ordered |= {name: count for name, count in sorted(by_severity.items()) if name not in ordered}
    by_category = dict(sorted(by_category.items(), key=lambda item: (-item[1], item[0])))
    return {"findings": sum(by_severity.values()), "by_severity": ordered, "by_category": by_category}


def run_summaries(con: Connection, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per run id: {"findings": n, "by_severity": {...}, "by_category": {...}} (counts above 0 only)."""
    severities: dict[str, Counter[str]] = defaultdict(Counter)
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    for run_id, severity, category, count in query(con, "security_run_summary", run_ids=run_ids).fetchall():
        severities[run_id][severity] += count
        categories[run_id][category] += count
    return {run_id: _summary(severities[run_id], categories[run_id]) for run_id in run_ids}
