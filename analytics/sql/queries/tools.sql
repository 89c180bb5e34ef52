-- GET /v1/tools: one row per tool, each call counted once.
-- A call is its tool_call and tool_result events, paired by (run_id, tool_id); success and duration come
-- from the result. An event without a tool_id is a call of its own.
WITH tool_events AS (
    -- The event's own agent and time, not its run's: no join, so the scan is all it costs (970 -> 630 ms at 10M
    -- events, tests/benchmarks/bench_metrics.py); `since` counts the calls made since then.
    SELECT run_id, coalesce(tool_id, event_id) AS call_key, tool_name, tool_success, tool_duration_ms
    FROM events
    WHERE tool_name IS NOT NULL
      AND type IN ('tool_call', 'tool_result')
      AND ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($since IS NULL OR timestamp >= $since)
),
calls AS (
    SELECT
        any_value(tool_name) AS tool_name,
        bool_and(tool_success) AS success,  -- NULL while no result has arrived
        max(tool_duration_ms) AS duration_ms
    FROM tool_events
    GROUP BY run_id, call_key
)
SELECT
    tool_name,
    count(*) AS call_count,
    count(*) FILTER (WHERE success) AS success_count,
    count(*) FILTER (WHERE NOT success) AS failure_count,
    avg(duration_ms) AS avg_duration_ms
FROM calls
GROUP BY tool_name
ORDER BY call_count DESC, tool_name
