"""The Cylestio-style metrics API: one route per metric under /api/v1/metrics, each answering
{"data": <the analytics.metrics function's answer>, "metadata": <the window, filters and parameters used>}."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from analytics import metrics
from collector.instants import Instant, format_instant

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    agent_id: str | None
    session_id: str | None


StartTime = Annotated[Instant | None, Query(description="ISO 8601, no offset means UTC; default end_time - 24 h")]
EndTime = Annotated[Instant | None, Query(description="ISO 8601, exclusive, no offset means UTC; default now")]


def time_range(start_time: StartTime = None, end_time: EndTime = None, agent_id: str | None = None,
               session_id: str | None = None) -> TimeRange:
    try:
        start, end = metrics.window(start_time, end_time)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return TimeRange(start, end, agent_id, session_id)


Window = Annotated[TimeRange, Depends(time_range)]
Interval = Annotated[Literal["minute", "hour", "day"], Query(description="bucket size (UTC)")]
TopN = Annotated[int, Query(ge=1, le=1000, description="how many groups to list, largest first")]
Percentiles = Annotated[list[Annotated[int, Field(ge=0, le=100)]], Query(description="repeatable, 0..100")]


def _answer(request: Request, metric: Callable[..., dict[str, Any]], window: TimeRange, **params: Any) -> JSONResponse:
    with request.app.state.store.read() as con:
        data = metric(con, start=window.start, end=window.end, agent_id=window.agent_id,
                      session_id=window.session_id, **params)
    metadata = {"start_time": format_instant(window.start), "end_time": format_instant(window.end),
                "agent_id": window.agent_id, "session_id": window.session_id, **params}
    return JSONResponse({"data": data, "metadata": metadata})


@router.get("/test")
def test() -> dict[str, str]:
    return {"status": "success", "message": "Metrics API is working", "timestamp": format_instant(datetime.now(UTC))}


@router.get("/response_time/average")
def response_time_average(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.response_time_average, window)


@router.get("/response_time/percentiles")
def response_time_percentiles(request: Request, window: Window,
                              percentiles: Percentiles = metrics.DEFAULT_PERCENTILES) -> JSONResponse:
    return _answer(request, metrics.response_time_percentiles, window, percentiles=percentiles)


@router.get("/response_time/trend")
def response_time_trend(request: Request, window: Window, interval: Interval = "hour") -> JSONResponse:
    return _answer(request, metrics.response_time_trend, window, interval=interval)


@router.get("/token_usage/total")
def token_usage_total(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.token_usage_total, window)


@router.get("/token_usage/average")
def token_usage_average(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.token_usage_average, window)


@router.get("/token_usage/by_model")
def token_usage_by_model(request: Request, window: Window, model_name: str | None = None,
                         top_n: TopN = metrics.DEFAULT_TOP_N) -> JSONResponse:
    return _answer(request, metrics.token_usage_by_model, window, model_name=model_name, top_n=top_n)


@router.get("/security/alerts/count")
def security_alerts_count(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.security_alerts_count, window)


@router.get("/security/risk_level")
def security_risk_level(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.security_risk_level, window)


@router.get("/security/alerts/by_category")
def security_alerts_by_category(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.security_alerts_by_category, window)


@router.get("/security/alerts/trend")
def security_alerts_trend(request: Request, window: Window, interval: Interval = "hour") -> JSONResponse:
    return _answer(request, metrics.security_alerts_trend, window, interval=interval)


@router.get("/usage/requests/by_agent")
def usage_requests_by_agent(request: Request, window: Window, top_n: TopN = metrics.DEFAULT_TOP_N) -> JSONResponse:
    return _answer(request, metrics.usage_requests_by_agent, window, top_n=top_n)


@router.get("/usage/frameworks/distribution")
def usage_frameworks_distribution(request: Request, window: Window,
                                  top_n: TopN = metrics.DEFAULT_TOP_N) -> JSONResponse:
    return _answer(request, metrics.usage_frameworks_distribution, window, top_n=top_n)


@router.get("/usage/events/distribution")
def usage_events_distribution(request: Request, window: Window, top_n: TopN = metrics.DEFAULT_TOP_N) -> JSONResponse:
    return _answer(request, metrics.usage_events_distribution, window, top_n=top_n)


@router.get("/usage/sessions/count")
def usage_sessions_count(request: Request, window: Window) -> JSONResponse:
    return _answer(request, metrics.usage_sessions_count, window)
