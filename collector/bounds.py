"""The largest token count, cost and duration a record may carry: far past any real one, and small enough that a
sum over the rows of a run or a store neither overflows a BIGINT column nor reaches infinity, which JSON cannot
say."""

from __future__ import annotations

# A billion rows of this many tokens still fit a BIGINT: a run of 900 million LLM calls, or a store that sums them.
MAX_TOKENS = 10**10
MAX_COST_USD = 10**9
# 31 years; exact as a double (the events' duration_ms column), and ten million of them still fit a BIGINT.
MAX_DURATION_MS = 10**12
