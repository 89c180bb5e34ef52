-- GET /v1/runs/{run_id}. Ordered by start and limited to one, DuckDB reads the row groups newest first and stops at
-- those that start before the run found: a recent run is found without reading every run id. A run re-posted with
-- its start moved outside the span of the runs committed with it is stored twice (write_runs.sql); the later start
-- is answered.
SELECT run_id, data FROM runs WHERE run_id = $run_id ORDER BY started_at DESC LIMIT 1
