-- Cylestio runs are derived from their events, never sent: each commit recomputes every Cylestio run its events
-- touched from all of that run's stored events, so the result does not depend on arrival order. As for spans,
-- every statement is bounded to a day around the staged events' timestamps, which DuckDB's per-block min/max
-- statistics can skip on; a run whose events lie more than a day apart is derived from those within a day.
-- The bounds are variables, constants to the planner, so it pushes them into the scans. The writer runs this file
-- only for commits that hold Cylestio events (analytics/ingest.py).
SET VARIABLE cylestio_from = (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_events WHERE source = 'cylestio');
SET VARIABLE cylestio_to = (SELECT max(timestamp) + INTERVAL 1 DAY FROM staged_events WHERE source = 'cylestio');
SET VARIABLE cylestio_legacy_from = (
    SELECT min(timestamp) FROM staged_events WHERE source = 'cylestio' AND data->>'format' = 'legacy');

-- Which run a legacy (cylestio-monitor 0.1.4) event without a session belongs to, for the agents of this batch.
-- Its agent's run that is open at that moment (started at or before it, not stopped before it), else one starting
-- within a minute after it (the framework patches are logged just before monitor_init), else the agent's last run
-- before it, else the agent's run of that UTC day. A run here is the events that name one session; it starts at
-- the first of them and stops at its run_end. New session events can only move events from a minute before them
-- on, so only those are reassigned. The event's own session is in its data (the data says what the event said).
CREATE OR REPLACE TEMP TABLE cylestio_moves AS
WITH
legacy AS (
    SELECT event_id, run_id, agent_id, session_id, type, timestamp, data->>'session_id' IS NULL AS floating
    FROM events
    WHERE source = 'cylestio'
      AND timestamp BETWEEN getvariable('cylestio_legacy_from') - INTERVAL 1 DAY AND getvariable('cylestio_to')
      AND agent_id IN (SELECT agent_id FROM staged_events WHERE source = 'cylestio' AND data->>'format' = 'legacy')
      AND data->>'format' = 'legacy'
),
sessions AS (
    SELECT agent_id, run_id, any_value(session_id) AS session_id, min(timestamp) AS started_at,
           max(timestamp) FILTER (WHERE type = 'run_end') AS stopped_at
    FROM legacy WHERE NOT floating
    GROUP BY agent_id, run_id
),
floating AS (
    SELECT event_id, run_id, agent_id, timestamp FROM legacy
    WHERE floating AND timestamp >= getvariable('cylestio_legacy_from') - INTERVAL 1 MINUTE
),
resolved AS (
    SELECT
        f.event_id, f.run_id AS old_run_id, f.timestamp,
        CASE WHEN before.stopped_at IS NULL OR before.stopped_at >= f.timestamp THEN before.run_id END AS open_run,
        CASE WHEN after.started_at <= f.timestamp + INTERVAL 1 MINUTE THEN after.run_id END AS next_run,
        before.run_id AS last_run,
        f.agent_id || ':' || strftime(f.timestamp, '%Y-%m-%d') AS day_run
    FROM floating f
    ASOF LEFT JOIN sessions before ON f.agent_id = before.agent_id AND f.timestamp >= before.started_at
    ASOF LEFT JOIN sessions after ON f.agent_id = after.agent_id AND f.timestamp < after.started_at
)
SELECT r.event_id, r.old_run_id, r.timestamp, coalesce(open_run, next_run, last_run, day_run) AS run_id,
       s.session_id
FROM resolved r
LEFT JOIN sessions s ON s.run_id = coalesce(open_run, next_run, last_run)
WHERE coalesce(open_run, next_run, last_run, day_run) IS DISTINCT FROM old_run_id;

UPDATE events SET run_id = m.run_id, session_id = m.session_id
FROM cylestio_moves m
WHERE events.event_id = m.event_id
  AND events.timestamp BETWEEN getvariable('cylestio_legacy_from') - INTERVAL 1 MINUTE AND getvariable('cylestio_to');
-- A finding is in its event's run (findings staged in this batch take it in write_findings.sql).
UPDATE security_findings SET run_id = m.run_id, session_id = m.session_id
FROM cylestio_moves m
WHERE security_findings.event_id = m.event_id
  AND security_findings.timestamp BETWEEN getvariable('cylestio_legacy_from') - INTERVAL 1 MINUTE
                             AND getvariable('cylestio_to');

CREATE OR REPLACE TEMP TABLE cylestio_touched AS
SELECT run_id FROM staged_events WHERE source = 'cylestio'
UNION SELECT old_run_id FROM cylestio_moves
UNION SELECT run_id FROM cylestio_moves;

-- A legacy tool call has no call id: a run's k-th start of a tool pairs with its k-th end (calls of one tool rarely
-- overlap within one run), so /v1/tools counts each call once. The same holds for 0.1.12 events without a span.
UPDATE events SET tool_id = paired.tool_id
FROM (
    SELECT event_id,
           run_id || '#' || tool_name || '#'
               || row_number() OVER (PARTITION BY run_id, tool_name, type ORDER BY timestamp, event_id) AS tool_id
    FROM events
    WHERE source = 'cylestio'
      AND timestamp BETWEEN getvariable('cylestio_from') AND getvariable('cylestio_to')
      AND run_id IN (SELECT run_id FROM cylestio_touched)
      AND type IN ('tool_call', 'tool_result') AND tool_name IS NOT NULL
      AND (tool_id IS NULL OR starts_with(tool_id, run_id || '#'))
) paired
WHERE events.event_id = paired.event_id
  AND events.timestamp BETWEEN getvariable('cylestio_from') AND getvariable('cylestio_to')
  AND events.tool_id IS DISTINCT FROM paired.tool_id;

DELETE FROM runs
WHERE source = 'cylestio' AND run_id IN (SELECT run_id FROM cylestio_touched)
  AND getvariable('cylestio_to') IS NOT NULL;

-- A run starts with its first event and finishes with its stop event (monitoring.stop, monitor_finish); until
-- then it is 'running'. It is 'failed' as soon as one of its events reports a failure: level ERROR (or CRITICAL,
-- FATAL), an error event (llm.call.error, LLM_call_error, ...) or a blocked LLM or tool call (the client raised
-- instead of calling); else 'completed' once stopped. Tokens and cost are summed over its LLM calls; the model
-- and provider are its first LLM call's; the framework is the first one the monitor patched, else the provider.
INSERT INTO runs BY NAME
WITH
members AS (
    SELECT
        event_id, run_id, type, timestamp, agent_id, session_id, tool_name, tool_id, tool_duration_ms, tool_success,
        tokens_input, tokens_output, tokens_cache_read, tokens_cache_write, model, cost_usd,
        level IN ('ERROR', 'CRITICAL', 'FATAL') OR type IN ('error', 'llm_blocked', 'tool_blocked') AS failing,
        error_type, error_message,
        -- Few events say these, so only theirs are read from the JSON.
        CASE WHEN type IN ('llm_call', 'llm_request') THEN data->>'provider' END AS provider,
        CASE WHEN type = 'framework_patch' THEN data->>'framework' END AS framework
    FROM events
    WHERE source = 'cylestio'
      AND timestamp BETWEEN getvariable('cylestio_from') AND getvariable('cylestio_to')
      AND run_id IN (SELECT run_id FROM cylestio_touched)
),
calls AS (
    SELECT run_id, any_value(tool_name) AS tool_name, bool_and(tool_success) AS success,
           max(tool_duration_ms) AS duration_ms
    FROM members
    WHERE type IN ('tool_call', 'tool_result') AND tool_name IS NOT NULL
    GROUP BY run_id, coalesce(tool_id, event_id)
),
tools AS (
    SELECT run_id,
           to_json(list(json_object('tool', tool_name, 'count', calls, 'total_duration_ms', total_duration_ms,
                                    'success_count', successes, 'failure_count', failures)
                        ORDER BY tool_name)) AS tool_calls
    FROM (SELECT run_id, tool_name, count(*) AS calls, coalesce(sum(duration_ms), 0)::BIGINT AS total_duration_ms,
                 count(*) FILTER (WHERE success) AS successes, count(*) FILTER (WHERE NOT success) AS failures
          FROM calls GROUP BY run_id, tool_name)
    GROUP BY run_id
),
summary AS (
    SELECT
        run_id,
        arg_min(event_id, (timestamp, event_id)) AS first_event_id,
        arg_min(agent_id, timestamp) FILTER (WHERE agent_id IS NOT NULL) AS agent_id,
        arg_min(session_id, timestamp) FILTER (WHERE session_id IS NOT NULL) AS session_id,
        min(timestamp) AS started_at,
        max(timestamp) FILTER (WHERE type = 'run_end') AS finished_at,
        bool_or(failing) AS failed,
        arg_min({'type': coalesce(error_type, type), 'message': error_message}, timestamp) FILTER (WHERE failing)
            AS error,
        coalesce(sum(tokens_input) FILTER (WHERE type = 'llm_call'), 0) AS tokens_input,
        coalesce(sum(tokens_output) FILTER (WHERE type = 'llm_call'), 0) AS tokens_output,
        coalesce(sum(tokens_cache_read) FILTER (WHERE type = 'llm_call'), 0) AS tokens_cache_read,
        coalesce(sum(tokens_cache_write) FILTER (WHERE type = 'llm_call'), 0) AS tokens_cache_write,
        sum(cost_usd) FILTER (WHERE type = 'llm_call') AS cost_usd,
        coalesce(arg_min(model, timestamp) FILTER (WHERE type = 'llm_call' AND model IS NOT NULL),
                 arg_min(model, timestamp) FILTER (WHERE model IS NOT NULL)) AS model,
        coalesce(arg_min(provider, timestamp) FILTER (WHERE type = 'llm_call' AND provider IS NOT NULL),
                 arg_min(provider, timestamp) FILTER (WHERE provider IS NOT NULL)) AS provider,
        arg_min(framework, timestamp) FILTER (WHERE framework IS NOT NULL) AS framework
    FROM members
    GROUP BY run_id
),
-- The trace id and format are in each event's data; one event per run is enough to read them.
heads AS (
    SELECT event_id, data->>'trace_id' AS trace_id, data->>'format' AS format
    FROM events
    WHERE event_id IN (SELECT first_event_id FROM summary)
      AND timestamp BETWEEN getvariable('cylestio_from') AND getvariable('cylestio_to')
),
derived AS (
    SELECT
        s.run_id, s.agent_id, s.session_id, s.started_at, s.finished_at,
        CASE WHEN s.failed THEN 'failed' WHEN s.finished_at IS NOT NULL THEN 'completed' ELSE 'running' END
            AS status,
        round((epoch_us(s.finished_at) - epoch_us(s.started_at)) / 1000)::BIGINT AS duration_ms,
        s.tokens_input, s.tokens_output, s.tokens_cache_read, s.tokens_cache_write, 0 AS tokens_reasoning,
        s.cost_usd, CASE WHEN s.cost_usd IS NOT NULL THEN 'estimated' END AS cost_source,
        NULL::DOUBLE AS sdk_cost_usd, s.cost_usd AS estimated_cost_usd,
        s.model, s.provider, coalesce(s.framework, s.provider) AS framework,
        CASE WHEN h.trace_id <> 'null-trace' THEN h.trace_id END AS trace_id,
        NULL::VARCHAR AS span_id, NULL::VARCHAR AS parent_span_id,
        s.error.type AS error_type, s.error.message AS error_message,
        coalesce(t.tool_calls, '[]'::JSON) AS tool_calls,
        h.format
    FROM summary s
    LEFT JOIN heads h ON h.event_id = s.first_event_id
    LEFT JOIN tools t ON t.run_id = s.run_id
)
SELECT
    * EXCLUDE (tool_calls, format),
    'cylestio' AS source,
    run_record(derived, tool_calls, json_object('source', 'cylestio', 'format', format, 'provider', provider,
                                                'framework', framework)) AS data
FROM derived;

DROP TABLE cylestio_touched;
DROP TABLE cylestio_moves;
