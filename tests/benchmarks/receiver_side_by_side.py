"""POST /v1/runs side by side with the original AgentD receiver, the server agent-collector replaces for agentd-sdk
users: at 1, 4, 32 and 128 requests in flight, in rounds that alternate which server goes first, a fresh server and
store each time. The suite runs it in its rest section when given --receiver PATH (the receiver's receiver.py, with
its requirements.txt beside it; shared/peers/agentd-receiver/ in this project's workspace).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import peers

IN_FLIGHT = (1, 4, 32, 128)
SERVERS = ("agent-collector", "original receiver")
# Issue 19: runs/s against the receiver's, by requests in flight; p50 latency at 1 in flight.
RATIO_TARGETS = {1: 1.5, 4: 1.5, 32: 3.0, 128: 3.0}
P50_AT_ONE_MS = 5.0


def rounds(measure: Callable[[object, int], dict], start: Callable[[str, str], object], count: int,
           in_flight: tuple[int, ...] = IN_FLIGHT) -> dict[int, dict[str, list[dict]]]:
    """{requests in flight: {server: [one result per round]}}; `start(server, name)` starts a fresh one, `measure`
    drives it and stops it. Round r runs agent-collector first when r is even, the receiver first when it is odd,
    so that neither always meets the machine in the same state."""
    found: dict[int, dict[str, list[dict]]] = {n: {server: [] for server in SERVERS} for n in in_flight}
    for n in in_flight:
        for r in range(count):
            for server in SERVERS if r % 2 == 0 else SERVERS[::-1]:
                try:
                    found[n][server].append(measure(start(server, f"{server.split()[-1]}-{n}-{r}"), n))
                except peers.Skipped as why:
                    found[n][server].append({"skipped": str(why)})
    return found


def summary(results: list[dict]) -> dict | None:
    """Median and range of the rounds' runs/s, median p50 / p99, median CPU ms per run, and whether every
    acknowledged run was stored; None when no round ran."""
    ran = [r for r in results if "skipped" not in r]
    if not ran:
        return None
    rates = [r["requests_per_s"] for r in ran]
    cpu = [r["server_cpu"] / r["requests_per_s"] * 1000 for r in ran if r.get("server_cpu") and r["requests_per_s"]]
    return {"median": statistics.median(rates), "low": min(rates), "high": max(rates),
            "p50_ms": statistics.median(r["p50_ms"] for r in ran),
            "p99_ms": statistics.median(r["p99_ms"] for r in ran),
            "cpu_ms": statistics.median(cpu) if cpu else None, "rounds": len(ran),
            "lost": sum(r["acked"] - r["stored"] for r in ran), "failures": "; ".join(
                sorted({r["failures"] for r in ran if r["failures"] != "none"})) or "none"}


def ratio(found: dict[int, dict[str, list[dict]]], n: int) -> float | None:
    ours, theirs = (summary(found[n][server]) for server in SERVERS)
    return ours["median"] / theirs["median"] if ours and theirs and theirs["median"] else None


def targets(found: dict | None) -> list[tuple[str, str, bool | None]]:
    """(target, measured, passed) per requests in flight, and the p50 at 1; passed None where nothing ran."""
    ran = found if found and "skipped" not in found else {}
    rows = []
    for n, floor in RATIO_TARGETS.items():
        times = ratio(ran, n) if n in ran else None
        ours = summary(ran[n][SERVERS[0]]) if n in ran else None
        theirs = summary(ran[n][SERVERS[1]]) if n in ran else None
        measured = f"{times:.2f}x ({ours['median']:,.0f} vs {theirs['median']:,.0f})" if times else "-"
        rows.append((f"POST /v1/runs >= {floor:g}x the original receiver at {n} in flight", measured,
                     times >= floor if times else None))
    one = summary(ran[1][SERVERS[0]]) if 1 in ran else None
    rows.append((f"POST /v1/runs p50 <= {P50_AT_ONE_MS:g} ms at 1 in flight", f"{one['p50_ms']:.1f} ms" if one else "-",
                 one["p50_ms"] <= P50_AT_ONE_MS if one else None))
    return rows


def lines(found: dict[int, dict[str, list[dict]]], seconds: float, receiver: Path | None) -> list[str]:
    text = ["## POST /v1/runs beside the original receiver", "",
            f"The captured agentd-sdk run (10 events) with fresh ids per request; {seconds:g} s measured per round, "
            "the servers alternating which goes first, a fresh server and store each. Runs/s: 202s in the window, "
            "median of the rounds (range). CPU: the server's, per acknowledged run. Both commit before they answer; "
            "acknowledged runs missing from the store afterwards are counted as lost."
            + (f" Receiver: `{receiver}`." if receiver else ""), ""]
    skipped = {r["skipped"] for by_server in found.values() for results in by_server.values() for r in results
               if "skipped" in r}
    text += [f"- skipped: {why[:200]}" for why in sorted(skipped)] + ([""] if skipped else [])
    rows = []
    for n, by_server in found.items():
        ours, theirs = (summary(by_server[server]) for server in SERVERS)
        times = ratio(found, n)
        rows.append([str(n), *(cell(s) for s in (ours, theirs)), f"{times:.2f}x" if times else "-",
                     *(f"{s['p50_ms']:,.1f} / {s['p99_ms']:,.1f}" if s else "-" for s in (ours, theirs)),
                     *(f"{s['cpu_ms']:.2f}" if s and s["cpu_ms"] is not None else "-" for s in (ours, theirs)),
                     " / ".join(str(s["lost"]) if s else "-" for s in (ours, theirs)),
                     " / ".join(s["failures"] if s else "-" for s in (ours, theirs))])
    header = ["in flight", "agent-collector runs/s", "receiver runs/s", "ratio", "ours p50 / p99 ms",
              "receiver p50 / p99 ms", "ours CPU ms/run", "receiver CPU ms/run", "lost (ours / receiver)",
              "not acknowledged (ours / receiver)"]
    return [*text, "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def cell(s: dict | None) -> str:
    return f"{s['median']:,.0f} ({s['low']:,.0f}-{s['high']:,.0f})" if s else "-"
