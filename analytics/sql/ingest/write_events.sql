-- event_id is global: re-posting an event under another run moves it there.
DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged_events);
-- An event streamed without its agent or session takes them from its run, when the run has arrived.
INSERT INTO events BY NAME
SELECT e.* REPLACE (coalesce(e.agent_id, r.agent_id) AS agent_id, coalesce(e.session_id, r.session_id) AS session_id)
FROM staged_events e
LEFT JOIN runs r ON r.run_id = e.run_id AND (e.agent_id IS NULL OR e.session_id IS NULL);
