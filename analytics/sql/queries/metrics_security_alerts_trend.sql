-- GET /api/v1/metrics/security/alerts/trend: findings per UTC minute, hour or day by severity band (high = critical
-- or high), only the buckets that have findings, oldest first, bucketed as metrics_response_time_trend.sql says.
SELECT
    strftime(make_timestamp(number * CASE $interval WHEN 'minute' THEN 60000000 WHEN 'hour' THEN 3600000000
                                                    ELSE 86400000000 END),
             CASE $interval WHEN 'minute' THEN '%Y-%m-%d %H:%M' WHEN 'hour' THEN '%Y-%m-%d %H:00' ELSE '%Y-%m-%d' END)
        AS bucket,
    alert_count,
    high_severity,
    medium_severity,
    low_severity
FROM (
    SELECT
        epoch_us(timestamp) // CASE $interval WHEN 'minute' THEN 60000000 WHEN 'hour' THEN 3600000000
                                          ELSE 86400000000 END AS number,
        count(*) AS alert_count,
        count(*) FILTER (WHERE severity IN ('critical', 'high')) AS high_severity,
        count(*) FILTER (WHERE severity = 'medium') AS medium_severity,
        count(*) FILTER (WHERE severity = 'low') AS low_severity
    FROM security_findings
    WHERE timestamp >= $start AND timestamp < $end
      AND ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($session_id IS NULL OR session_id = $session_id)
    GROUP BY number
)
ORDER BY number
