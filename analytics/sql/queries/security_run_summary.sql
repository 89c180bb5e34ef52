-- GET /v1/runs/{run_id}, /v1/runs and /v1/traces/{trace_id}: each listed run's findings, counted in all, by
-- severity and by category.
SELECT run_id, count(*) AS findings, histogram(severity) AS by_severity, histogram(category) AS by_category
FROM security_findings
WHERE run_id IN (SELECT unnest($run_ids))
GROUP BY run_id
