"""What the benchmark scripts share: releasing client processes together, watching the server, and the report."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import shlex
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence

try:
    import psutil
except ImportError:  # RSS and CPU figures are optional
    psutil = None

try:
    import uvloop
except ImportError:
    uvloop = None


# ---------------------------------------------------------------- server observation

def process_tree(process) -> list:
    """The server and its child processes (agent-collector's worker processes): what it costs is what they all cost."""
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return [process]


def tree_rss(process) -> int:
    total = 0
    for member in process_tree(process):
        try:
            total += member.memory_info().rss
        except psutil.Error:
            if member is process:
                raise
    return total


def tree_cpu(process) -> float:
    total = 0.0
    for member in process_tree(process):
        with contextlib.suppress(psutil.Error):
            total += sum(member.cpu_times()[:2])
    return total


def settle(pid: int) -> None:
    """Wait until the server and its children use under 5% of a core over a quarter second (30 s at most): its
    worker processes import for a second or more after it starts listening, on the cores a measurement shares."""
    process, deadline = psutil.Process(pid), time.monotonic() + 30.0
    before = tree_cpu(process)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        after = tree_cpu(process)
        if after - before < 0.05 * 0.25:
            return
        before = after


class ServerSampler(threading.Thread):
    """Samples the server's RSS, and its per-thread CPU at the window's edges, without touching its code; both
    summed over its child processes."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.every = every
        self.peak_rss = tree_rss(self.process)
        self.samples: list[tuple[float, int]] = []  # (time.monotonic(), RSS): shows growth over a long run
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                rss = tree_rss(self.process)
            except psutil.Error:
                return
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.monotonic(), rss))

    def thread_cpu(self) -> dict[int, float]:
        cpu = {}
        for member in process_tree(self.process):
            with contextlib.suppress(psutil.Error):
                cpu.update({t.id: t.user_time + t.system_time for t in member.threads()})
        return cpu

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def describe_threads(before: dict[int, float], after: dict[int, float], seconds: float, pid: int) -> list[str]:
    """Which server threads burned the CPU. The event loop's thread id is the pid; Python 3.11 gives the OS no
    names for the others (the writer, DuckDB's workers, AnyIO's pool), so they are listed by id."""
    used = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    busy = sorted(((cpu, tid) for tid, cpu in used.items() if cpu / seconds >= 0.02), reverse=True)
    return [f"{'event loop' if tid == pid else 'thread'} {tid}: {cpu / seconds:.0%}" for cpu, tid in busy]


def cpu_snapshot(sampler: ServerSampler | None, clients: list) -> dict | None:
    if sampler is None:
        return None
    return {"at": time.monotonic(), "server": sampler.thread_cpu(),
            "clients": [sum(c.cpu_times()[:2]) for c in clients]}


def cpu_in_window(before: dict | None, after: dict | None, server_pid: int) -> dict:
    """CPU each side used per second of window; near 100% of one core means that side is the limit."""
    if before is None or after is None:
        return {}
    seconds = after["at"] - before["at"]
    server = sum(after["server"].values()) - sum(before["server"].get(t, 0.0) for t in after["server"])
    return {"server_cpu": server / seconds,
            "threads": describe_threads(before["server"], after["server"], seconds, server_pid),
            "client_cpu": [(a - b) / seconds for a, b in zip(after["clients"], before["clients"], strict=True)],
            "machine_cpu": psutil.cpu_percent(interval=None) / 100 * os.cpu_count()}


# ---------------------------------------------------------------- client processes

def run_clients(target: Callable, client_args: Sequence[tuple], warmup: float, seconds: float,
                server_pid: int) -> tuple[list, float, float, dict]:
    """Start one process per entry of client_args, release them together, and wait for them to drain.

    Each process runs target(*its_args, ready, go, times, results): it builds its payloads, puts anything on `ready`,
    waits for `go`, loads the server until times[1] (measuring from times[0]), and puts its one result on `results`.
    Returns the results, the window's start and end (time.monotonic) and what was observed of the server in it.
    """
    ctx = mp.get_context("spawn")  # the sampler thread and the server's pipes must not be forked into clients
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    times = ctx.Array("d", 2)
    procs = [ctx.Process(target=target, args=(*args, ready, go, times, results)) for args in client_args]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    start = time.monotonic() + 0.2
    times[0], times[1] = start + warmup, start + warmup + seconds
    sampler = ServerSampler(server_pid) if psutil else None
    clients = [psutil.Process(proc.pid) for proc in procs] if psutil else []
    if sampler:
        sampler.start()
    go.set()
    time.sleep(max(0.0, times[0] - time.monotonic()))
    if psutil:
        psutil.cpu_percent(interval=None)  # starts the machine-wide measurement
    before = cpu_snapshot(sampler, clients)
    time.sleep(max(0.0, times[1] - time.monotonic()))
    observed = cpu_in_window(before, cpu_snapshot(sampler, clients), server_pid)
    collected = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join()
    if sampler:
        sampler.stop()
        observed["peak_rss"] = sampler.peak_rss
    return collected, times[0], times[1], observed


def free_port() -> int:
    """A port nothing listens on now, for a server that cannot be told to pick its own (port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_loopback(*addresses: str) -> None:
    """Benchmarks load only this machine: refuse any address that is not 127.0.0.1."""
    for address in addresses:
        if not address.removeprefix("http://").startswith("127.0.0.1:"):
            raise SystemExit(f"refusing to load {address}: only 127.0.0.1 is allowed")


# ---------------------------------------------------------------- report

def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def slices(completions: list[float], start: float, seconds: float, count: int = 4) -> list[float]:
    """Completions per second in equal slices of the window: shows whether throughput decays as the tables grow."""
    width = seconds / count
    buckets = Counter(min(count - 1, int((t - start) / width)) for t in completions)
    return [buckets[i] / width for i in range(count)]


def command_row(module: str) -> tuple[str, str]:
    return ("command", shlex.join([sys.executable, "-m", module, *sys.argv[1:]]))


def machine_row() -> tuple[str, str]:
    return ("machine", f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, "
                       f"{platform.system()} {platform.release()}")


def observed_rows(observed: dict) -> list[tuple[str, str]]:
    if not observed:
        return [("server RSS / CPU", "not measured: psutil is not installed")]
    return [
        ("server CPU in window", f"{observed['server_cpu']:.0%} of one core"),
        ("server threads >= 2%", "; ".join(observed["threads"])),
        ("client CPU in window", ", ".join(f"{c:.0%}" for c in observed["client_cpu"]) + " of one core, per process"),
        ("machine CPU in window", f"{observed['machine_cpu']:.0%} of one core, of {os.cpu_count()} cores"),
        ("server peak RSS", f"{observed['peak_rss'] / 2**20:,.0f} MiB"),
    ]


def print_table(title: str, rows: Sequence[tuple[str, ...]]) -> None:
    """A row is a name and one value per column; a row with a single value is printed whole, beside its name."""
    width = max(len(row[0]) for row in rows)
    columns = max(len(row) for row in rows) - 1
    widths = [max((len(row[i]) for row in rows if len(row) == columns + 1), default=0) for i in range(1, columns)]
    print(f"\n{title}")
    for name, *values in rows:
        if len(values) > 1:
            values = [f"{value:<{w}}" for value, w in zip(values[:-1], widths, strict=True)] + values[-1:]
        print(f"  {name:<{width}}  " + "  ".join(values))
