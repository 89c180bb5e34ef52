"""What an LLM call cost: the cost its span reports, else an estimate from the genai-prices tables."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from genai_prices import Usage, calc_price


def cost(reported: Any, tokens: dict[str, int] | None, model: Any, provider: Any) -> tuple[float | None, str | None]:
    """(cost in USD, "reported" or "estimated"), or (None, None) when neither is known."""
    if isinstance(reported, int | float) and not isinstance(reported, bool) and math.isfinite(reported):
        return max(float(reported), 0.0), "reported"
    if not tokens or not isinstance(model, str) or not (tokens["input"] or tokens["output"]):
        return None, None
    estimate = _estimate(model, provider if isinstance(provider, str) else None, tokens["input"], tokens["output"],
                         tokens["cache_read"], tokens["cache_write"])
    return (estimate, "estimated") if estimate is not None else (None, None)


@lru_cache(maxsize=4096)
def _estimate(model: str, provider: str | None, fresh: int, output: int, read: int, write: int) -> float | None:
    # genai-prices counts cached tokens inside input_tokens; our buckets keep them apart.
    usage = Usage(input_tokens=fresh + read + write, output_tokens=output, cache_read_tokens=read,
                  cache_write_tokens=write)
    for provider_id in ((provider, None) if provider else (None,)):
        try:
            return float(calc_price(usage, model, provider_id=provider_id).total_price)
        except LookupError:
            continue
    return None
