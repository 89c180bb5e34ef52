"""The Cylestio mini-server ingest API (cylestio-monitor up to 0.1.4): POST /api/v1/telemetry[/] and /batch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Cylestio ingest"])
