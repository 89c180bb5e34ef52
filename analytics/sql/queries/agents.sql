-- GET /v1/agents: one row per agent, most recently active first.
SELECT
    agent_id,
    count(*) AS run_count,
    count(*) FILTER (WHERE status = 'completed') AS success_count,
    count(*) FILTER (WHERE status = 'failed') AS failure_count,
    avg(duration_ms) AS avg_duration_ms,
    sum(coalesce(cost_usd, estimated_cost_usd)) AS total_cost_usd,
    strftime(max(started_at), '%Y-%m-%dT%H:%M:%S.%fZ') AS last_run_at
FROM runs
WHERE agent_id IS NOT NULL
GROUP BY agent_id
ORDER BY max(started_at) DESC, agent_id
