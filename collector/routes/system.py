"""Health and capabilities: what a client or probe asks before sending data."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from collector import __version__
from collector.instants import format_instant
from collector.store import READ_CONNECTIONS

router = APIRouter(tags=["system"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """Open without an API key, for load balancers and probes: 503 while ingest cannot be acknowledged (the disk is
    full), with why in `store_error`. While what is acknowledged cannot be derived into the database (its own disk
    failing), ingest still works and `derivation_error` says why queries lag."""
    store = request.app.state.store
    writer = request.app.state.writer
    failure = writer.failure
    return JSONResponse({
        "status": "unhealthy" if failure else "healthy",
        "timestamp": format_instant(datetime.now(UTC)),
        "version": __version__,
        "db_size_bytes": store.size_bytes(),
        "db_pool_size": READ_CONNECTIONS,
        "db_pool_available": store.reads_available,
        "writer_queued_rows": writer.queued_rows,
        # Batches acknowledged that queries do not show yet: a query waits for them (collector/deriver.py).
        "derivation_behind_batches": store.watermarks.behind(),
        "store_error": failure,
        "derivation_error": writer.derivation_failure,
    }, status_code=503 if failure else 200)


@router.get("/v1/capabilities")
def capabilities(request: Request) -> dict:
    config = request.app.state.config
    return {
        "version": __version__,
        "api_version": "v1",
        "features": {
            "streaming_events": True,
            "batch_ingest": False,
            "compression": ["gzip", "deflate"],
            "authentication": bool(config.api_keys),
            "trace_queries": True,
        },
        "limits": {"max_events_per_run": None, "max_payload_bytes": config.max_body_bytes, "retention_days": None},
    }
