"""What an LLM call cost: the cost its span reports, else an estimate from the genai-prices tables."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from genai_prices import Usage, calc_price
from genai_prices.types import PriceCalculation, TieredPrices

_BUCKETS = 4  # fresh input, output, cache read, cache write


def cost(reported: Any, tokens: dict[str, int] | None, model: Any, provider: Any) -> tuple[float | None, str | None]:
    """(cost in USD, "reported" or "estimated"), or (None, None) when neither is known. A reported cost of 0 for a
    call that used tokens is not a cost (OpenLIT sends 0 when it could not fetch its price list): it is estimated."""
    used = bool(tokens) and bool(tokens["input"] or tokens["output"])
    if (isinstance(reported, int | float) and not isinstance(reported, bool) and math.isfinite(reported)
            and (reported > 0 or not used)):
        return max(float(reported), 0.0), "reported"
    if not used or not isinstance(model, str):
        return None, None
    counts = (tokens["input"], tokens["output"], tokens["cache_read"], tokens["cache_write"])
    estimate = _estimate(model, provider if isinstance(provider, str) else None, counts)
    return (estimate, "estimated") if estimate is not None else (None, None)


def _estimate(model: str, provider: str | None, counts: tuple[int, int, int, int]) -> float | None:
    # genai-prices takes ~90 µs a call, more than everything else a span costs. Within one price tier a call's price
    # is a base plus one rate per token of each bucket, so those are found once per model, tier and day (prices
    # change by date) and the estimate is a dot product equal to genai-prices' own figure.
    day = datetime.now(UTC).date()
    starts = _tier_starts(model, provider, day)
    if starts is None:
        return None
    fresh, _, read, write = counts
    # A tier applies to every token once the prompt (all input tokens) is larger than its start.
    tier = sum(fresh + read + write > start for start in starts)
    base, *rates = _rates(model, provider, day, tier)
    return base + sum(rate * count for rate, count in zip(rates, counts, strict=True))


@lru_cache(maxsize=1024)
def _tier_starts(model: str, provider: str | None, day: date) -> tuple[int, ...] | None:
    """Prompt sizes at which the model's prices change; None when genai-prices does not know the model."""
    calculation = _calculation(model, provider, (0,) * _BUCKETS)
    if calculation is None:
        return None
    return tuple(sorted({tier.start for price in vars(calculation.model_price).values()
                         if isinstance(price, TieredPrices) for tier in price.tiers}))


@lru_cache(maxsize=1024)
def _rates(model: str, provider: str | None, day: date, tier: int) -> tuple[float, ...]:
    """(base, USD per token of each bucket) within the tier: genai-prices' exact (Decimal) price differences at
    the tier's smallest prompt, one token apart."""
    starts = _tier_starts(model, provider, day)
    fresh = starts[tier - 1] + 1 if tier else 0
    origin = (fresh, 0, 0, 0)
    at_origin = _calculation(model, provider, origin).total_price
    per_token = [_calculation(model, provider, tuple(count + (i == bucket) for i, count in enumerate(origin)))
                 .total_price - at_origin for bucket in range(_BUCKETS)]
    return float(at_origin - per_token[0] * fresh), *(float(rate) for rate in per_token)


def _calculation(model: str, provider: str | None, counts: tuple[int, int, int, int]) -> PriceCalculation | None:
    fresh, output, read, write = counts
    # genai-prices counts cached tokens inside input_tokens; our buckets keep them apart.
    usage = Usage(input_tokens=fresh + read + write, output_tokens=output, cache_read_tokens=read,
                  cache_write_tokens=write)
    for provider_id in ((provider, None) if provider else (None,)):
        try:
            return calc_price(usage, model, provider_id=provider_id)
        except LookupError:
            continue
    return None
