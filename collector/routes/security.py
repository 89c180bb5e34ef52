"""The security findings route: GET /v1/security/findings, what the detectors and the clients found."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from analytics import security
from collector.routes.instants import End, InstantJSON, Start, require_window
from collector.routes.paging import Offset

router = APIRouter(tags=["security"])


@router.get("/v1/security/findings")
def findings(request: Request, agent_id: str | None = None, session_id: str | None = None,
             run_id: str | None = None,
             category: Annotated[str | None, Query(description="prompt_injection, dangerous_command, secret, pii, "
                                                               "or a client's own category")] = None,
             severity: Literal[security.SEVERITIES] | None = None,
             detector: Literal[security.DETECTORS] | None = None,
             start_time: Start = None, end_time: End = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 50,
             offset: Offset = 0) -> InstantJSON:
    """Findings, newest first, in the window [start_time, end_time), as {"data", "total", "limit", "offset",
    "has_more"}."""
    require_window(start_time, end_time)
    with request.app.state.store.read() as con:
        return InstantJSON(security.findings(con, agent_id=agent_id, session_id=session_id, run_id=run_id,
                                             category=category, severity=severity, detector=detector,
                                             start_time=start_time, end_time=end_time, limit=limit, offset=offset))
