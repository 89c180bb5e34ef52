-- GET /v1/tools: one row per tool, each call counted once.
-- A call is its tool_call and tool_result events, paired by (run_id, tool_id); success and duration come
-- from the result. An event without a tool_id is a call of its own.
WITH tool_events AS (
    SELECT e.run_id, coalesce(e.tool_id, e.event_id) AS call_key, e.tool_name, e.tool_success, e.tool_duration_ms
    FROM events e
    LEFT JOIN runs r USING (run_id)
    WHERE e.tool_name IS NOT NULL
      AND e.type IN ('tool_call', 'tool_result')
      AND ($agent_id IS NULL OR r.agent_id = $agent_id)
      AND ($since IS NULL OR coalesce(r.started_at, e.timestamp) >= $since)
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
