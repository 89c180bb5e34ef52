-- GET /api/v1/metrics/usage/requests/by_agent: runs per agent ("unknown" without one), the $top_n busiest, and the
-- number of all runs in the window.
SELECT
    coalesce(agent_id, 'unknown') AS agent,
    count(*) AS request_count,
    sum(count(*)) OVER () AS total_requests
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
GROUP BY agent
ORDER BY request_count DESC, agent
LIMIT $top_n
