-- GET /v1/runs/{run_id}, /v1/runs and /v1/traces/{trace_id}: the listed runs' findings counted by severity and
-- category, summed per run by the caller (two histogram() aggregates per run took longer than the scan).
SELECT run_id, severity, category, count(*) AS findings
FROM security_findings
WHERE run_id IN (SELECT unnest($run_ids))
GROUP BY ALL
