-- DELETE /v1/runs/{run_id}: 404 unless the run is stored.
SELECT count(*) > 0 FROM runs WHERE run_id = $run_id
