-- GET /api/v1/alerts/{alert_id}: one security finding; active while it is less than 24 hours old.
SELECT
    finding_id AS id,
    timestamp,
    agent_id,
    severity,
    CASE WHEN timestamp > $now - INTERVAL 24 HOUR THEN 'active' ELSE 'resolved' END AS status,
    coalesce(description, 'Security alert: ' || category) AS message,
    category,
    rule,
    excerpt,
    alert_level,
    run_id,
    event_id,
    session_id,
    detector,
    source,
    data
FROM security_findings
WHERE finding_id = $alert_id
