-- GET /api/v1/metrics/response_time/percentiles: latency percentiles (linear interpolation) of the model responses
-- in the window, each LLM call that reports its duration (see metrics_response_time_average.sql); $fractions is
-- the requested percentiles / 100, the answer lists them in the same order.
SELECT
    quantile_cont(duration_ms, $fractions) AS response_times_ms,
    count(*) AS response_count
FROM events
WHERE timestamp >= $start AND timestamp < $end
  AND type IN ('llm_call', 'model_response') AND duration_ms IS NOT NULL
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
