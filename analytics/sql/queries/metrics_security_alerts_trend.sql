-- GET /api/v1/metrics/security/alerts/trend: findings per UTC minute, hour or day by severity band (high = critical
-- or high), only the buckets that have findings, oldest first.
SELECT
    strftime(timezone('UTC', timestamp),
             CASE $interval WHEN 'minute' THEN '%Y-%m-%d %H:%M' WHEN 'hour' THEN '%Y-%m-%d %H:00' ELSE '%Y-%m-%d' END)
        AS bucket,
    count(*) AS alert_count,
    count(*) FILTER (WHERE severity IN ('critical', 'high')) AS high_severity,
    count(*) FILTER (WHERE severity = 'medium') AS medium_severity,
    count(*) FILTER (WHERE severity = 'low') AS low_severity
FROM security_findings
WHERE timestamp >= $start AND timestamp < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
GROUP BY bucket
ORDER BY bucket
