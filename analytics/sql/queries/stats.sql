-- GET /v1/stats: totals over the runs of one agent (or all) started at or after `since`.
SELECT
    count(*) AS total_runs,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    avg(duration_ms) AS avg_duration_ms,
    avg(api_duration_ms) AS avg_api_duration_ms,
    avg(first_token_ms) AS avg_first_token_ms,
    avg(num_turns) AS avg_num_turns,
    coalesce(sum(tokens_input), 0) AS total_tokens_input,
    coalesce(sum(tokens_output), 0) AS total_tokens_output,
    coalesce(sum(tokens_cache_read), 0) AS total_cache_read,
    coalesce(sum(tokens_cache_write), 0) AS total_cache_write,
    sum(coalesce(cost_usd, estimated_cost_usd)) AS total_cost_usd,
    sum(sdk_cost_usd) AS total_sdk_cost_usd,
    sum(estimated_cost_usd) AS total_estimated_cost_usd
FROM runs
WHERE ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($since IS NULL OR started_at >= $since)
