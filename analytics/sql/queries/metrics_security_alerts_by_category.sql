-- GET /api/v1/metrics/security/alerts/by_category: findings per category, the most frequent first, and the total.
SELECT
    category,
    count(*) AS alert_count,
    sum(count(*)) OVER () AS total_alerts
FROM security_findings
WHERE timestamp >= $start AND timestamp < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
GROUP BY category
ORDER BY alert_count DESC, category
