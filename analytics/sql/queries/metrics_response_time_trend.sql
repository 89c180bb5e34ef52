-- GET /api/v1/metrics/response_time/trend: average duration of the finished runs per UTC minute, hour or day,
-- only the buckets that have runs, oldest first (the keys sort as the times do).
SELECT
    strftime(timezone('UTC', started_at),
             CASE $interval WHEN 'minute' THEN '%Y-%m-%d %H:%M' WHEN 'hour' THEN '%Y-%m-%d %H:00' ELSE '%Y-%m-%d' END)
        AS bucket,
    avg(duration_ms) AS average_response_time_ms,
    count(*) AS count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
  AND status <> 'running' AND duration_ms IS NOT NULL
GROUP BY bucket
ORDER BY bucket
