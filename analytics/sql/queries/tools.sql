-- GET /v1/tools: one row per tool, each call counted once (tool_calls pairs its tool_call and tool_result events,
-- schema/004_tool_calls.sql); `since` counts the calls with an event since then.
SELECT
    tool_name,
    count(*) AS call_count,
    count(*) FILTER (WHERE success) AS success_count,
    count(*) FILTER (WHERE NOT success) AS failure_count,
    avg(duration_ms) AS avg_duration_ms
FROM tool_calls
WHERE ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($since IS NULL OR last_at >= $since)
GROUP BY tool_name
ORDER BY call_count DESC, tool_name
