-- The prompt and completion of an LLM call, normalized at ingest (collector/messages.py): a span's own, and each GenAI
-- event log record's share. Logs and spans come in separate exports, in either order, so the llm_call event takes the
-- span's messages, else those of the log records naming the span (log_messages), both when the span is derived
-- (write_spans.sql) and when the records arrive after it (write_logs.sql).

ALTER TABLE spans ADD COLUMN messages JSON;  -- {"input": [...], "output": [...], "truncated"} of an LLM span
ALTER TABLE logs ADD COLUMN messages JSON;   -- the same, for the messages one GenAI event record carries

-- The messages of the log records of one span whose time (or observed time, which the SDK always sets) lies from
-- `since` to `until`: every record's inputs, then outputs, in the order they were emitted, within the bounds
-- collector/messages.py sets for one record: the newest 32 inputs and first 32 outputs, at most 65,536 characters of
-- messages, outputs first. NULL when no record carries any. The bounds on (time, observed_time) let DuckDB skip the
-- row groups of other times.
CREATE MACRO log_messages(of_trace, of_span, since, until) AS (
    WITH fragments AS (
        SELECT coalesce(l.time, l.observed_time) AS emitted, l.rowid AS seq, l.messages
        FROM logs l
        WHERE l.trace_id = of_trace AND l.span_id = of_span AND l.messages IS NOT NULL
          AND l.observed_time BETWEEN since AND until
    ),
    sides AS (
        SELECT flatten(list(json_extract(messages, '$.input[*]') ORDER BY emitted, seq)) AS all_inputs,
               flatten(list(json_extract(messages, '$.output[*]') ORDER BY emitted, seq)) AS all_outputs,
               bool_or((messages->>'truncated')::BOOLEAN) AS truncated
        FROM fragments
        HAVING count(*) > 0
    ),
    outputs AS (
        SELECT *, list_filter(all_outputs[:32], lambda m, i: list_sum(list_transform(
                      all_outputs[:i], lambda x: length(x::VARCHAR))) <= 65536) AS kept_outputs
        FROM sides
    ),
    inputs AS (
        SELECT *, list_filter(all_inputs[-32:], lambda m, i: list_sum(list_transform(
                      all_inputs[-32:][i:], lambda x: length(x::VARCHAR)))
                      <= 65536 - coalesce(list_sum(list_transform(kept_outputs, lambda x: length(x::VARCHAR))), 0))
                  AS kept_inputs
        FROM outputs
    )
    SELECT json_object('input', to_json(kept_inputs), 'output', to_json(kept_outputs), 'truncated',
                       truncated OR len(kept_inputs) < len(all_inputs) OR len(kept_outputs) < len(all_outputs))
    FROM inputs
);
