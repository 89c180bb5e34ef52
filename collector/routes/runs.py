"""The AgentD receiver's query routes: runs, events, traces, agents, stats, tools, and run deletion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from analytics import runs
from collector.batch import Batch
from collector.instants import Instant
from collector.receivers.agentd import RunStatus
from collector.routes.paging import Offset
from collector.store import Store

router = APIRouter(tags=["AgentD queries"])

# `since` is compared as an instant, so "2026-01-01" and "2026-01-01T00:00:00+01:00" both mean what they say.
Since = Annotated[Instant | None, Query(description="only runs started at or after this ISO 8601 instant")]


def _store(request: Request) -> Store:
    return request.app.state.store


@router.get("/v1/runs")
def list_runs(request: Request, agent_id: str | None = None, status: RunStatus | None = None,
              model: str | None = None, trace_id: str | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 50,
              offset: Offset = 0) -> JSONResponse:
    with _store(request).read() as con:
        page = runs.list_runs(con, agent_id=agent_id, status=status and status.value, model=model,
                              trace_id=trace_id, limit=limit, offset=offset)
    return JSONResponse(page)


# Ids may hold a slash (sent as %2F): `:path` takes it, and the events route comes first so it keeps its suffix.
@router.get("/v1/runs/{run_id:path}/events")
def run_events(request: Request, run_id: str) -> JSONResponse:
    with _store(request).read() as con:
        return JSONResponse(runs.run_events(con, run_id))


@router.get("/v1/runs/{run_id:path}")
def get_run(request: Request, run_id: str) -> JSONResponse:
    with _store(request).read() as con:
        run = runs.get_run(con, run_id)
    if run is None:
        raise HTTPException(404, f"Run {run_id} not found")
    return JSONResponse(run)


def _run_exists(request: Request, run_id: str) -> bool:
    with _store(request).read() as con:
        return runs.run_exists(con, run_id)


@router.delete("/v1/runs/{run_id:path}", status_code=204)
async def delete_run(request: Request, run_id: str) -> Response:
    """Deletes the run and its events."""
    if not await run_in_threadpool(_run_exists, request, run_id):
        raise HTTPException(404, f"Run {run_id} not found")
    await request.app.state.writer.write(Batch(deleted_run_ids=(run_id,)))
    return Response(status_code=204)


@router.get("/v1/traces/{trace_id:path}")
def trace_runs(request: Request, trace_id: str) -> JSONResponse:
    with _store(request).read() as con:
        found = runs.trace_runs(con, trace_id)
    if not found:
        raise HTTPException(404, f"Trace {trace_id} not found")
    return JSONResponse(found)


@router.get("/v1/agents")
def agents(request: Request) -> JSONResponse:
    with _store(request).read() as con:
        return JSONResponse(runs.agents(con))


@router.get("/v1/stats")
def stats(request: Request, agent_id: str | None = None, since: Since = None) -> JSONResponse:
    with _store(request).read() as con:
        return JSONResponse(runs.stats(con, agent_id=agent_id, since=since))


@router.get("/v1/tools")
def tools(request: Request, agent_id: str | None = None, since: Since = None) -> JSONResponse:
    with _store(request).read() as con:
        return JSONResponse(runs.tools(con, agent_id=agent_id, since=since))
