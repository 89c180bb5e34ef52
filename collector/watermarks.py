"""How far ingest has got: the last batch landed (acknowledged) and the last one derived into what queries read."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Watermarks:
    """Batches are numbered in landing order and derived in that order, so two numbers say what a query may miss."""

    def __init__(self) -> None:
        self.landed = 0
        self.derived = 0
        # Told when a query starts to wait (the deriver then derives at once).
        self.hurry: Callable[[], None] = lambda: None
        self._cond = threading.Condition()

    def start(self, landed: int, derived: int) -> None:
        with self._cond:
            self.landed, self.derived = landed, derived

    def land(self, seq: int) -> None:
        with self._cond:
            self.landed = seq

    def derive(self, seq: int) -> None:
        with self._cond:
            self.derived = seq
            self._cond.notify_all()

    def behind(self) -> int:
        """Batches acknowledged but not yet derived."""
        return self.landed - self.derived

    def wait_derived(self, timeout: float) -> bool:
        """Wait until everything landed by now is derived; False if that took longer than `timeout` seconds."""
        with self._cond:
            target = self.landed
            if self.derived >= target:
                return True
        self.hurry()
        with self._cond:
            return self._cond.wait_for(lambda: self.derived >= target, timeout)
