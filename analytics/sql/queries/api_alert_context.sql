-- GET /api/v1/alerts/{alert_id}: the alert's context, the (up to) 10 events of its run nearest to it in time, in
-- time order. Bounded to a day either side so DuckDB can skip the row groups of other days.
SELECT event_id AS id, timestamp, type AS event_type, level
FROM (
    SELECT *
    FROM events
    WHERE run_id = $run_id
      AND timestamp BETWEEN $at - INTERVAL 1 DAY AND $at + INTERVAL 1 DAY
    ORDER BY abs(epoch_us(timestamp) - epoch_us($at)), sequence_number, event_id
    LIMIT 10
)
ORDER BY timestamp, sequence_number, event_id
