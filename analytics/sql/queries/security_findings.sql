-- GET /v1/security/findings: how many findings match the filters, and one page of them, newest first. The time
-- window is half-open, [start_time, end_time).
WITH matching AS (
    SELECT *
    FROM security_findings
    WHERE ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($session_id IS NULL OR session_id = $session_id)
      AND ($run_id IS NULL OR run_id = $run_id)
      AND ($category IS NULL OR category = $category)
      AND ($severity IS NULL OR severity = $severity)
      AND ($detector IS NULL OR detector = $detector)
      AND ($start_time IS NULL OR timestamp >= $start_time)
      AND ($end_time IS NULL OR timestamp < $end_time)
),
page AS (
    SELECT * FROM matching
    ORDER BY timestamp DESC, finding_id
    LIMIT $limit OFFSET $offset
)
SELECT
    (SELECT count(*) FROM matching) AS total,
    (SELECT list({
        'finding_id': finding_id,
        'timestamp': timestamp,
        'category': category,
        'severity': severity,
        'rule': rule,
        'detector': detector,
        'source': source,
        'run_id': run_id,
        'event_id': event_id,
        'agent_id': agent_id,
        'session_id': session_id,
        'excerpt': excerpt,
        'description': description,
        'data': data
     } ORDER BY timestamp DESC, finding_id)
     FROM page) AS results
