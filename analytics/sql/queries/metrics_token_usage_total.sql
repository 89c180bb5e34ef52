-- GET /api/v1/metrics/token_usage/total: tokens and cost summed over every run in the window.
SELECT
    coalesce(sum(tokens_input), 0) AS total_input_tokens,
    coalesce(sum(tokens_output), 0) AS total_output_tokens,
    coalesce(sum(coalesce(cost_usd, estimated_cost_usd)), 0.0) AS total_cost_usd,
    count(*) AS request_count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
