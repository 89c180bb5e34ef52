-- GET /api/v1/metrics/response_time/trend: average latency of the model responses (each LLM call that reports its
-- duration, see metrics_response_time_average.sql) per UTC minute, hour or day of when the call's event is
-- stamped, only the buckets that have responses, oldest first (the keys sort as the times do). Grouped by the
-- bucket's number since 1970 (UTC minutes, hours and days all start at a multiple) and spelled once per bucket:
-- formatting or bucketing every row's time in a time zone cost 4/5 of the query.
SELECT
    strftime(make_timestamp(number * CASE $interval WHEN 'minute' THEN 60000000 WHEN 'hour' THEN 3600000000
                                                    ELSE 86400000000 END),
             CASE $interval WHEN 'minute' THEN '%Y-%m-%d %H:%M' WHEN 'hour' THEN '%Y-%m-%d %H:00' ELSE '%Y-%m-%d' END)
        AS bucket,
    average_response_time_ms,
    count
FROM (
    SELECT
        epoch_us(timestamp) // CASE $interval WHEN 'minute' THEN 60000000 WHEN 'hour' THEN 3600000000
                                         ELSE 86400000000 END AS number,
        avg(duration_ms) AS average_response_time_ms,
        count(*) AS count
    FROM events
    WHERE timestamp >= $start AND timestamp < $end
      AND type IN ('llm_call', 'model_response') AND duration_ms IS NOT NULL
      AND ($agent_id IS NULL OR agent_id = $agent_id)
      AND ($session_id IS NULL OR session_id = $session_id)
    GROUP BY number
)
ORDER BY number
