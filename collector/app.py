"""Builds the HTTP application: every route on one port, behind auth, timing and the body cap."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline

from collector import __version__, errors
from collector.auth import ApiKeyAuth, KeyChecker
from collector.body import BoundedBody
from collector.config import Config
from collector.receivers import agentd, agentmetrics, cylestio, cylestio_legacy, jsonbody, otlp_http
from collector.receivers.workers import Workers
from collector.routes import agents, metrics, runs, security, system
from collector.store import Store
from collector.stored_ids import StoredIds
from collector.timing import ResponseTime
from collector.writer import Writer


def _openapi(app: FastAPI) -> dict:
    """FastAPI's description plus the bodies that receivers parse themselves."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(jsonbody.SCHEMAS)
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(config: Config, store: Store, workers: Workers, writer: Writer) -> FastAPI:
    # Swagger UI and ReDoc from fastapi-offline's files, not a CDN: the docs work on a host without internet.
    app = FastAPIOffline(title="agent-collector", version=__version__,
                  description="Collector for AI-agent telemetry: OTLP/HTTP, the AgentD, agentmetrics and Cylestio "
                              "APIs, and a metrics API, over one DuckDB file.")
    app.state.config = config
    app.state.store = store
    app.state.workers = workers
    app.state.writer = writer
    errors.install(app, otlp_http.ERROR_RESPONDERS)
    for router in (system.router, otlp_http.router, agentd.router, agentmetrics.router, cylestio_legacy.router,
                   cylestio.router, runs.router, metrics.router, agents.router, security.router):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)
    # Outermost last: time everything, refuse unauthenticated requests before reading their bodies.
    app.add_middleware(StoredIds, categories=config.redacted_categories)
    app.add_middleware(BoundedBody, limit=config.max_body_bytes, timeout=config.read_timeout,
                       responders=otlp_http.ERROR_RESPONDERS)
    app.add_middleware(ApiKeyAuth, checker=KeyChecker(config.api_keys), responders=otlp_http.ERROR_RESPONDERS)
    app.add_middleware(ResponseTime)
    return app
