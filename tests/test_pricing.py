"""The estimate equals genai-prices' own calculation, for flat and tiered prices and at the tier's edge."""

from __future__ import annotations

import random

import pytest
from genai_prices import Usage, calc_price

from collector import pricing

# (model, provider): flat per-token prices, and prices that change once the prompt passes 200 k tokens.
MODELS = [("gpt-4o-2024-08-06", "openai"), ("gpt-4.1-mini", None), ("claude-sonnet-4-5-20250929", "anthropic"),
          ("gemini-2.5-pro", "google")]


def tokens(fresh: int, output: int, read: int, write: int) -> dict[str, int]:
    return {"input": fresh, "output": output, "cache_read": read, "cache_write": write, "reasoning": 0}


def genai_prices(model: str, provider: str | None, t: dict[str, int]) -> float:
    usage = Usage(input_tokens=t["input"] + t["cache_read"] + t["cache_write"], output_tokens=t["output"],
                  cache_read_tokens=t["cache_read"], cache_write_tokens=t["cache_write"])
    return float(calc_price(usage, model, provider_id=provider).total_price)


@pytest.mark.parametrize(("model", "provider"), MODELS)
def test_estimate_equals_genai_prices(model: str, provider: str | None) -> None:
    rng = random.Random(model)
    cases = [tokens(rng.randint(0, 400_000), rng.randint(1, 8_000), rng.randint(0, 60_000) * rng.randint(0, 1),
                    rng.randint(0, 20_000) * rng.randint(0, 1)) for _ in range(200)]
    # Around the 200 k prompt where tiered prices change: the tier applies once the prompt is larger than it.
    cases += [tokens(200_000 + delta, 100, 0, 0) for delta in (-1, 0, 1, 2)]
    cases += [tokens(150_000, 100, 50_000 + delta, 0) for delta in (0, 1)]
    for case in cases:
        estimate, source = pricing.cost(None, case, model, provider)
        assert source == "estimated"
        assert estimate == pytest.approx(genai_prices(model, provider, case), rel=1e-12, abs=1e-15), case


def test_unknown_model_and_reported_cost() -> None:
    assert pricing.cost(None, tokens(1000, 10, 0, 0), "no-such-model-x", "openai") == (None, None)
    assert pricing.cost(0.25, tokens(1000, 10, 0, 0), "gpt-4o", "openai") == (0.25, "reported")
    assert pricing.cost(None, tokens(0, 0, 0, 0), "gpt-4o", "openai") == (None, None)
