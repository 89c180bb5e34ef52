-- GET /api/v1/metrics/token_usage/average: tokens and cost per run over every run in the window; a run without any
-- cost counts as 0, so the average cost is the total cost divided by the run count.
SELECT
    avg(tokens_input) AS average_input_tokens,
    avg(tokens_output) AS average_output_tokens,
    avg(coalesce(cost_usd, estimated_cost_usd, 0.0)) AS average_cost_usd,
    count(*) AS request_count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
