-- GET /api/v1/metrics/usage/events/distribution: events per type, the $top_n most frequent, and the number of all
-- events in the window.
SELECT
    type,
    count(*) AS event_count,
    sum(count(*)) OVER () AS total_events
FROM events
WHERE timestamp >= $start AND timestamp < $end
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
GROUP BY type
ORDER BY event_count DESC, type
LIMIT $top_n
