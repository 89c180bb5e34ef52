-- Bounded to a day before the staged events' earliest timestamp, for the reason write_runs.sql gives. The cost: an
-- event re-posted with a timestamp moved more than a day earlier is stored twice, and an event more than a day
-- after its run's start does not take the run's agent and session from it.

-- event_id is global: re-posting an event under another run moves it there.
DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged_events)
  AND timestamp >= (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_events);
-- An event streamed without its agent or session takes them from its run, when the run has arrived.
INSERT INTO events BY NAME
SELECT e.* REPLACE (coalesce(e.agent_id, r.agent_id) AS agent_id, coalesce(e.session_id, r.session_id) AS session_id)
FROM staged_events e
LEFT JOIN runs r ON r.run_id = e.run_id AND (e.agent_id IS NULL OR e.session_id IS NULL)
  AND r.started_at >= (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_events);
