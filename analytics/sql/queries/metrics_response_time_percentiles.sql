-- GET /api/v1/metrics/response_time/percentiles: duration percentiles (linear interpolation) of the finished runs;
-- $fractions is the requested percentiles / 100, the answer lists them in the same order.
SELECT
    quantile_cont(duration_ms, $fractions) AS response_times_ms,
    count(*) AS response_count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
  AND status <> 'running' AND duration_ms IS NOT NULL
