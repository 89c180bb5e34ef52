"""The paging parameter every listing route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Past any store's row count, and within what JSON clients read exactly and a BIGINT adds a page to; a larger one
# is a 422, not DuckDB's ConversionException.
Offset = Annotated[int, Query(ge=0, le=2**53, description="rows to skip")]
