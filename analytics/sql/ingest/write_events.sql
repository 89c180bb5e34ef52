-- Bounded to the staged events' own time span, for the reason write_runs.sql gives. The cost: an event re-posted
-- with a timestamp outside the span of the events committed with it is stored twice.

-- event_id is global: re-posting an event under another run moves it there.
DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged_events)
  AND timestamp BETWEEN (SELECT min(timestamp) FROM staged_events) AND (SELECT max(timestamp) FROM staged_events);
-- An event streamed on its own (without agent and session) takes them from its run, when the run has arrived,
-- started up to a day before the event. Only such events' runs are looked up, so a commit without them reads no run.
INSERT INTO events BY NAME
SELECT e.* REPLACE (coalesce(e.agent_id, r.agent_id) AS agent_id, coalesce(e.session_id, r.session_id) AS session_id)
FROM staged_events e
LEFT JOIN (
    SELECT run_id, agent_id, session_id
    FROM runs
    WHERE run_id IN (SELECT run_id FROM staged_events WHERE agent_id IS NULL)
      AND started_at >= (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_events)
) r ON r.run_id = e.run_id AND e.agent_id IS NULL;
