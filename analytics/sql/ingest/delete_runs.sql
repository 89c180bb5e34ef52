-- A deleted run takes its events, findings, tool calls and event counts with it.
DELETE FROM tool_calls WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM event_counts WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM security_findings WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM events WHERE run_id IN (SELECT unnest($run_ids));
DELETE FROM runs WHERE run_id IN (SELECT unnest($run_ids));
