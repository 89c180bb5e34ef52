-- GET /api/v1/metrics/token_usage/by_model: tokens, cost and runs per model (runs without a model left out), the
-- $top_n models with the most tokens first.
SELECT
    model,
    sum(tokens_input) AS input_tokens,
    sum(tokens_output) AS output_tokens,
    coalesce(sum(coalesce(cost_usd, estimated_cost_usd)), 0.0) AS cost_usd,
    count(*) AS request_count
FROM runs
WHERE started_at >= $start AND started_at < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
  AND ($model_name IS NULL OR model = $model_name)
  AND model IS NOT NULL
GROUP BY model
ORDER BY input_tokens + output_tokens DESC, request_count DESC, model
LIMIT $top_n
