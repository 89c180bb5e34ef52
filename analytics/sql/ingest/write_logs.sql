-- Log records have no identity of their own: every export appends.
INSERT INTO logs BY NAME SELECT * FROM staged_logs;

-- GenAI event records carry an LLM call's messages apart from its span, in another export that may come after the
-- span's: an llm_call event derived already takes the messages of all its span's records so far, unless the span
-- carries its own (which write_spans.sql prefers too). Only the records' time range, within a day, is read.
SET VARIABLE messages_from = (SELECT min(observed_time) FROM staged_logs WHERE messages IS NOT NULL);
SET VARIABLE messages_to = (SELECT max(observed_time) FROM staged_logs WHERE messages IS NOT NULL);

UPDATE events SET data = json_merge_patch(events.data, json_object('content', joined.messages))
FROM (
    SELECT s.trace_id || '-' || s.span_id AS event_id,
           log_messages(s.trace_id, s.span_id, getvariable('messages_from') - INTERVAL 1 DAY,
                        getvariable('messages_to') + INTERVAL 1 DAY) AS messages
    FROM spans s
    JOIN (SELECT DISTINCT trace_id, span_id FROM staged_logs WHERE messages IS NOT NULL) named
        USING (trace_id, span_id)
    WHERE s.start_time BETWEEN getvariable('messages_from') - INTERVAL 1 DAY
                           AND getvariable('messages_to') + INTERVAL 1 MINUTE
      AND s.role = 'llm' AND s.messages IS NULL
) AS joined
WHERE events.event_id = joined.event_id AND events.source = 'otlp' AND events.type = 'llm_call'
  AND events.timestamp BETWEEN getvariable('messages_from') - INTERVAL 1 DAY
                           AND getvariable('messages_to') + INTERVAL 1 MINUTE
  AND joined.messages IS NOT NULL;
