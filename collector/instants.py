"""Reads the timestamps clients really send into aware UTC datetimes, and writes them back in one form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

# agentd-sdk appends "Z" to an isoformat() that already has an offset: "...+00:00Z".
_OFFSET_AND_Z = re.compile(r"[+-]\d{2}:?\d{2}Z$")


def parse_instant(text: str) -> datetime:
    """ISO 8601 / RFC 3339 with 'Z', an offset, both, or neither (then UTC); raises ValueError otherwise."""
    value = text.strip()
    # Dropping the Z by hand: re.sub expands its "\1" template in Python on every call, three times the cost.
    if _OFFSET_AND_Z.search(value):
        value = value[:-1]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp is outside years 1..9999 in UTC: {text!r}") from None


def format_instant(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, e.g. 2026-11-22T22:58:29.978815Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_text(value: Any) -> Any:
    return parse_instant(value) if isinstance(value, str) else value


# A pydantic field type: any spelling parse_instant reads in, format_instant's form out.
Instant = Annotated[datetime, BeforeValidator(_parse_text), PlainSerializer(format_instant, return_type=str)]
