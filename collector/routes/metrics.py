"""The Cylestio-style metrics API: one route per metric under /api/v1/metrics."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["metrics"])
