-- GET /api/v1/metrics/security/risk_level: findings per severity and the Cylestio risk score, 100 x the average
-- severity weight (critical 1.0, high 0.7, medium 0.4, low 0.1, info 0), to 2 decimals, 0 without findings.
WITH counts AS (
    SELECT
        count(*) FILTER (WHERE severity = 'critical') AS critical,
        count(*) FILTER (WHERE severity = 'high') AS high,
        count(*) FILTER (WHERE severity = 'medium') AS medium,
        count(*) FILTER (WHERE severity = 'low') AS low,
        count(*) FILTER (WHERE severity = 'info') AS info,
        count(*) AS total_alerts
    FROM security_findings
    WHERE timestamp >= $start AND timestamp < $end
      AND ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($session_id IS NULL OR session_id = $session_id)
), scored AS (
    SELECT *,
        CASE WHEN total_alerts = 0 THEN 0.0
             ELSE round(100 * (critical * 1.0 + high * 0.7 + medium * 0.4 + low * 0.1) / total_alerts, 2)::DOUBLE
        END AS risk_score
    FROM counts
)
SELECT *,
    CASE WHEN risk_score >= 70 THEN 'Critical'
         WHEN risk_score >= 50 THEN 'High'
         WHEN risk_score >= 30 THEN 'Medium'
         WHEN risk_score > 0 THEN 'Low'
    END AS risk_level
FROM scored
