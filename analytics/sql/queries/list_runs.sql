-- GET /v1/runs: one page of runs, newest first.
SELECT run_id, data
FROM runs
WHERE ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($status IS NULL OR status = $status)
  AND ($model IS NULL OR model = $model)
  AND ($trace_id IS NULL OR trace_id = $trace_id)
ORDER BY started_at DESC, run_id
LIMIT $limit OFFSET $offset
