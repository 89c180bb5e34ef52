-- GET /api/v1/events/{agent_id}/events: whether the agent is known (has runs), how many of its events match the
-- filters, and one page of them by time (sort_order asc or desc). The channel is derived from the event type.
-- Not materialized: the count reads only the filter columns, the page only its 50 rows' data (half the time).
WITH matching AS NOT MATERIALIZED (
    SELECT *,
        -- The list's key: one ascending key serves both orders.
        CASE WHEN $sort_order = 'asc' THEN 1 ELSE -1 END AS sign
    FROM (
        SELECT
            event_id, timestamp, sequence_number, level, type, session_id, duration_ms, run_id, data,
            CASE WHEN starts_with(type, 'llm_') THEN 'LLM' WHEN starts_with(type, 'tool_') THEN 'TOOL'
                 WHEN type = 'security_alert' THEN 'SECURITY' ELSE 'SYSTEM' END AS channel
        FROM events
        WHERE agent_id = $agent_id
          AND ($event_type IS NULL OR type = $event_type)
          AND ($level IS NULL OR level = $level)
          AND ($session_id IS NULL OR session_id = $session_id)
          AND ($start_time IS NULL OR timestamp >= $start_time)
          AND ($end_time IS NULL OR timestamp < $end_time)
    )
    WHERE $channel IS NULL OR channel = $channel
),
-- One branch per order, the other dropped by its constant condition: ordered by plain columns, DuckDB reads only
-- the row groups whose times can hold the page.
page AS (
    (SELECT * FROM matching WHERE $sort_order = 'asc'
     ORDER BY timestamp, sequence_number, event_id LIMIT $limit OFFSET $offset)
    UNION ALL
    (SELECT * FROM matching WHERE $sort_order IS DISTINCT FROM 'asc'
     ORDER BY timestamp DESC, sequence_number DESC, event_id LIMIT $limit OFFSET $offset)
)
SELECT
    EXISTS (SELECT 1 FROM runs WHERE agent_id = $agent_id) AS known,
    (SELECT count(*) FROM matching) AS total,
    (SELECT list({
        'id': event_id,
        'timestamp': timestamp,
        'level': level,
        'event_type': type,
        'channel': channel,
        'direction': NULL,
        'session_id': session_id,
        'duration_ms': duration_ms,
        'relationship_id': run_id,
        'data': data
     } ORDER BY sign * epoch_us(timestamp), sign * sequence_number, event_id)
     FROM page) AS results
