-- When the given runs' events lie (event_counts), so that run_events reads only the row groups of that time.
SELECT min(first_at), max(last_at) FROM event_counts WHERE run_id IN (SELECT unnest($run_ids))
