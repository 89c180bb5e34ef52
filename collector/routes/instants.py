"""How the query routes take and give instants: the half-open window parameters, and JSON that spells datetimes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from collector.instants import Instant, format_instant

# A half-open window [start_time, end_time), as the metrics routes have it.
Start = Annotated[Instant | None, Query(description="ISO 8601 instant, inclusive; no offset means UTC")]
End = Annotated[Instant | None, Query(description="ISO 8601 instant, exclusive; no offset means UTC")]


def require_window(start_time: datetime | None, end_time: datetime | None) -> None:
    """An empty or reversed window is a bad parameter (422 naming start_time), not an empty page."""
    if start_time and end_time and start_time >= end_time:
        raise RequestValidationError([{
            "type": "value_error", "loc": ("query", "start_time"),
            "msg": f"start_time ({format_instant(start_time)}) must be before end_time ({format_instant(end_time)})"}])


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return format_instant(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class InstantJSON(JSONResponse):
    """JSON whose datetimes, wherever they sit, are spelled as RFC 3339 UTC."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_instant, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode()
