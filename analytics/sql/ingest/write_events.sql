-- event_id is global: re-posting an event under another run moves it there.
DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged_events);
INSERT INTO events BY NAME
SELECT * FROM staged_events;
