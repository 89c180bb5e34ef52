-- event_id is global: re-posting an event under another run moves it there.
DELETE FROM events WHERE event_id IN (SELECT event_id FROM staged_events);
INSERT INTO events BY NAME
SELECT * EXCLUDE (_ord) FROM staged_events
QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _ord DESC) = 1;
