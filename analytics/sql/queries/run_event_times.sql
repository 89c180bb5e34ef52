-- When the given runs' events lie (event_counts, found by run_key: schema/006_event_counts_run_key.sql), so that
-- run_events reads only the row groups of that time.
SELECT min(first_at), max(last_at) FROM event_counts WHERE run_key IN (SELECT run_key(unnest($run_ids)))
