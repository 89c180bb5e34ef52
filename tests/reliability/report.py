"""The battery's one table of counts, and every failure under it with what it takes to reproduce it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.reliability.wire import Answer


@dataclass(frozen=True)
class Failure:
    case: str
    route: str
    reason: str
    answer: Answer | None = None

    def lines(self, part: str) -> list[str]:
        if self.answer is None:
            return [f"[{part}] {self.case} | {self.route} | {self.reason}"]
        answer = self.answer
        return [f"[{part}] {self.case} | {self.route} | {answer.status} in {answer.seconds:.2f} s | {self.reason}",
                f"    {answer.snippet()!r}"]


@dataclass
class Part:
    """One part's counts; a case fails once however many of its checks fail."""

    name: str
    cases: int = 0
    server_errors: int = 0
    slow: int = 0
    lost: int = 0
    worst: float = 0.0
    worst_route: str = ""
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def failed(self) -> int:
        return len({failure.case for failure in self.failures})

    @property
    def passed(self) -> int:
        return self.cases - self.failed

    def saw(self, route: str, answer: Answer) -> None:
        """Count one answer in the table's 5xx, slow and worst columns."""
        self.server_errors += answer.server_error
        self.slow += answer.slow
        if answer.seconds > self.worst:
            self.worst, self.worst_route = answer.seconds, route

    def fail(self, case: str, route: str, reason: str, answer: Answer | None = None) -> None:
        self.failures.append(Failure(case, route, reason, answer))


COLUMNS = ("part", "cases/cycles", "passed", "failed", "5xx", "slow", "lost", "worst")


def _row(part: Part) -> list[str]:
    if part.skipped is not None:
        return [part.name, "skipped", "", "", "", "", "", ""]
    worst = f"{part.worst:.2f} s {part.worst_route}" if part.worst_route else "-"
    counts = (part.cases, part.passed, part.failed, part.server_errors, part.slow, part.lost)
    return [part.name, *(str(count) for count in counts), worst]


def render(parts: list[Part]) -> str:
    rows = [list(COLUMNS), *(_row(part) for part in parts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) if i in (0, 7) else cell.rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
    lines.append("5xx: server errors (a 503/507 with Retry-After is back-pressure, not one; gRPC UNKNOWN, INTERNAL, "
                 "DATA_LOSS are); slow: answers over 2 s; lost: acknowledged but not stored")
    for part in parts:
        if part.skipped is not None:
            lines.append(f"{part.name}: skipped: {part.skipped}")
        lines.extend(f"{part.name}: {note}" for note in part.notes)
    failures = [line for part in parts for failure in part.failures for line in failure.lines(part.name)]
    if failures:
        lines += ["", f"FAILURES ({sum(part.failed for part in parts)} cases)", *failures]
    return "\n".join(lines)
