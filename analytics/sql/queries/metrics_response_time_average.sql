-- GET /api/v1/metrics/response_time/average: average, fastest and slowest duration of the finished runs in the window.
SELECT
    avg(duration_ms) AS average_response_time_ms,
    min(duration_ms)::DOUBLE AS min_response_time_ms,
    max(duration_ms)::DOUBLE AS max_response_time_ms,
    count(*) AS response_count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
  AND status <> 'running' AND duration_ms IS NOT NULL
