"""The agentmetrics 0.2.0 ingest API: POST /v1/events and POST /v1/events/batch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["agentmetrics ingest"])
