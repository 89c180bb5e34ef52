"""How the query routes take and give instants: the half-open window parameters, and JSON that spells datetimes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from collector.instants import Instant, format_instant

# A half-open window [start_time, end_time), as the metrics routes have it.
Start = Annotated[Instant | None, Query(description="ISO 8601 instant, inclusive; no offset means UTC")]
End = Annotated[Instant | None, Query(description="ISO 8601 instant, exclusive; no offset means UTC")]


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return format_instant(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class InstantJSON(JSONResponse):
    """JSON whose datetimes, wherever they sit, are spelled as RFC 3339 UTC."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_instant, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode()
