"""The Cylestio-style browsing routes: agents, their events, and security alerts under /api/v1."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from analytics import agents
from collector.routes.instants import End, InstantJSON, Start, require_window
from collector.routes.paging import Offset

router = APIRouter(tags=["agents and alerts"])

SortOrder = Literal["asc", "desc"]


# Listed twice, with and without the slash: clients that do not follow redirects get the same answer on both.
@router.get("/api/v1/agents/")
@router.get("/api/v1/agents", include_in_schema=False)
def list_agents(request: Request, start_time: Start = None, end_time: End = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 20, offset: Offset = 0,
                sort_by: Literal[agents.AGENT_SORTS] = "last_seen", sort_order: SortOrder = "desc") -> InstantJSON:
    """Agents seen in runs; with a window, only those with runs started in it."""
    require_window(start_time, end_time)
    with request.app.state.store.read() as con:
        return InstantJSON(agents.list_agents(con, start_time=start_time, end_time=end_time, limit=limit,
                                              offset=offset, sort_by=sort_by, sort_order=sort_order))


@router.get("/api/v1/agents/{agent_id:path}")
def get_agent(request: Request, agent_id: str) -> InstantJSON:
    with request.app.state.store.read() as con:
        found = agents.get_agent(con, agent_id)
    if found is None:
        raise HTTPException(404, f"Agent {agent_id} not found")
    return InstantJSON(found)


@router.get("/api/v1/events/{agent_id:path}/events")
def agent_events(request: Request, agent_id: str, event_type: str | None = None, level: str | None = None,
                 channel: str | None = None, start_time: Start = None, end_time: End = None,
                 session_id: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                 offset: Offset = 0, sort_order: SortOrder = "desc") -> InstantJSON:
    """One page of an agent's events by timestamp; channel is LLM, TOOL, SECURITY or SYSTEM."""
    require_window(start_time, end_time)
    with request.app.state.store.read() as con:
        page = agents.agent_events(con, agent_id, event_type=event_type, level=level, channel=channel,
                                   start_time=start_time, end_time=end_time, session_id=session_id, limit=limit,
                                   offset=offset, sort_order=sort_order)
    if page is None:
        raise HTTPException(404, f"Agent {agent_id} not found")
    return InstantJSON(page)


@router.get("/api/v1/alerts/")
@router.get("/api/v1/alerts", include_in_schema=False)
def list_alerts(request: Request, agent_id: str | None = None, severity: Literal[agents.SEVERITIES] | None = None,
                status: Literal[agents.ALERT_STATUSES] | None = None, start_time: Start = None, end_time: End = None,
                limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Offset = 0) -> InstantJSON:
    """Security findings, newest first; active while less than 24 hours old."""
    require_window(start_time, end_time)
    with request.app.state.store.read() as con:
        return InstantJSON(agents.list_alerts(con, agent_id=agent_id, severity=severity, status=status,
                                              start_time=start_time, end_time=end_time, limit=limit, offset=offset))


@router.get("/api/v1/alerts/{alert_id:path}")
def get_alert(request: Request, alert_id: str) -> InstantJSON:
    """One alert with the events of its run nearest to it in time."""
    with request.app.state.store.read() as con:
        found = agents.get_alert(con, alert_id)
    if found is None:
        raise HTTPException(404, f"Alert with ID {alert_id} not found")
    return InstantJSON(found)
