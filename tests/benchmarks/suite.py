"""The side-by-side benchmark: agent-collector and the tools users would pick instead, in one run on this machine.

    pip install -e '.[test,bench]'
    python -m tests.benchmarks.suite [--quick] [--only otlp,rest,queries,growth,sustain] [--out DIR]

Installs Arize Phoenix and agentmetrics-server from PyPI into virtual environments of their own (cached in
--cache-dir and reused), then starts each server and agent-collector, one at a time, as real processes on
127.0.0.1, and drives the same workloads at each:

  otlp     OTLP/gRPC and OTLP/HTTP protobuf agent traces (tests/benchmarks/bench_otlp.py): agent-collector, Phoenix
  rest     AgentD POST /v1/runs (agent-collector; with --receiver, beside the original AgentD receiver at 1, 4,
           32 and 128 in flight, tests/benchmarks/receiver_side_by_side.py); agentmetrics POST /v1/events/batch
           (agent-collector, agentmetrics-server)
  queries  every query route over generated databases of 1 M and 10 M events (tests/benchmarks/bench_metrics.py)
  growth   OTLP ingest rate and query latency on an empty database and on 1 M, 10 M, 30 M events
  sustain  RSS over a sustained OTLP/HTTP run

Prints one markdown table with the targets of issue 6, pass or fail, and writes it to DIR/suite.md with a chart,
DIR/suite.png. A peer that cannot be installed or started is skipped, and the report says why. --lock FILE holds an
exclusive flock on FILE around each measurement, for a machine where other benchmarks run too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import importlib.metadata
import itertools
import os
import platform
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import psutil

from tests.benchmarks import bench_agentd_runs, bench_metrics, bench_otlp, peers, receiver_side_by_side
from tests.benchmarks.common import ServerSampler, percentile, process_tree, require_loopback, run_clients

MODULE = "tests.benchmarks.suite"
SECTIONS = ("otlp", "rest", "queries", "growth", "sustain")
RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path.home() / ".cache" / "agent-collector-bench"
MILLION = 1_000_000

# Load shapes, the same for every server.
# Eight services' BatchSpanProcessors, each with one export in flight: a commit takes what arrived during the last
# one, so the export count in flight sets how far its fixed cost is shared.
EXPORTERS, SPANS_PER_REQUEST = 8, 512
OTLP_CEILING = 30_000                          # spans/s the pre-built requests allow for (about twice ours)
REST_CLIENTS, REST_CONCURRENCY = 2, 32         # bench_agentd_runs' defaults
RUNS_CEILING, BATCH_EVENTS_CEILING = 5_000, 30_000
SETTLE_SECONDS = 10.0  # a store whose count has not moved for this long has written what it will write

GIB = 2**30


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def exclusive(lock: Path | None):
    """Holds --lock while a measurement (or anything that loads the CPUs) runs; nothing when no lock is given."""
    if lock is None:
        yield
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cpu_seconds(pid: int) -> float:
    """CPU the server and its child processes have used so far."""
    total = 0.0
    for member in process_tree(psutil.Process(pid)):
        with contextlib.suppress(psutil.Error):
            total += sum(member.cpu_times()[:2])
    return total


def latency(results: list) -> tuple[float, float]:
    values = sorted(x for r in results for x in r.latencies_ms)
    return percentile(values, 0.50), percentile(values, 0.99)


def failures(results: list) -> str:
    """Non-OK answers by status, with the first message of each where the driver keeps one (bench_otlp's)."""
    counted = sum((r.statuses for r in results), Counter())
    messages = {code: text for r in results for code, text in getattr(r, "first_errors", {}).items()}
    return ", ".join(f"{code}: {n}" + (f" ({messages[code][:80]})" if messages.get(code) else "")
                     for code, n in sorted(counted.items(), key=str)) or "none"


def settle(count, acked: int, limit: float) -> tuple[float, int]:
    """For a store that answers before it writes: count until everything acknowledged is in, the count has not
    moved for SETTLE_SECONDS, or `limit` seconds passed (by then its write rate is plain). Returns the
    time.monotonic() of the last change seen and the count then."""
    last, changed_at, deadline = -1, time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline:
        now, current = time.monotonic(), count()
        if current != last:
            last, changed_at = current, now
        if current >= acked or now - changed_at >= SETTLE_SECONDS:
            break
        time.sleep(0.5)
    return changed_at, last


# ---------------------------------------------------------------- otlp

def otlp_run(server, transport: str, args, seconds: float) -> dict:
    """One transport against one started server: acknowledged vs committed spans/s, latency, RSS and CPU."""
    address = server.grpc_target if transport == "grpc" else server.url
    require_loopback(address)
    per_exporter = -(-int(OTLP_CEILING * (args.warmup + seconds)) // SPANS_PER_REQUEST // EXPORTERS)
    client_args = [(transport, address, per_exporter, SPANS_PER_REQUEST, 1, i) for i in range(EXPORTERS)]
    with exclusive(args.lock):
        # A second sampler spans the drain too: a server that writes after it answered keeps working then.
        watch = ServerSampler(server.pid, every=0.5)
        watch.start()
        cpu_before = cpu_seconds(server.pid)
        results, start, stop, _ = run_clients(bench_otlp.exporter_main, client_args, args.warmup, seconds,
                                              server.pid)
        acked = sum(r.acked_spans for r in results)
        if server.commits_before_ack:
            done, written = max((r.last_acked for r in results), default=stop), None
        else:
            done, written = settle(server.spans, acked, args.settle_limit)
        cpu = cpu_seconds(server.pid) - cpu_before
        watch.stop()
    exit_code = server.stop()
    stored = server.spans()
    written = stored if written is None else written  # what had been written when `done`
    first_sent = min(r.first_sent for r in results)
    p50, p99 = latency(results)
    return {"acked": acked, "stored": stored, "acked_per_s": sum(r.acked_spans_in_window for r in results) / (
                stop - start),
            "stored_per_s": written / (done - first_sent) if written else 0.0, "p50_ms": p50, "p99_ms": p99,
            "peak_rss": watch.peak_rss, "cpu_per_1k": cpu / written * 1000 if written else float("nan"),
            "failures": failures(results), "exit": exit_code}


def otlp_section(args, tmp: Path, installed: dict) -> dict:
    found = {}
    for transport in ("grpc", "http"):
        found[("agent-collector", transport)] = otlp_run(
            peers.Ours(fresh_dir(tmp, f"ours-{transport}")).start(), transport, args, args.seconds)
        if "arize-phoenix" in installed:
            server = peers.Phoenix(fresh_dir(tmp, f"phoenix-{transport}"), installed["arize-phoenix"])
            found[("Arize Phoenix", transport)] = peer_run(
                lambda server=server, transport=transport: otlp_run(server.start(), transport, args, args.seconds))
    return found


def peer_run(measure) -> dict:
    """A peer's result, or why it has none: one that will not start must not cost the others' results."""
    try:
        return measure()
    except peers.Skipped as why:
        return {"skipped": str(why)}


# ---------------------------------------------------------------- rest

def rest_run(server, events_per_request: int, target, client_args: list[tuple], count, seconds: float,
             warmup: float, lock: Path | None) -> dict:
    """A JSON workload against a started server that commits before it answers: acknowledged vs stored."""
    require_loopback(server.url)
    with exclusive(lock):
        results, start, stop, observed = run_clients(target, client_args, warmup, seconds, server.pid)
    exit_code = server.stop()
    acked = sum(r.acked for r in results) * events_per_request
    stored = count()
    p50, p99 = latency(results)
    return {"acked": acked, "stored": stored,
            "per_s": sum(r.acked_in_window for r in results) * events_per_request / (stop - start),
            "requests_per_s": sum(r.acked_in_window for r in results) / (stop - start),
            "p50_ms": p50, "p99_ms": p99, "peak_rss": observed.get("peak_rss", 0), "failures": failures(results),
            "server_cpu": observed.get("server_cpu"), "exit": exit_code}


def shares(total: int) -> list[int]:
    """Requests in flight per client process: REST_CLIENTS of them, fewer when there are fewer requests."""
    clients = min(REST_CLIENTS, total)
    return [total // clients + (i < total % clients) for i in range(clients)]


def agentd_runs(server, args, in_flight: int = REST_CONCURRENCY, seconds: float | None = None) -> dict:
    seconds = seconds or args.seconds
    workers = shares(in_flight)
    per_client = -(-int(RUNS_CEILING * (args.warmup + seconds)) // len(workers))
    client_args = [(server.url, per_client, count, i) for i, count in enumerate(workers)]
    return rest_run(server, bench_agentd_runs.EVENTS_PER_RUN, bench_agentd_runs.client_main, client_args,
                    server.agentd_events, seconds, args.warmup, args.lock)


def agentmetrics_batches(server, args) -> dict:
    batches = int(BATCH_EVENTS_CEILING * (args.warmup + args.seconds)) // peers.EVENTS_PER_BATCH
    client_args = [(server.url, server.headers, -(-batches // REST_CLIENTS), workers, i * batches)
                   for i, workers in enumerate(shares(REST_CONCURRENCY))]
    return rest_run(server, peers.EVENTS_PER_BATCH, peers.agentmetrics_client_main, client_args,
                    server.agentmetrics_events, args.seconds, args.warmup, args.lock)


def receiver_section(args, tmp: Path) -> dict:
    """POST /v1/runs beside the original receiver, in alternating rounds; {"skipped": why} if it cannot run."""
    try:
        venv = peers.install_receiver(args.receiver, args.cache_dir, args.peer_python)
    except peers.Skipped as why:
        return {"skipped": str(why)}

    def start(server: str, name: str):
        workdir = fresh_dir(tmp, name)
        if server == "agent-collector":
            return peers.Ours(workdir).start()
        return peers.AgentdReceiver(workdir, venv, args.receiver).start()

    return receiver_side_by_side.rounds(lambda server, n: agentd_runs(server, args, n, args.round_seconds), start,
                                        args.rounds)


def rest_section(args, tmp: Path, installed: dict) -> dict:
    found = {("agent-collector", "agentd"): agentd_runs(peers.Ours(fresh_dir(tmp, "ours-agentd")).start(), args),
             ("agent-collector", "agentmetrics"):
                 agentmetrics_batches(peers.Ours(fresh_dir(tmp, "ours-am")).start(), args)}
    if "agentmetrics-server" in installed:
        server = peers.AgentmetricsServer(fresh_dir(tmp, "agentmetrics-server"), installed["agentmetrics-server"])
        found[("agentmetrics-server", "agentmetrics")] = peer_run(lambda: agentmetrics_batches(server.start(), args))
    return found


# ---------------------------------------------------------------- queries and growth

def query_table(rows: list[tuple[str, ...]]) -> dict[str, dict[str, float]]:
    """bench_metrics.measure's rows as {route: {column: ms}}, whatever timing columns ("... ms") it reports."""
    header = next(i for i, row in enumerate(rows) if row[0] == "route")
    columns = rows[header][1:]
    return {label: {column: float(value.replace(",", "")) for column, value in zip(columns, values, strict=True)
                    if column.endswith(" ms")}
            for label, *values in rows[header + 1:]}


def growth_and_queries(args, tmp: Path) -> dict:
    """Per database size: query latency (queries, growth) and OTLP ingest on top of the data (growth)."""
    sizes = args.sizes if "growth" in args.only else [s for s in args.sizes if s <= 10 * MILLION]
    found: dict = {"queries": {}, "ingest": {}}
    if "growth" in args.only:
        found["ingest"][0] = growth_ingest(fresh_dir(tmp, "growth-0") / "collector.duckdb", args)
    for size in sizes:
        workdir = fresh_dir(tmp, f"db-{size}")
        db = workdir / "collector.duckdb"
        with exclusive(args.lock):
            print(f"generating {size:,} events ...", flush=True)
            bench_metrics.generate(db, size)
            rows, ok = bench_metrics.measure(db, workdir / "queries.log", args.requests)
        found["queries"][size] = {"routes": query_table(rows), "all_ok": ok}
        if "growth" in args.only:
            found["ingest"][size] = growth_ingest(db, args)
        shutil.rmtree(workdir)  # a 30 M event database is several GB
    return found


def growth_ingest(db: Path, args) -> dict:
    server = peers.Ours(db.parent, db).start()
    return otlp_run(server, "grpc", args, args.growth_seconds)


# ---------------------------------------------------------------- sustain

def sustain_exporter_main(url: str, seed: int, ready, go, times, results) -> None:
    """An exporter for a long run: it renews and serializes each request as it goes, as an SDK does, since
    minutes of pre-built requests would not fit in memory. That costs client CPU, so the rate is below otlp's."""
    rng = random.Random(seed)
    templates = [bench_otlp.build_request(SPANS_PER_REQUEST, seed, rng) for _ in range(bench_otlp.TEMPLATES)]
    ready.put(len(templates))
    go.wait()
    results.put(asyncio.run(sustain(url, templates, rng, times[1])))


async def sustain(url: str, templates: list, rng: random.Random, stop_at: float) -> dict:
    acked, statuses = 0, Counter()
    headers = {"Content-Type": "application/x-protobuf"}
    async with aiohttp.ClientSession(base_url=url, timeout=aiohttp.ClientTimeout(total=60)) as session:
        for i in itertools.count():
            if time.monotonic() >= stop_at:
                break
            template = templates[i % len(templates)]
            bench_otlp.renew(template, rng)
            async with session.post("/v1/traces", data=template.SerializeToString(), headers=headers) as response:
                await response.read()
            if response.status == 200:
                acked += SPANS_PER_REQUEST
            else:
                statuses[response.status] += 1
    return {"acked": acked, "statuses": statuses}


def sustain_section(args, tmp: Path) -> dict:
    server = peers.Ours(fresh_dir(tmp, "sustain")).start()
    seconds = args.sustain_minutes * 60
    with exclusive(args.lock):
        watch = ServerSampler(server.pid, every=1.0)
        watch.start()
        results, start, stop, _ = run_clients(sustain_exporter_main, [(server.url, i) for i in range(EXPORTERS)],
                                              0.0, seconds, server.pid)
        watch.stop()
    server.stop()
    stored = server.spans()
    # Growth compares the median RSS of the first and last minute (a fifth of the run, if that is shorter).
    edge = min(60.0, seconds / 5)
    first = statistics.median(rss for t, rss in watch.samples if t <= start + edge)
    last = statistics.median(rss for t, rss in watch.samples if t >= stop - edge)
    acked = sum(r["acked"] for r in results)
    return {"minutes": args.sustain_minutes, "acked": acked, "stored": stored, "per_s": acked / (stop - start),
            "peak_rss": watch.peak_rss, "first_rss": first, "last_rss": last, "edge_s": edge,
            "failures": ", ".join(f"{k}: {v}" for k, v in sum((r["statuses"] for r in results), Counter()).items())
            or "none", "samples": [(t - start, rss) for t, rss in watch.samples]}


# ---------------------------------------------------------------- run

def fresh_dir(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.mkdir()
    return path


def install_peers(args) -> tuple[dict[str, Path], dict[str, str], list[str]]:
    """(venv by package, version by package, why each skipped peer was skipped)."""
    wanted = [peers.PHOENIX] if "otlp" in args.only else []
    wanted += [peers.AGENTMETRICS_SERVER] if "rest" in args.only else []
    venvs, versions, skipped = {}, {}, []
    for package in wanted:
        try:
            venvs[package.name], versions[package.name] = peers.install(package, args.cache_dir, args.peer_python)
        except peers.Skipped as why:
            skipped.append(f"{package.name} skipped: {why}")
    return venvs, versions, skipped


def run(args) -> dict:
    found: dict = {}
    venvs, found["versions"], found["skipped"] = install_peers(args)
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as name:
        tmp = Path(name)
        for section, measure in (("otlp", otlp_section), ("rest", rest_section)):
            if section in args.only:
                found[section] = measure(args, tmp, venvs)
        if "rest" in args.only and args.receiver:
            found["receiver"] = receiver_section(args, tmp)
            if "skipped" in found["receiver"]:
                found["skipped"].append(f"the original AgentD receiver skipped: {found['receiver']['skipped']}")
        elif "rest" in args.only:
            found["skipped"].append("the original AgentD receiver skipped: no --receiver PATH given")
        if {"queries", "growth"} & set(args.only):
            found.update(growth_and_queries(args, tmp))
        if "sustain" in args.only:
            found["sustain"] = sustain_section(args, tmp)
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5 s windows, 1 M events only, a 1-minute sustained run")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where suite.md and suite.png go "
                                                                 "(default tests/benchmarks/results)")
    parser.add_argument("--cache-dir", type=Path, default=CACHE,
                        help="the peers' virtual environments, built once and reused (default %(default)s)")
    parser.add_argument("--peer-python", help="the Python to build the peers' environments with (default: this "
                                              "one, else the newest python3.X on PATH that suits the peer)")
    parser.add_argument("--sustain-minutes", type=float, help="length of the sustained run (default 10, quick 1)")
    parser.add_argument("--lock", type=Path, help="hold an exclusive flock on this file around each measurement")
    parser.add_argument("--receiver", type=Path, help="the original AgentD receiver's receiver.py (with its "
                                                      "requirements.txt beside it), to run POST /v1/runs beside it")
    parser.add_argument("--rounds", type=int, help="rounds per concurrency beside the receiver (default 4, quick 2)")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    if not set(args.only) <= set(SECTIONS):
        parser.error(f"--only takes {', '.join(SECTIONS)}")
    args.seconds, args.warmup, args.growth_seconds = (5.0, 1.0, 5.0) if args.quick else (20.0, 2.0, 10.0)
    args.sizes = [MILLION] if args.quick else [MILLION, 10 * MILLION, 30 * MILLION]
    args.requests = 5 if args.quick else 20
    args.settle_limit = 60.0 if args.quick else 300.0
    args.sustain_minutes = args.sustain_minutes or (1.0 if args.quick else 10.0)
    args.rounds = args.rounds or (2 if args.quick else 4)
    args.round_seconds = 5.0 if args.quick else 10.0
    return args


def main(argv: list[str] | None = None) -> int:
    from tests.benchmarks import chart  # matplotlib is the bench extra's; import it only when the suite runs

    args = parse_args(argv)
    started = time.monotonic()
    found = run(args)
    given = argv if argv is not None else sys.argv[1:]
    # --lock only keeps other benchmarks off the machine; its file is this machine's, not part of the recipe.
    shown = [arg for i, arg in enumerate(given) if arg != "--lock" and (i == 0 or given[i - 1] != "--lock")]
    found["command"] = shlex.join(["python", "-m", MODULE, *shown])
    found["machine"] = machine()
    found["minutes"] = (time.monotonic() - started) / 60
    text, all_passed = markdown(found, args)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "suite.md").write_text(text)
    chart.draw(found, args.out / "suite.png")
    print(f"\nwrote {args.out / 'suite.md'} and {args.out / 'suite.png'}")
    return 0 if all_passed else 1


# ---------------------------------------------------------------- report

def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def size_name(events: int) -> str:
    return f"{events // MILLION} M" if events else "empty"


def route_column(columns: dict[str, float], word: str) -> float | None:
    """The timing column whose name has `word` (p50, p95, first), as bench_metrics names it."""
    return next((v for k, v in columns.items() if word in k), None)


def verdict(passed: bool | None) -> str:
    return {True: "pass", False: "**FAIL**", None: "not shown"}[passed]


def at_full_size(passed: bool, full: bool) -> bool | None:
    """A target set at a size this run did not reach (--quick) is not passed by a smaller run, only failed."""
    return passed if full else (None if passed else False)


def ratio_target(name: str, ours: dict | None, peer: dict | None, key: str) -> tuple[str, str, bool | None]:
    if not ours or not peer or "skipped" in peer:
        return name, "peer not run", None
    if not ours[key]:
        return name, f"0 vs {peer[key]:,.0f}", False
    if not peer[key]:
        return name, f"{ours[key]:,.0f} vs 0", True
    times = ours[key] / peer[key]
    # A peer that wrote a handful of spans in the window has a rate below one, which ",.0f" would print as 0.
    peer_rate = f"{peer[key]:,.0f}" if peer[key] >= 10 else f"{peer[key]:.2g}"
    return name, f"{times:,.1f}x ({ours[key]:,.0f} vs {peer_rate})", times >= 10


def targets(found: dict, args) -> list[tuple[str, str, bool | None]]:
    """(target, measured, passed) for every target of issues 6 and 19; None where this run did not measure it."""
    otlp, rest = found.get("otlp", {}), found.get("rest", {})
    rows = []
    for transport, floor in (("grpc", 40_000), ("http", 35_000)):
        ours = otlp.get(("agent-collector", transport))
        name = bench_otlp.TRANSPORTS[transport]
        rows.append((f"{name} >= {floor:,} spans/s acknowledged (= committed)",
                     f"{ours['acked_per_s']:,.0f}" if ours else "-", ours["acked_per_s"] >= floor if ours else None))
        rows.append(ratio_target(f"{name} >= 10x Phoenix, spans/s committed", ours,
                                 otlp.get(("Arize Phoenix", transport)), "stored_per_s"))
    runs = rest.get(("agent-collector", "agentd"))
    rows.append(("AgentD POST /v1/runs >= 2,000 runs/s", f"{runs['requests_per_s']:,.0f}" if runs else "-",
                 runs["requests_per_s"] >= 2000 if runs else None))
    rows.append(ratio_target("/v1/events/batch >= 10x agentmetrics-server, events/s",
                             rest.get(("agent-collector", "agentmetrics")),
                             rest.get(("agentmetrics-server", "agentmetrics")), "per_s"))
    rows += receiver_side_by_side.targets(found.get("receiver"))
    rows += query_targets(found.get("queries", {}))
    rows.append(growth_target(found.get("ingest", {})))
    rows += rss_targets(found)
    return rows


def query_targets(queries: dict) -> list[tuple[str, str, bool | None]]:
    if not queries:
        return [("every route p50 < 50 ms warm at 10 M", "-", None),
                ("every route < 1 s first call at 10 M", "-", None)]
    # The issue sets these at 10 M events; larger databases are in the table, for how latency grows.
    size = 10 * MILLION if 10 * MILLION in queries else max(queries)
    at = f"at {size_name(size)}" + ("" if size >= 10 * MILLION else " (10 M not run)")
    rows = []
    for word, limit, name in (("p50", 50.0, "p50 < 50 ms warm"), ("first", 1000.0, "< 1 s first call")):
        values = {route: route_column(c, word) for route, c in queries[size]["routes"].items()}
        values = {route: v for route, v in values.items() if v is not None}
        if not values:
            rows.append((f"every route {name} {at}", "not reported by bench_metrics", None))
            continue
        worst = max(values, key=values.get)
        rows.append((f"every route {name} {at}", f"worst {values[worst]:,.1f} ms ({worst})",
                     at_full_size(values[worst] < limit, size >= 10 * MILLION)))
    return rows


def growth_target(ingest: dict) -> tuple[str, str, bool | None]:
    if 0 not in ingest or len(ingest) < 2:
        return "ingest at 30 M events within 20% of empty", "-", None
    size = max(ingest)
    ratio = ingest[size]["acked_per_s"] / ingest[0]["acked_per_s"]
    passed = at_full_size(ratio >= 0.8, size >= 30 * MILLION)
    return (f"ingest at 30 M events within 20% of empty (largest run: {size_name(size)})",
            f"{ratio:.0%} of empty ({ingest[size]['acked_per_s']:,.0f} vs {ingest[0]['acked_per_s']:,.0f} spans/s)",
            passed)


def rss_targets(found: dict) -> list[tuple[str, str, bool | None]]:
    ours = [r for key, r in {**found.get("otlp", {}), **found.get("rest", {})}.items() if key[0] == "agent-collector"]
    ours += list(found.get("ingest", {}).values())
    receiver = found.get("receiver") or {}
    ours += [r for n in receiver if n != "skipped" for r in receiver[n]["agent-collector"] if "skipped" not in r]
    sustain = found.get("sustain")
    peaks = [r["peak_rss"] for r in ours] + ([sustain["peak_rss"]] if sustain else [])
    rows = [("RSS < 1 GiB throughout (agent-collector, every run)", mib(max(peaks)) if peaks else "-",
             max(peaks) < GIB if peaks else None)]
    if not sustain:
        return [*rows, ("no RSS growth over a 10-minute sustained run", "-", None)]
    growth = sustain["last_rss"] / sustain["first_rss"] - 1
    # Within 10%: the allocator and DuckDB's buffer pool settle in the first minutes without leaking. A shorter
    # run shows only that settling, so it shows nothing either way.
    passed = growth <= 0.10 if sustain["minutes"] >= 10 else None
    return [*rows, (f"no RSS growth (<= 10%) over a 10-minute sustained run (this run: {sustain['minutes']:g} min)",
                    f"{growth:+.1%} ({mib(sustain['first_rss'])} -> {mib(sustain['last_rss'])})", passed)]


def markdown(found: dict, args) -> tuple[str, bool]:
    m = found["machine"]
    peers_line = ", ".join(f"{name} {version}" for name, version in found["versions"].items()) or "none"
    lines = ["# agent-collector side-by-side benchmark", "",
             f"Command: `{found['command']}` ({found['minutes']:.0f} min)", "",
             f"Machine: {m['cores']} cores, {m['cpu']}, {m['ram']} RAM, {m['os']}, Python {m['python']}; "
             f"agent-collector {m['agent-collector']} (DuckDB {m['duckdb']}); peers: {peers_line}", ""]
    lines += [f"- {why}" for why in found["skipped"]] + ([""] if found["skipped"] else [])
    rows = targets(found, args)
    lines += ["## Targets (issues 6 and 19)", ""]
    lines += table(["target", "measured", "result"], [[name, value, verdict(p)] for name, value, p in rows])
    lines += otlp_lines(found.get("otlp"), args) + rest_lines(found.get("rest"), args)
    receiver = found.get("receiver")
    if receiver and "skipped" not in receiver:
        lines += receiver_side_by_side.lines(receiver, args.round_seconds, args.receiver)
    lines += query_lines(found.get("queries")) + growth_lines(found) + sustain_lines(found.get("sustain"))
    return "\n".join(lines), all(p is not False for _, _, p in rows)


def otlp_lines(otlp: dict | None, args) -> list[str]:
    if not otlp:
        return []
    lines = ["## OTLP traces", "",
             f"{EXPORTERS} exporter processes, one export in flight each, {SPANS_PER_REQUEST} spans per request "
             f"(agent traces, bench_otlp.py), {args.warmup:g} s warm-up + {args.seconds:g} s measured, a fresh "
             "server and store each. Acknowledged: spans/s answered OK in the window. Committed: spans in the store "
             "after the run over first request to last write; Phoenix answers before it writes, so its spans table is "
             f"counted while it writes, until it holds every span acknowledged or {args.settle_limit:.0f} s passed; "
             "its rate is what it had written by then. CPU: server seconds from load to last write, per span "
             "written.", ""]
    rows = []
    for (server, transport), r in otlp.items():
        if "skipped" in r:
            rows.append([server, bench_otlp.TRANSPORTS[transport], *["-"] * 6, r["skipped"][:120]])
            continue
        rows.append([server, bench_otlp.TRANSPORTS[transport], f"{r['acked_per_s']:,.0f}", f"{r['stored_per_s']:,.0f}",
                     f"{r['acked']:,} / {r['stored']:,}", f"{r['p50_ms']:,.0f} / {r['p99_ms']:,.0f}",
                     mib(r["peak_rss"]), f"{r['cpu_per_1k']:.3f}", r["failures"]])
    return lines + table(["server", "transport", "spans/s acked", "spans/s committed", "acked / stored spans",
                          "p50 / p99 ms", "peak RSS", "CPU s / 1k spans", "not acknowledged"], rows)


def rest_lines(rest: dict | None, args) -> list[str]:
    if not rest:
        return []
    lines = ["## REST ingest", "",
             f"{REST_CLIENTS} client processes, {REST_CONCURRENCY} requests in flight, {args.warmup:g} s warm-up + "
             f"{args.seconds:g} s measured. AgentD: the captured agentd-sdk run, 10 events per POST /v1/runs. "
             f"agentmetrics: the captured agentmetrics 0.2.0 agent_end events, {peers.EVENTS_PER_BATCH} per POST "
             "/v1/events/batch (the SDK's batch size), every id fresh. Both servers commit before they answer. "
             "agentmetrics-server runs with its 600 events/minute per-key rate limit lifted, so that its write path "
             "is what is measured.", ""]
    rows = []
    for (server, workload), r in rest.items():
        name = "POST /v1/runs" if workload == "agentd" else "POST /v1/events/batch"
        if "skipped" in r:
            rows.append([server, name, *["-"] * 5, r["skipped"][:120]])
            continue
        rows.append([server, name, f"{r['per_s']:,.0f}", f"{r['requests_per_s']:,.0f}",
                     f"{r['acked']:,} / {r['stored']:,}", f"{r['p50_ms']:,.1f} / {r['p99_ms']:,.1f}",
                     mib(r["peak_rss"]), r["failures"]])
    return lines + table(["server", "workload", "events/s acked", "requests/s", "acked / stored events",
                          "p50 / p99 ms", "peak RSS", "not acknowledged"], rows)


def query_lines(queries: dict | None) -> list[str]:
    if not queries:
        return []
    sizes = sorted(queries)
    columns = list(next(iter(queries[sizes[0]]["routes"].values())))
    header = ["route", *(f"{size_name(size)} {column}" for size in sizes for column in columns)]
    rows = [[route, *(f"{queries[size]['routes'].get(route, {}).get(column, float('nan')):,.1f}"
                      for size in sizes for column in columns)] for route in queries[sizes[0]]["routes"]]
    failed = [size_name(size) for size in sizes if not queries[size]["all_ok"]]
    return ["## Query latency", "", "Sequential GETs per route over a generated database (bench_metrics.py), in ms"
            + (f"; some route answered other than 200 at {', '.join(failed)}" if failed else "") + ".", "",
            *table(header, rows)]


def growth_lines(found: dict) -> list[str]:
    ingest = found.get("ingest")
    if not ingest:
        return []
    queries = found.get("queries", {})
    rows = []
    for size in sorted(ingest):
        p50s = sorted(v for c in queries.get(size, {}).get("routes", {}).values()
                      if (v := route_column(c, "p50")) is not None)
        rows.append([size_name(size), f"{ingest[size]['acked_per_s']:,.0f}",
                     f"{ingest[size]['acked_per_s'] / ingest[0]['acked_per_s']:.0%}" if 0 in ingest else "-",
                     f"{statistics.median(p50s):,.1f}" if p50s else "-", f"{p50s[-1]:,.1f}" if p50s else "-",
                     mib(ingest[size]["peak_rss"])])
    return ["## Growth", "", "OTLP/gRPC ingest on top of a generated database, and query latency at that size.", "",
            *table(["events in the database", "spans/s acked", "vs empty", "route p50 median ms",
                    "route p50 max ms", "peak RSS"], rows)]


def sustain_lines(sustain: dict | None) -> list[str]:
    if not sustain:
        return []
    s = sustain
    return ["## Sustained run", "",
            f"{s['minutes']:g} minutes of OTLP/HTTP from {EXPORTERS} exporters that build each request as they go "
            f"(so the rate is below the OTLP section's); RSS sampled every second, growth is the median of the last "
            f"{s['edge_s']:.0f} s over the first {s['edge_s']:.0f} s.", "",
            *table(["spans/s acked", "acked / stored spans", "peak RSS", "first median", "last median", "growth",
                    "not acknowledged"],
                   [[f"{s['per_s']:,.0f}", f"{s['acked']:,} / {s['stored']:,}", mib(s["peak_rss"]),
                     mib(s["first_rss"]), mib(s["last_rss"]), f"{s['last_rss'] / s['first_rss'] - 1:+.1%}",
                     s["failures"]]]),
            "RSS minute by minute, median / peak MiB: " + ", ".join(
                f"{median / 2**20:,.0f} / {peak / 2**20:,.0f}"
                for median, peak in by_minute(s["samples"], s["minutes"] * 60)) + "."]


def by_minute(samples: list[tuple[float, int]], seconds: float) -> list[tuple[float, int]]:
    """(median, peak) RSS of each minute of the run: whether the level still climbs after the cache fills."""
    minutes: dict[int, list[int]] = defaultdict(list)
    for t, rss in samples:
        if 0 <= t < seconds:
            minutes[int(t // 60)].append(rss)
    return [(statistics.median(v), max(v)) for _, v in sorted(minutes.items())]


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    return {"cores": str(os.cpu_count()), "cpu": model, "ram": f"{psutil.virtual_memory().total / GIB:.0f} GiB",
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
            "agent-collector": importlib.metadata.version("agent-collector"),
            "duckdb": importlib.metadata.version("duckdb")}


if __name__ == "__main__":
    sys.exit(main())
