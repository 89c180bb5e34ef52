-- GET /api/v1/metrics/usage/frameworks/distribution: runs per framework ("unknown" without one), the $top_n most
-- used, and the number of all runs in the window.
SELECT
    coalesce(framework, 'unknown') AS framework_name,
    count(*) AS request_count,
    sum(count(*)) OVER () AS total_requests
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
GROUP BY framework_name
ORDER BY request_count DESC, framework_name
LIMIT $top_n
