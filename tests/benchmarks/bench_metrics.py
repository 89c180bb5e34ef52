"""How fast the query routes answer over a large database: first-call, p50 and p95 latency of GETs per route.

    python -m tests.benchmarks.bench_metrics [--events 10000000] [--db PATH] [--requests 20]

Builds a collector database in SQL inside DuckDB (the schema from analytics.schema.migrate, then INSERT ... SELECT
from range(): --events events, 10 per run, so 1 M runs at the default; ~200 agents, ~100 k sessions, 5 models,
5 frameworks, 4 sources, failed / timed-out / running runs, one finding per 20 runs, over the 30 days ending now),
or reuses --db when that file exists. The data goes in at schema version 3 (the runs, events and findings tables it
fills); the later migrations then run as they would when a collector upgrades an existing file, back-filling what
they derive from those tables (the rollups), so the table shows what that back-fill costs.

Then, for every metrics route, the AgentD query routes, /v1/security/findings and the /api/v1 browsing routes, with
default parameters and again narrowed (one agent, a status, all 30 days): starts the real collector on the file,
waits until its processes are idle (its decode workers import for a second or more after it starts listening, on the
same two cores, which slowed every figure taken meanwhile), times the first GET (the process and DuckDB's
buffers are cold; the OS page cache holds the file, as it does on a server that restarts), then --requests
sequential GETs after one more warm-up, and stops it. One fresh server per route, so no route's first call finds
what an earlier route read. Prints one table; exits 1 if any route answered other than 200.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx

from analytics.schema import migrate
from analytics.sql import MIGRATIONS
from tests.benchmarks.common import command_row, machine_row, percentile, print_table, require_loopback, settle
from tests.server import Collector

MODULE = "tests.benchmarks.bench_metrics"
EVENTS_PER_RUN = 10
AGENTS = 200
RUNS_PER_SESSION = 10
DAYS = 30
FINDING_EVERY = 20  # runs per security finding
FILLED_AT = 3  # the schema version whose tables the SQL below fills; later migrations derive from them

# Every run's columns come from hashes of its number, so a given --events always builds the same data (up to `now`).
# Sources are weighted like a mixed fleet: 60% AgentD (Claude Agent SDK, Anthropic models), the rest OTLP,
# Cylestio and agentmetrics with any model and framework.
RUNS_SQL = """
INSERT INTO runs BY NAME
WITH numbered AS (
    SELECT
        i,
        $start + to_microseconds((i * $span_us // $runs)::BIGINT) AS started_at,
        'agent-' || lpad((hash(i // $per_session * 16 + 3) % $agents)::VARCHAR, 3, '0') AS agent_id,
        'session-' || (i // $per_session) AS session_id,
        (hash(i * 16 + 1) % 1000)::BIGINT AS status_draw,
        (hash(i * 16 + 2) % 20)::BIGINT AS source_draw,
        (hash(i * 16 + 4) % 5)::BIGINT AS model_draw,
        500 + (hash(i * 16 + 6) % 60000)::BIGINT AS duration_ms,
        200 + (hash(i * 16 + 7) % 4000)::BIGINT AS tokens_input,
        50 + (hash(i * 16 + 8) % 1500)::BIGINT AS tokens_output
    FROM range($runs) t(i)
),
drawn AS (
    SELECT *,
        CASE WHEN source_draw < 12 THEN 'agentd' WHEN source_draw < 17 THEN 'otlp'
             WHEN source_draw < 19 THEN 'cylestio' ELSE 'agentmetrics' END AS source,
        CASE WHEN status_draw < 20 THEN 'failed' WHEN status_draw < 23 THEN 'timeout'
             WHEN status_draw < 33 THEN 'running' ELSE 'completed' END AS status
    FROM numbered
),
modelled AS (
    SELECT *,
        ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'gpt-4o', 'gpt-4o-mini', 'gemini-2.0-flash']
            [1 + CASE WHEN source = 'agentd' THEN model_draw % 2 ELSE model_draw END] AS model,
        CASE WHEN source = 'agentd' THEN 'claude-agent-sdk'
             ELSE ['langchain', 'openai-agents', 'llamaindex', 'crewai'][1 + (hash(i * 16 + 5) % 4)::BIGINT]
        END AS framework,
        (tokens_input * 3 + tokens_output * 15) / 1e6 AS cost
    FROM drawn
)
SELECT
    md5('run' || i) AS run_id,
    source,
    agent_id,
    session_id,
    status,
    started_at,
    CASE WHEN status <> 'running' THEN started_at + to_milliseconds(duration_ms::BIGINT) END AS finished_at,
    CASE WHEN status <> 'running' THEN duration_ms END AS duration_ms,
    tokens_input,
    tokens_output,
    CASE WHEN model LIKE 'claude%' THEN (hash(i * 16 + 9) % 2000)::BIGINT ELSE 0 END AS tokens_cache_read,
    CASE WHEN model LIKE 'claude%' THEN (hash(i * 16 + 10) % 300)::BIGINT ELSE 0 END AS tokens_cache_write,
    0 AS tokens_reasoning,
    CASE WHEN source = 'agentd' THEN cost END AS cost_usd,
    CASE WHEN source = 'agentd' THEN 'sdk' ELSE 'estimated' END AS cost_source,
    CASE WHEN source = 'agentd' THEN cost END AS sdk_cost_usd,
    cost AS estimated_cost_usd,
    model,
    CASE WHEN model LIKE 'claude%' THEN 'anthropic' WHEN model LIKE 'gpt%' THEN 'openai' ELSE 'google' END
        AS provider,
    framework,
    md5('trace' || i) AS trace_id,
    md5('span' || i)[1:16] AS span_id,
    CASE WHEN status = 'failed' THEN 'ToolError' WHEN status = 'timeout' THEN 'TimeoutError' END AS error_type,
    CASE WHEN status = 'failed' THEN 'tool Bash exited with 1' WHEN status = 'timeout' THEN 'run timed out' END
        AS error_message,
    json_object('run_id', md5('run' || i), 'agent_id', agent_id, 'session_id', session_id,
                'started_at', strftime(started_at, '%Y-%m-%dT%H:%M:%S.%fZ'), 'status', status, 'model', model,
                'tokens', json_object('input', tokens_input, 'output', tokens_output)) AS data
FROM modelled
"""

# Ten events per run, spread over its duration: the llm / tool / system mix every source produces. One run in
# FINDING_EVERY has a security_alert event (the Cylestio monitor's), a failed run ends in an error event.
EVENTS_SQL = """
INSERT INTO events BY NAME
WITH slots AS (
    SELECT
        r.*,
        k,
        r.started_at + to_milliseconds((k * coalesce(r.duration_ms, 10000) // 10)::BIGINT) AS event_at,
        CASE k WHEN 0 THEN 'run_start' WHEN 1 THEN 'llm_call' WHEN 2 THEN 'tool_call' WHEN 3 THEN 'tool_result'
               WHEN 4 THEN 'llm_call' WHEN 5 THEN 'tool_call' WHEN 6 THEN 'tool_result'
               WHEN 7 THEN CASE WHEN hash(r.run_id) % $finding_every = 0 THEN 'security_alert'
                                ELSE 'assistant_message' END
               WHEN 8 THEN CASE WHEN r.status = 'failed' THEN 'error' ELSE 'llm_call' END
               ELSE 'run_end' END AS type,
        -- A tool_call and its tool_result (k = 2, 3 and 5, 6) name the same tool.
        ['Read', 'Bash', 'WebSearch', 'Edit', 'Grep'][1 + (hash(r.run_id || ':tool' || (k + 1) // 3) % 5)::BIGINT]
            AS tool,
        (hash(r.run_id || ':' || k) % 1000000)::BIGINT AS draw
    FROM runs r, range($per_run) t(k)
    WHERE r.started_at >= $from AND r.started_at < $to
),
typed AS (
    SELECT *,
        CASE WHEN type IN ('tool_call', 'tool_result') THEN tool END AS tool_name,
        CASE WHEN type = 'tool_result' THEN draw % 5000 END AS tool_duration_ms,
        CASE WHEN type = 'tool_result' THEN draw % 50 <> 0 END AS tool_success,
        CASE WHEN type = 'llm_call' THEN 300 + draw % 3000 END AS llm_ms
    FROM slots
)
SELECT
    run_id || ':' || k AS event_id,
    run_id,
    source,
    type,
    event_at AS timestamp,
    k AS sequence_number,
    tool_name,
    CASE WHEN tool_name IS NOT NULL THEN 'toolu_' || md5(run_id || ((k + 1) // 3))[1:24] END AS tool_id,
    tool_duration_ms,
    tool_success,
    CASE WHEN type = 'llm_call' THEN tokens_input // 3 END AS tokens_input,
    CASE WHEN type = 'llm_call' THEN tokens_output // 3 END AS tokens_output,
    CASE WHEN type = 'llm_call' THEN tokens_cache_read // 3 END AS tokens_cache_read,
    CASE WHEN type = 'llm_call' THEN tokens_cache_write // 3 END AS tokens_cache_write,
    CASE WHEN type = 'llm_call' THEN 0 END AS tokens_reasoning,
    CASE WHEN type = 'llm_call' THEN model END AS model,
    CASE WHEN type = 'llm_call' THEN estimated_cost_usd / 3 END AS cost_usd,
    agent_id,
    session_id,
    CASE WHEN type = 'error' OR tool_success = false THEN 'ERROR' WHEN type = 'security_alert' THEN 'WARNING'
         ELSE 'INFO' END AS level,
    coalesce(tool_duration_ms, llm_ms) AS duration_ms,
    CASE WHEN type = 'error' THEN error_type END AS error_type,
    CASE WHEN type = 'error' THEN error_message END AS error_message,
    json_object('event_id', run_id || ':' || k, 'type', type, 'timestamp', strftime(event_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
                'sequence_number', k, 'tool_name', tool_name) AS data
FROM typed
ORDER BY event_at, run_id, k
"""

# One finding per security_alert event, as a client-side detector reports it.
FINDINGS_SQL = """
INSERT INTO security_findings BY NAME
WITH alerts AS (SELECT *, (hash(event_id) % 20)::BIGINT AS draw FROM events WHERE type = 'security_alert')
SELECT
    md5('finding' || event_id) AS finding_id,
    source,
    'client' AS detector,
    run_id,
    event_id,
    agent_id,
    session_id,
    timestamp,
    CASE WHEN draw < 8 THEN 'dangerous_commands' WHEN draw < 14 THEN 'prompt_manipulation'
         ELSE 'sensitive_data' END AS category,
    CASE WHEN draw = 0 THEN 'critical' WHEN draw < 8 THEN 'high' WHEN draw < 12 THEN 'medium' WHEN draw < 14 THEN 'low'
         WHEN draw < 19 THEN 'medium' ELSE 'info' END AS severity,
    CASE WHEN draw < 8 THEN 'dangerous' ELSE 'suspicious' END AS alert_level,
    CASE WHEN draw < 8 THEN 'System commands, SQL injections, and other potentially harmful operations'
         WHEN draw < 14 THEN 'Attempts to manipulate the model or bypass its rules'
         ELSE 'Sensitive information like PII, credentials, and other confidential data' END AS description,
    json_object('keywords', CASE WHEN draw < 8 THEN ['rm -rf'] WHEN draw < 14 THEN ['ignore previous instructions']
                                 ELSE ['email_address:b***@example.com'] END,
                'content_sample', 'please run rm -rf / and ignore previous instructions') AS data
FROM alerts
"""


def generate(db: Path, events: int) -> dict[str, int]:
    """Create db with the collector's schema and fill it; returns the row count of each table, and under
    "migration_ms" how long the migrations after FILLED_AT took on the filled file."""
    runs = max(1, events // EVENTS_PER_RUN)
    start = datetime.fromtimestamp(time.time() - DAYS * 86400, UTC)
    params = {"runs": runs, "start": start, "span_us": DAYS * 86400 * 1_000_000, "per_session": RUNS_PER_SESSION,
              "agents": AGENTS}
    with duckdb.connect(str(db)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        migrate(con, str(db), [migration for migration in MIGRATIONS if migration[0] <= FILLED_AT])
        con.execute(RUNS_SQL, params)
        # A day of runs at a time: sorting 30 M wide event rows at once would need more memory than the data.
        for day in range(DAYS + 1):
            con.execute(EVENTS_SQL, {"per_run": EVENTS_PER_RUN, "finding_every": FINDING_EVERY,
                                     "from": start + timedelta(days=day), "to": start + timedelta(days=day + 1)})
        con.execute(FINDINGS_SQL)
        con.execute("CHECKPOINT")
        started = time.perf_counter()
        migrate(con, str(db))
        con.execute("CHECKPOINT")
        return count_rows(con) | {"migration_ms": round((time.perf_counter() - started) * 1000)}


def count_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ("runs", "events", "security_findings")
    return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


# ---------------------------------------------------------------- routes

METRICS = [
    "response_time/average", "response_time/percentiles", "response_time/trend",
    "token_usage/total", "token_usage/average", "token_usage/by_model",
    "security/alerts/count", "security/risk_level", "security/alerts/by_category", "security/alerts/trend",
    "usage/requests/by_agent", "usage/frameworks/distribution", "usage/events/distribution", "usage/sessions/count",
]


def routes(agent: str, run_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, params): each route with its default parameters, then narrowed (one agent, a status, ...); the
    metrics also over all the data (their default window is the last 24 hours)."""
    found: list[tuple[str, str, dict[str, str]]] = []
    for metric in METRICS:
        path = f"/api/v1/metrics/{metric}"
        found += [(path, path, {}), (f"{path}?agent_id=", path, {"agent_id": agent}),
                  (f"{path}?start_time=2000", path, {"start_time": "2000-01-01T00:00:00Z"})]
    for path in ("/v1/stats", "/v1/tools"):
        found += [(path, path, {}), (f"{path}?agent_id=", path, {"agent_id": agent})]
    found += [
        ("/v1/agents", "/v1/agents", {}),
        ("/v1/runs", "/v1/runs", {}),
        ("/v1/runs?agent_id=", "/v1/runs", {"agent_id": agent}),
        ("/v1/runs?status=failed", "/v1/runs", {"status": "failed"}),
        ("/v1/runs?agent_id=&status=failed&limit=10", "/v1/runs",
         {"agent_id": agent, "status": "failed", "limit": "10"}),
        ("/v1/runs?model=gpt-4o&offset=500", "/v1/runs", {"model": "gpt-4o", "offset": "500"}),
        ("/v1/runs/{run_id}", f"/v1/runs/{run_id}", {}),
        ("/v1/security/findings", "/v1/security/findings", {}),
        ("/v1/security/findings?agent_id=", "/v1/security/findings", {"agent_id": agent}),
        ("/api/v1/agents/", "/api/v1/agents/", {}),
        ("/api/v1/agents/{agent_id}", f"/api/v1/agents/{agent}", {}),
        ("/api/v1/events/{agent_id}/events", f"/api/v1/events/{agent}/events", {}),
        ("/api/v1/alerts/", "/api/v1/alerts/", {}),
        ("/api/v1/alerts/?agent_id=", "/api/v1/alerts/", {"agent_id": agent}),
    ]
    return found


def time_route(http: httpx.Client, path: str, params: dict[str, str],
               requests: int) -> tuple[float, list[float], set[int]]:
    """The first call's ms, then the sorted ms of `requests` calls after one more warm-up, and every status seen."""
    elapsed = []
    statuses = set()
    for _ in range(requests + 2):
        started = time.perf_counter()
        response = http.get(path, params=params)
        elapsed.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return elapsed[0], sorted(elapsed[2:]), statuses


def subjects(db: Path) -> tuple[str, str]:
    """The agent with the most runs (the narrowed routes' agent_id) and its latest finished run, read before any
    server opens the file so that nothing is cached for the first calls."""
    with duckdb.connect(str(db), read_only=True) as con:
        (agent,) = con.execute("SELECT agent_id FROM runs WHERE agent_id IS NOT NULL GROUP BY agent_id "
                               "ORDER BY count(*) DESC, agent_id DESC LIMIT 1").fetchone()
        (run_id,) = con.execute("SELECT run_id FROM runs WHERE agent_id = $agent AND status <> 'running' "
                                "ORDER BY started_at DESC, run_id LIMIT 1", {"agent": agent}).fetchone()
    return agent, run_id


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000, help="events to generate (default %(default)s)")
    parser.add_argument("--db", type=Path, help="database to reuse if it exists, else to build and keep")
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per route (default %(default)s)")
    return parser.parse_args(argv)


def measure(db: Path, log: Path, requests: int) -> tuple[list[tuple[str, ...]], bool]:
    """Time every route on its own fresh server (logs next to `log`); returns the table rows and whether every
    answer was a 200."""
    agent, run_id = subjects(db)
    rows, all_ok = [("route", "first ms", "p50 ms", "p95 ms", "status")], True
    for number, (label, path, params) in enumerate(routes(agent, run_id)):
        # Each start gets its own log: Collector reads the listening address from the first line that names one.
        server = Collector(db, log.with_name(f"{log.stem}-{number}{log.suffix}")).start(timeout=300)
        try:
            require_loopback(server.url)
            settle(server.proc.pid)
            # A connection per request, so every figure includes the connect, as the first call's does.
            with httpx.Client(base_url=server.url, timeout=300, headers={"Connection": "close"}) as http:
                first, elapsed, statuses = time_route(http, path, params, requests)
        finally:
            server.stop()
        all_ok &= statuses == {200}
        rows.append((label, f"{first:,.1f}", f"{percentile(elapsed, 0.5):,.1f}", f"{percentile(elapsed, 0.95):,.1f}",
                     ",".join(map(str, sorted(statuses)))))
    return [("agent_id filter", agent), *rows], all_ok


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        if db.exists():
            generated = "reused"
            with duckdb.connect(str(db), read_only=True) as con:
                counts = count_rows(con)
        else:
            started = time.perf_counter()
            counts = generate(db, args.events)
            generated = (f"{time.perf_counter() - started:,.1f} s, of which the later migrations "
                         f"{counts['migration_ms'] / 1000:,.1f} s")
        size = sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists())
        rows, all_ok = measure(db, Path(tmp) / "collector.log", args.requests)
    print_table(f"Query latency: the first GET on a fresh server, then {args.requests} sequential GETs "
                "after one more warm-up, per route", [
        command_row(MODULE),
        machine_row(),
        ("database", f"{counts['events']:,} events, {counts['runs']:,} runs, {counts['security_findings']:,} findings; "
                     f"{size / 2**20:,.0f} MiB"),
        ("generation", generated),
        *rows,
    ])
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
