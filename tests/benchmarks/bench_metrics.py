"""How fast the query routes answer over a large database: p50 / p95 latency of sequential GETs per route.

    python -m tests.benchmarks.bench_metrics [--events 10000000] [--db PATH] [--requests 20]

Builds a collector database in SQL inside DuckDB (the schema from analytics.schema.migrate, then INSERT ... SELECT
from range(): --events events, 10 per run, so 1 M runs at the default; ~200 agents, ~100 k sessions, 5 models,
5 frameworks, 4 sources, failed / timed-out / running runs, one finding per 20 runs, over the 30 days ending now),
or reuses --db when that file exists. Then starts the real collector on it and, for every metrics route, the AgentD
query routes and the /api/v1 browsing routes, times --requests sequential GETs after one warm-up, with default
parameters and again for one agent. Prints one table; exits 1 if any route answered other than 200.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx

from analytics.schema import migrate
from tests.benchmarks.common import command_row, machine_row, percentile, print_table, require_loopback
from tests.server import Collector

MODULE = "tests.benchmarks.bench_metrics"
EVENTS_PER_RUN = 10
AGENTS = 200
RUNS_PER_SESSION = 10
DAYS = 30
FINDING_EVERY = 20  # runs per security finding

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
    """Create db with the collector's schema and fill it; returns the row count of each table."""
    runs = max(1, events // EVENTS_PER_RUN)
    end = time.time()
    params = {"runs": runs, "start": datetime.fromtimestamp(end - DAYS * 86400, UTC),
              "span_us": DAYS * 86400 * 1_000_000, "per_session": RUNS_PER_SESSION, "agents": AGENTS}
    with duckdb.connect(str(db)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        migrate(con, str(db))
        con.execute(RUNS_SQL, params)
        con.execute(EVENTS_SQL, {"per_run": EVENTS_PER_RUN, "finding_every": FINDING_EVERY})
        con.execute(FINDINGS_SQL)
        con.execute("CHECKPOINT")
        return count_rows(con)


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


def routes(agent: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, params): each route with its default parameters, then narrowed to one agent; the metrics also
    over all the data (their default window is the last 24 hours)."""
    found: list[tuple[str, str, dict[str, str]]] = []
    for metric in METRICS:
        path = f"/api/v1/metrics/{metric}"
        found += [(path, path, {}), (f"{path}?agent_id=", path, {"agent_id": agent}),
                  (f"{path}?start_time=2000", path, {"start_time": "2000-01-01T00:00:00Z"})]
    for path in ("/v1/stats", "/v1/tools"):
        found += [(path, path, {}), (f"{path}?agent_id=", path, {"agent_id": agent})]
    found += [
        ("/v1/agents", "/v1/agents", {}),
        ("/api/v1/agents/", "/api/v1/agents/", {}),
        ("/api/v1/agents/{agent_id}", f"/api/v1/agents/{agent}", {}),
        ("/api/v1/events/{agent_id}/events", f"/api/v1/events/{agent}/events", {}),
        ("/api/v1/alerts/", "/api/v1/alerts/", {}),
        ("/api/v1/alerts/?agent_id=", "/api/v1/alerts/", {"agent_id": agent}),
    ]
    return found


def time_route(http: httpx.Client, path: str, params: dict[str, str], requests: int) -> tuple[list[float], set[int]]:
    statuses = {http.get(path, params=params).status_code}  # warm-up: DuckDB caches, FastAPI's first call
    elapsed = []
    for _ in range(requests):
        started = time.perf_counter()
        response = http.get(path, params=params)
        elapsed.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return sorted(elapsed), statuses


def busiest_agent(http: httpx.Client) -> str:
    agents = http.get("/v1/agents").json()
    return max(agents, key=lambda a: (a["run_count"], a["agent_id"]))["agent_id"]


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000, help="events to generate (default %(default)s)")
    parser.add_argument("--db", type=Path, help="database to reuse if it exists, else to build and keep")
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per route (default %(default)s)")
    return parser.parse_args(argv)


def measure(db: Path, log: Path, requests: int) -> tuple[list[tuple[str, ...]], bool]:
    server = Collector(db, log).start(timeout=300)
    try:
        require_loopback(server.url)
        # A connection per request: on a kept-alive connection every answer after the first waits ~40 ms for a
        # delayed ACK (the server's accepted sockets lack TCP_NODELAY), which would hide the query time.
        with httpx.Client(base_url=server.url, timeout=300, headers={"Connection": "close"}) as http:
            agent = busiest_agent(http)
            rows, all_ok = [("route", "p50 ms", "p95 ms", "status")], True
            for label, path, params in routes(agent):
                elapsed, statuses = time_route(http, path, params, requests)
                all_ok &= statuses == {200}
                rows.append((label, f"{percentile(elapsed, 0.5):,.1f}", f"{percentile(elapsed, 0.95):,.1f}",
                             ",".join(map(str, sorted(statuses)))))
    finally:
        server.stop()
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
            generated = f"{time.perf_counter() - started:,.1f} s"
        size = sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists())
        rows, all_ok = measure(db, Path(tmp) / "collector.log", args.requests)
    print_table(f"Query latency, {args.requests} sequential GETs per route after one warm-up", [
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
