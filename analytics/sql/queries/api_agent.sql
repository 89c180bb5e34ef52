-- GET /api/v1/agents/{agent_id}: one agent's activity span, most frequent provider, event counts by type and by
-- channel (derived from the type), average response time of its model responses (each LLM call that reports its
-- duration, as metrics_response_time_average.sql counts them), and its first and latest events. No row when the
-- agent has no runs.
WITH agent_runs AS (
    SELECT provider, started_at, coalesce(finished_at, started_at) AS active_at
    FROM runs
    WHERE agent_id = $agent_id
),
-- The agent's events are read once, for their type and duration only; the first and latest event are each a top-1
-- by plain columns, which DuckDB answers from the row groups whose times can hold it.
by_type AS (
    SELECT type, count(*) AS events, sum(duration_ms) AS response_ms, count(duration_ms) AS responses
    FROM events
    WHERE agent_id = $agent_id
    GROUP BY type
),
by_channel AS (
    SELECT
        CASE WHEN starts_with(type, 'llm_') THEN 'LLM' WHEN starts_with(type, 'tool_') THEN 'TOOL'
             WHEN type = 'security_alert' THEN 'SECURITY' ELSE 'SYSTEM' END AS channel,
        sum(events)::BIGINT AS events
    FROM by_type
    GROUP BY channel
),
providers AS (SELECT provider, count(*) AS runs FROM agent_runs WHERE provider IS NOT NULL GROUP BY provider)
SELECT
    min(started_at) AS first_seen,
    max(active_at) AS last_seen,
    (SELECT first(provider ORDER BY runs DESC, provider) FROM providers) AS llm_provider,
    CASE WHEN max(active_at) >= $now - INTERVAL 24 HOUR THEN 'active' ELSE 'inactive' END AS status,
    (SELECT map_from_entries(list((type, events) ORDER BY type)) FROM by_type) AS by_type,
    (SELECT map_from_entries(list((channel, events) ORDER BY channel)) FROM by_channel) AS by_channel,
    (SELECT coalesce(sum(events), 0)::BIGINT FROM by_type) AS total,
    (SELECT sum(response_ms) / nullif(sum(responses), 0) FROM by_type WHERE type IN ('llm_call', 'model_response'))
        AS avg_response_time_ms,
    (SELECT {'type': type, 'timestamp': timestamp} FROM events WHERE agent_id = $agent_id
     ORDER BY timestamp DESC, sequence_number DESC, event_id DESC LIMIT 1) AS latest_event,
    (SELECT {'type': type, 'timestamp': timestamp} FROM events WHERE agent_id = $agent_id
     ORDER BY timestamp, sequence_number, event_id LIMIT 1) AS first_event
FROM agent_runs
HAVING count(*) > 0
