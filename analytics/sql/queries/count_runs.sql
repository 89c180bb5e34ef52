-- GET /v1/runs: how many runs match the filters, for `total` and `has_more`.
SELECT count(*)
FROM runs
WHERE ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($status IS NULL OR status = $status)
  AND ($model IS NULL OR model = $model)
  AND ($trace_id IS NULL OR trace_id = $trace_id)
