-- GET /api/v1/metrics/security/alerts/count: findings in the window, and how many are high (critical or high),
-- medium and low severity.
SELECT
    count(*) AS alert_count,
    count(*) FILTER (WHERE severity IN ('critical', 'high')) AS high_severity_count,
    count(*) FILTER (WHERE severity = 'medium') AS medium_severity_count,
    count(*) FILTER (WHERE severity = 'low') AS low_severity_count
FROM security_findings
WHERE timestamp >= $start AND timestamp < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
