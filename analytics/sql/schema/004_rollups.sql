-- Rollups the writer keeps after every commit (analytics/sql/ingest/rollups.sql), filled here from the rows already
-- stored, in time order, so a time bound reads only the row groups it overlaps.
--
-- tool_calls: one row per tool call, so that /v1/tools counts calls without pairing every tool_call event with its
-- tool_result at query time (580 ms at 10 M events). A call is the tool_call and tool_result events of one run with
-- one tool_id (an event without a tool_id is a call of its own).
--
-- event_counts: each run's events per hour and agent, how many and from when to when, so that /api/v1/agents/
-- counts an agent's events without grouping every event (45 ms at 10 M events), and reading a page of runs' events
-- skips the row groups of other times instead of scanning every event's run_id (50 ms).

CREATE TABLE tool_calls (
    run_id       VARCHAR NOT NULL,
    call_key     VARCHAR NOT NULL,     -- the events' tool_id, else the event_id of a call without one
    source       VARCHAR NOT NULL,     -- its latest event's
    agent_id     VARCHAR,              -- its latest event's that names one
    tool_name    VARCHAR NOT NULL,     -- its latest event's
    success      BOOLEAN,              -- every event's tool_success; NULL while no result has arrived
    duration_ms  BIGINT,               -- the longest tool_duration_ms of its events (the result's)
    last_at      TIMESTAMPTZ NOT NULL  -- its latest event: a call counts from then on
);

CREATE TABLE event_counts (
    run_id    VARCHAR NOT NULL,
    hour      TIMESTAMPTZ NOT NULL,  -- the start of the hour (UTC) its events are in
    source    VARCHAR NOT NULL,      -- its latest event's
    agent_id  VARCHAR,
    events    BIGINT NOT NULL,
    first_at  TIMESTAMPTZ NOT NULL,
    last_at   TIMESTAMPTZ NOT NULL
);

INSERT INTO tool_calls BY NAME
SELECT
    run_id,
    coalesce(tool_id, event_id) AS call_key,
    arg_max(source, timestamp) AS source,
    arg_max(agent_id, timestamp) AS agent_id,
    arg_max(tool_name, timestamp) AS tool_name,
    bool_and(tool_success) AS success,
    max(tool_duration_ms) AS duration_ms,
    max(timestamp) AS last_at
FROM events
WHERE tool_name IS NOT NULL AND type IN ('tool_call', 'tool_result')
GROUP BY run_id, call_key
ORDER BY last_at;

INSERT INTO event_counts BY NAME
SELECT
    run_id,
    date_trunc('hour', timestamp) AS hour,
    arg_max(source, timestamp) AS source,
    agent_id,
    count(*) AS events,
    min(timestamp) AS first_at,
    max(timestamp) AS last_at
FROM events
GROUP BY run_id, hour, agent_id
ORDER BY hour, first_at;

