-- GET /v1/traces/{trace_id}: every run of one trace, oldest first.
SELECT run_id, data FROM runs WHERE trace_id = $trace_id ORDER BY started_at, run_id
