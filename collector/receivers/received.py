"""The batch of requests that landed as received (landing.Received), made when they are derived: each decoder by the
name its receiver lands requests under."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from collector.batch import Batch
from collector.receivers import agentd
from collector.security import scanner

DECODERS: dict[str, Callable[[Sequence[bytes]], Batch]] = {agentd.RUNS_DECODER: agentd.decode_runs}


def decode(decoder: str, bodies: Sequence[bytes], redacted: Collection[str] = ()) -> Batch:
    """One batch of the bodies, which their receiver accepted: the rows it would have written for each, in order,
    inspected (scanner.inspect) with the categories to redact."""
    return scanner.inspect(DECODERS[decoder](bodies), redacted)
