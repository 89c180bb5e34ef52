"""The cylestio-local-server ingest API (cylestio-monitor 0.1.6 and later): POST /v1/telemetry and /batch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Cylestio ingest"])
