-- GET /api/v1/agents/: how many agents there are and one page of them. An agent is a distinct agent_id of runs:
-- its first run start, latest activity, most frequent provider and event count; with a time window, only agents
-- with runs started in it, described by those runs and their events. The sort is chosen by value, never by name.
WITH agent_runs AS (
    SELECT run_id, agent_id, provider, started_at, coalesce(finished_at, started_at) AS active_at
    FROM runs
    WHERE agent_id IS NOT NULL
      AND ($start_time IS NULL OR started_at >= $start_time)
      AND ($end_time IS NULL OR started_at < $end_time)
),
-- One pass over the runs: per agent and provider, then per agent below.
by_provider AS (
    SELECT agent_id, provider, count(*) AS runs, min(started_at) AS first_seen, max(active_at) AS last_seen
    FROM agent_runs
    GROUP BY agent_id, provider
),
agent_event_counts AS (
    -- Without a window every event counts, as event_counts has them (schema/004_rollups.sql).
    SELECT agent_id, sum(events)::BIGINT AS event_count
    FROM event_counts
    WHERE agent_id IS NOT NULL
      AND $start_time IS NULL AND $end_time IS NULL
    GROUP BY agent_id
    UNION ALL
    -- Events follow their run's start, so the lower bound lets DuckDB skip the row groups of older events.
    SELECT agent_id, count(*) AS event_count
    FROM events
    WHERE agent_id IS NOT NULL
      AND ($start_time IS NOT NULL OR $end_time IS NOT NULL)
      AND ($start_time IS NULL OR timestamp >= $start_time)
      AND run_id IN (SELECT run_id FROM agent_runs)
    GROUP BY agent_id
),
agents AS (
    SELECT
        agent_id,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen,
        first(provider ORDER BY runs DESC, provider) FILTER (WHERE provider IS NOT NULL) AS llm_provider,
        coalesce(any_value(event_count), 0) AS event_count
    FROM by_provider
    LEFT JOIN agent_event_counts USING (agent_id)
    GROUP BY agent_id
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY
        CASE WHEN $sort_by = 'last_seen' AND $sort_order = 'asc' THEN last_seen END ASC,
        CASE WHEN $sort_by = 'last_seen' AND $sort_order = 'desc' THEN last_seen END DESC,
        CASE WHEN $sort_by = 'first_seen' AND $sort_order = 'asc' THEN first_seen END ASC,
        CASE WHEN $sort_by = 'first_seen' AND $sort_order = 'desc' THEN first_seen END DESC,
        CASE WHEN $sort_by = 'event_count' AND $sort_order = 'asc' THEN event_count END ASC,
        CASE WHEN $sort_by = 'event_count' AND $sort_order = 'desc' THEN event_count END DESC,
        CASE WHEN $sort_by = 'agent_id' AND $sort_order = 'desc' THEN agent_id END DESC,
        agent_id ASC
    ) AS position
    FROM agents
)
SELECT
    (SELECT count(*) FROM agents) AS total,
    (SELECT list({
        'agent_id': agent_id,
        'first_seen': first_seen,
        'last_seen': last_seen,
        'llm_provider': llm_provider,
        'event_count': event_count,
        'status': CASE WHEN last_seen >= $now - INTERVAL 24 HOUR THEN 'active' ELSE 'inactive' END
     } ORDER BY position)
     FROM ranked
     WHERE position > $offset AND position <= $offset + $limit) AS results
