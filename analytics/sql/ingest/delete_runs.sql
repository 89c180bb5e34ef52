-- A deleted run takes its events with it.
DELETE FROM events WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM runs WHERE run_id IN (SELECT unnest($run_ids));
