-- GET /v1/runs/{run_id}
SELECT run_id, data FROM runs WHERE run_id = $run_id
