-- The events of the given runs (the nested `events` of a run, and GET /v1/runs/{run_id}/events), between the
-- bounds run_event_times gives for them.
SELECT run_id, data
FROM events
WHERE run_id IN (SELECT unnest($run_ids))
  AND timestamp BETWEEN $first_at AND $last_at
ORDER BY run_id, sequence_number, timestamp, event_id
