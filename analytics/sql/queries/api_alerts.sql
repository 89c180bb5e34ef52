-- GET /api/v1/alerts/: how many security findings match, and one page of them, newest first. An alert is active
-- while it is less than 24 hours old, resolved after.
WITH matching AS (
    SELECT *
    FROM security_findings
    WHERE ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($severity IS NULL OR severity = $severity)
      AND ($start_time IS NULL OR timestamp >= $start_time)
      AND ($end_time IS NULL OR timestamp < $end_time)
      AND ($status IS NULL OR ($status = 'active') = (timestamp > $now - INTERVAL 24 HOUR))
),
page AS (
    SELECT * FROM matching
    ORDER BY timestamp DESC, finding_id
    LIMIT $limit OFFSET $offset
)
SELECT
    (SELECT count(*) FROM matching) AS total,
    (SELECT list({
        'id': finding_id,
        'timestamp': timestamp,
        'agent_id': agent_id,
        'severity': severity,
        'status': CASE WHEN timestamp > $now - INTERVAL 24 HOUR THEN 'active' ELSE 'resolved' END,
        'message': coalesce(description, 'Security alert: ' || category),
        'category': category,
        'rule': rule,
        'excerpt': excerpt,
        'alert_level': alert_level,
        'run_id': run_id,
        'event_id': event_id,
        'session_id': session_id,
        'detector': detector,
        'source': source,
        'data': data
     } ORDER BY timestamp DESC, finding_id)
     FROM page) AS results
