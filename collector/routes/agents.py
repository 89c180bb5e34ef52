"""The Cylestio-style browsing routes: agents, their events, and security alerts under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["agents and alerts"])
