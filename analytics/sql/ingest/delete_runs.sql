-- A deleted run takes its events and findings with it.
DELETE FROM security_findings WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM events WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM runs WHERE run_id IN (SELECT unnest($run_ids));
