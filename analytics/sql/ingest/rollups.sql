-- The rollups (schema/004_rollups.sql) of what this commit wrote, from the tables as the commit leaves them, after
-- every table is written (analytics/ingest.py), so every path that writes events is covered and arrival order does
-- not matter. What the commit wrote: every run it wrote, or wrote an event of (the rows it inserted carry the
-- transaction's start in received_at). Events are read back only as far as the rows they replace need
-- (rollups_from below): a commit of new runs reads its own time span of events, not the hour's. Older rows keep what
-- they had, but for a call that began earlier, which is recomputed from its events since then. A deleted run's rows
-- go with it (delete_runs.sql). The temp tables stay until the next commit replaces them: dropping them costs time.
-- Each statement costs ~1 ms whatever the data, so there are as few as the rules need.

-- The transaction's start is a constant to the planner, so these scans skip every row group written before it.
CREATE OR REPLACE TEMP TABLE rollups_written AS
SELECT run_id, source, agent_id, timestamp AS moment FROM events WHERE received_at = get_current_timestamp()
UNION ALL
SELECT run_id, source, agent_id, started_at FROM runs WHERE received_at = get_current_timestamp();

-- The events recomputed are read from the earliest written, or from the first event of an hour whose count of a run
-- written is replaced; for a commit of Cylestio events, from the start of the hour, since its legacy events move
-- between the agent's runs.
SET VARIABLE rollups_from = (
    SELECT CASE WHEN bool_or(source = 'cylestio') THEN date_trunc('hour', min(moment))
                ELSE least(min(moment), (
                    SELECT min(first_at) FROM event_counts
                    WHERE hour >= (SELECT date_trunc('hour', min(moment)) FROM rollups_written)
                      AND run_id IN (SELECT run_id FROM rollups_written))) END
    FROM rollups_written);

-- The events recomputed: those of the runs written; for an agent whose Cylestio runs were derived again, those of
-- all its Cylestio runs.
CREATE OR REPLACE TEMP TABLE rollups_events AS
SELECT run_id, event_id, source, agent_id, type, timestamp, tool_name, tool_id, tool_success, tool_duration_ms
FROM events
WHERE timestamp >= getvariable('rollups_from')
  AND (run_id IN (SELECT run_id FROM rollups_written)
       OR (source = 'cylestio' AND agent_id IN (SELECT agent_id FROM rollups_written WHERE source = 'cylestio')));

-- The calls replaced: those of the events above, and those of the runs whose event_counts rows are (below). A call
-- is replaced whole, though it began before the events read (up to a day). One whose tool_call is among them began
-- there, so older calls are read only when a call's events here lack it (a result streamed on its own).
DELETE FROM tool_calls
WHERE last_at >= (
        SELECT getvariable('rollups_from') - CASE WHEN EXISTS (
            SELECT 1 FROM rollups_events
            WHERE tool_name IS NOT NULL AND type IN ('tool_call', 'tool_result')
            GROUP BY run_id, coalesce(tool_id, event_id)
            HAVING NOT bool_or(type = 'tool_call')) THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END)
  AND ((run_id, call_key) IN (SELECT run_id, coalesce(tool_id, event_id) FROM rollups_events)
       OR last_at >= getvariable('rollups_from')
          AND (run_id IN (SELECT run_id FROM rollups_written)
               OR (source = 'otlp' AND split_part(run_id, '-', 1) IN (
                       SELECT split_part(run_id, '-', 1) FROM rollups_written WHERE source = 'otlp'))
               OR (source = 'cylestio'
                   AND agent_id IN (SELECT agent_id FROM rollups_written WHERE source = 'cylestio'))));

-- The event_counts rows replaced: those of the runs written, and of every run of a trace whose runs were derived
-- from spans again, since a span arriving late can replace a trace's runs (an OTLP run id is its trace id, '-', its
-- span id), so a run left without events loses its rows; for an agent whose Cylestio runs were derived again, those
-- of all its Cylestio runs.
DELETE FROM event_counts
WHERE hour >= date_trunc('hour', getvariable('rollups_from'))
  AND (run_id IN (SELECT run_id FROM rollups_written)
       OR (source = 'otlp' AND split_part(run_id, '-', 1) IN (
               SELECT split_part(run_id, '-', 1) FROM rollups_written WHERE source = 'otlp'))
       OR (source = 'cylestio' AND agent_id IN (SELECT agent_id FROM rollups_written WHERE source = 'cylestio')));

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
FROM rollups_events
WHERE tool_name IS NOT NULL AND type IN ('tool_call', 'tool_result')
GROUP BY run_id, call_key;

INSERT INTO event_counts BY NAME
SELECT
    run_id,
    run_key(run_id) AS run_key,
    date_trunc('hour', timestamp) AS hour,
    arg_max(source, timestamp) AS source,
    agent_id,
    count(*) AS events,
    min(timestamp) AS first_at,
    max(timestamp) AS last_at
FROM rollups_events
GROUP BY run_id, hour, agent_id;
