-- Every statement below reads only the time range of the traces this batch touches: from the earliest to the latest
-- start of their spans, stored (found in `traces`, within a day of the batch) or arriving. Random trace ids give
-- DuckDB's per-row-group min/max nothing to skip on, while start times, which grow as data arrives, do; so a
-- commit of new traces reads the few newest row groups, not the day's. The cost: a trace whose spans lie more
-- than a day apart is derived from the spans within a day of each arriving batch.
CREATE OR REPLACE TEMP TABLE touched_traces AS
SELECT trace_id, min(first_start) AS first_start, max(last_start) AS last_start
FROM (
    SELECT trace_id, start_time AS first_start, start_time AS last_start FROM staged_spans
    UNION ALL
    SELECT trace_id, first_start, last_start FROM traces
    WHERE trace_id IN (SELECT trace_id FROM staged_spans)
      AND last_start >= (SELECT min(start_time) - INTERVAL 1 DAY FROM staged_spans)
      AND first_start <= (SELECT max(start_time) + INTERVAL 1 DAY FROM staged_spans)
)
GROUP BY trace_id;

INSERT INTO traces
SELECT trace_id, min(start_time), max(start_time) FROM staged_spans GROUP BY trace_id;

SET VARIABLE touched_from = (SELECT min(first_start) FROM touched_traces);
SET VARIABLE touched_to = (SELECT max(last_start) FROM touched_traces);

-- Raw spans replace by (trace_id, span_id): a re-sent export changes nothing.
DELETE FROM spans USING staged_spans s
WHERE spans.trace_id = s.trace_id AND spans.span_id = s.span_id
  AND spans.start_time BETWEEN getvariable('touched_from') AND getvariable('touched_to');
INSERT INTO spans BY NAME SELECT * FROM staged_spans;

-- Runs and events from spans are derived, never stored as sent: every trace this batch touched is recomputed
-- from all of its spans, so the result is the same whatever order and batches the spans arrived in.
CREATE OR REPLACE TEMP TABLE trace_spans AS
SELECT * EXCLUDE (resource_attributes, scope_attributes, attributes, events, links)  -- the wide JSON is not needed
FROM spans
WHERE trace_id IN (SELECT trace_id FROM touched_traces)
  AND start_time BETWEEN getvariable('touched_from') AND getvariable('touched_to');

-- Which run each span of those traces belongs to: its outermost ancestor that starts a run (agent, workflow,
-- chain); in a trace without such spans, the trace's root. A span whose chain of parents is still incomplete
-- (an agent's calls end, and are exported, before the agent does) belongs to no run until the rest arrives.
CREATE OR REPLACE TEMP TABLE span_runs AS
WITH RECURSIVE
touched AS (
    SELECT trace_id, span_id, parent_span_id, parent_span_id IS NULL AS is_root,
           role IN ('agent', 'workflow', 'chain') AS starts_run, role, tool_name
    FROM trace_spans
),
up(trace_id, span_id, ancestor_id, depth) AS (
    SELECT trace_id, span_id, span_id, 0 FROM touched
    UNION ALL
    SELECT up.trace_id, up.span_id, parent.span_id, up.depth + 1
    FROM up
    JOIN touched child ON child.trace_id = up.trace_id AND child.span_id = up.ancestor_id
    JOIN touched parent ON parent.trace_id = child.trace_id AND parent.span_id = child.parent_span_id
    WHERE up.depth < 256  -- a parent cycle in bad data must not recurse forever
),
traces AS (
    SELECT trace_id, bool_or(coalesce(starts_run, false)) AS has_run_spans FROM touched GROUP BY trace_id
)
SELECT
    up.trace_id,
    up.span_id,
    CASE WHEN any_value(traces.has_run_spans)
         THEN arg_max(up.ancestor_id, up.depth) FILTER (WHERE ancestor.starts_run)
         ELSE arg_max(up.ancestor_id, up.depth) FILTER (WHERE ancestor.is_root) END AS run_span_id,
    -- How far below its run span the span is: the outermost span naming a framework names the run's.
    CASE WHEN any_value(traces.has_run_spans) THEN max(up.depth) FILTER (WHERE ancestor.starts_run)
         ELSE max(up.depth) FILTER (WHERE ancestor.is_root) END AS run_depth,
    -- An LLM span under an LLM span reports the same request (pydantic-ai's chat span and the anthropic SDK's own
    -- span under it): the outermost one stands for all of them.
    arg_max(up.ancestor_id, up.depth) FILTER (WHERE ancestor.role = 'llm') AS llm_span_id,
    -- A tool span under a tool span of the same tool is the same call (a framework's tool span, the MCP client's).
    bool_or(up.depth > 0 AND ancestor.role = 'tool' AND ancestor.tool_name = self.tool_name)
        AS nested_tool
FROM up
JOIN touched ancestor ON ancestor.trace_id = up.trace_id AND ancestor.span_id = up.ancestor_id
JOIN touched self ON self.trace_id = up.trace_id AND self.span_id = up.span_id
JOIN traces ON traces.trace_id = up.trace_id
GROUP BY up.trace_id, up.span_id;

-- One LLM request is one LLM call however many instrumentations report it: LLM spans nested in one another, and
-- LLM spans of one trace with the same response id (Traceloop's anthropic.chat span and the anthropic SDK's own
-- span beside it), count once, as the record with the most token buckets, then a reported cost, then the outermost.
-- The others keep their raw span but no role, so no total, event or metric counts them.
UPDATE trace_spans SET role = NULL
FROM (
    WITH llm AS (
        SELECT s.trace_id, s.span_id, m.llm_span_id, m.run_depth, s.response_id, s.cost_source,
               (s.tokens_input > 0)::INT + (s.tokens_output > 0)::INT + (s.tokens_cache_read > 0)::INT
               + (s.tokens_cache_write > 0)::INT + (s.tokens_reasoning > 0)::INT AS buckets
        FROM span_runs m JOIN trace_spans s USING (trace_id, span_id)
        WHERE s.role = 'llm'
    ),
    nests AS (
        SELECT trace_id, llm_span_id, min(response_id) AS response_id FROM llm GROUP BY trace_id, llm_span_id
    ),
    ranked AS (
        SELECT llm.trace_id, llm.span_id,
               row_number() OVER (PARTITION BY llm.trace_id, coalesce(nests.response_id, llm.llm_span_id)
                                  ORDER BY coalesce(llm.buckets, 0) DESC, llm.cost_source = 'reported' DESC,
                                           llm.run_depth, llm.span_id) AS rank
        FROM llm JOIN nests USING (trace_id, llm_span_id)
    )
    SELECT trace_id, span_id FROM ranked WHERE rank > 1
    UNION ALL
    SELECT trace_id, span_id FROM span_runs WHERE nested_tool
) AS repeated
WHERE trace_spans.trace_id = repeated.trace_id AND trace_spans.span_id = repeated.span_id;

-- A tool the model asked for on its LLM span (gen_ai.tool.name and call id on OpenLIT's chat span) ran in the span
-- after it that is named after the tool and says nothing of its own (OpenLIT's @trace span): that span is the call,
-- for the latest request of that tool before it in the run.
UPDATE trace_spans SET role = 'tool', tool_name = paired.tool_name, tool_call_id = paired.tool_call_id
FROM (
    WITH
    requests AS (
        SELECT m.trace_id, m.run_span_id, s.tool_name, s.tool_call_id, s.start_time
        FROM span_runs m JOIN trace_spans s USING (trace_id, span_id)
        WHERE s.role = 'llm' AND s.tool_name IS NOT NULL
    ),
    unnamed AS (
        SELECT m.trace_id, m.run_span_id, s.span_id, s.name, s.start_time
        FROM span_runs m JOIN trace_spans s USING (trace_id, span_id)
        WHERE s.role IS NULL AND s.trace_id IN (SELECT trace_id FROM requests)
    )
    SELECT u.trace_id, u.span_id, any_value(u.name) AS tool_name,
           arg_max(r.tool_call_id, r.start_time) AS tool_call_id
    FROM unnamed u
    JOIN requests r ON r.trace_id = u.trace_id AND r.run_span_id = u.run_span_id AND r.tool_name = u.name
                   AND r.start_time <= u.start_time
    GROUP BY u.trace_id, u.span_id
) AS paired
WHERE trace_spans.trace_id = paired.trace_id AND trace_spans.span_id = paired.span_id;

DELETE FROM events
WHERE source = 'otlp'
  AND timestamp BETWEEN getvariable('touched_from') AND getvariable('touched_to')
  AND run_id IN (SELECT run_id FROM runs
                 WHERE source = 'otlp' AND trace_id IN (SELECT trace_id FROM span_runs)
                   AND started_at BETWEEN getvariable('touched_from') AND getvariable('touched_to'));
DELETE FROM runs
WHERE source = 'otlp' AND trace_id IN (SELECT trace_id FROM span_runs)
  AND started_at BETWEEN getvariable('touched_from') AND getvariable('touched_to');

CREATE OR REPLACE TEMP TABLE trace_runs AS
WITH
members AS (
    SELECT m.run_span_id, m.run_depth, s.*
    FROM span_runs m JOIN trace_spans s USING (trace_id, span_id)
    WHERE m.run_span_id IS NOT NULL
),
-- One pass per run: its LLM calls' totals (FILTER) and the context any of its spans names.
per_run AS (
    SELECT
        trace_id, run_span_id,
        sum(tokens_input) FILTER (WHERE role = 'llm') AS tokens_input,
        sum(tokens_output) FILTER (WHERE role = 'llm') AS tokens_output,
        sum(tokens_cache_read) FILTER (WHERE role = 'llm') AS tokens_cache_read,
        sum(tokens_cache_write) FILTER (WHERE role = 'llm') AS tokens_cache_write,
        sum(tokens_reasoning) FILTER (WHERE role = 'llm') AS tokens_reasoning,
        sum(cost_usd) FILTER (WHERE role = 'llm') AS cost_usd,
        sum(cost_usd) FILTER (WHERE role = 'llm' AND cost_source = 'reported') AS reported_cost_usd,
        sum(cost_usd) FILTER (WHERE role = 'llm' AND cost_source = 'estimated') AS estimated_cost_usd,
        count(cost_usd) FILTER (WHERE role = 'llm') AS priced_calls,
        count(*) FILTER (WHERE role = 'llm' AND cost_source = 'reported') AS reported_calls,
        arg_min(model, start_time) FILTER (WHERE role = 'llm' AND model IS NOT NULL) AS model,
        arg_min(provider, start_time) FILTER (WHERE role = 'llm' AND provider IS NOT NULL) AS provider,
        arg_min(session_id, start_time) FILTER (WHERE session_id IS NOT NULL) AS session_id,
        arg_min(agent_id, start_time) FILTER (WHERE agent_id IS NOT NULL) AS agent_id,
        arg_min(agent_name, start_time) FILTER (WHERE agent_name IS NOT NULL) AS agent_name,
        arg_min(agent_span_name, start_time) FILTER (WHERE agent_span_name IS NOT NULL) AS agent_span_name,
        arg_min(workflow_name, start_time) FILTER (WHERE workflow_name IS NOT NULL) AS workflow_name,
        arg_min(framework, (run_depth, start_time)) FILTER (WHERE framework IS NOT NULL) AS framework
    FROM members
    GROUP BY trace_id, run_span_id
),
tool_totals AS (
    SELECT
        trace_id, run_span_id, tool_name,
        count(*) AS calls,
        sum(round(duration_ms))::BIGINT AS total_duration_ms,
        count(*) FILTER (WHERE error_type IS NULL) AS successes,
        count(*) FILTER (WHERE error_type IS NOT NULL) AS failures
    FROM members WHERE role = 'tool' AND tool_name IS NOT NULL
    GROUP BY trace_id, run_span_id, tool_name
),
tools AS (
    SELECT trace_id, run_span_id,
           to_json(list(json_object('tool', tool_name, 'count', calls, 'total_duration_ms', total_duration_ms,
                                    'success_count', successes, 'failure_count', failures)
                        ORDER BY tool_name)) AS tool_calls
    FROM tool_totals GROUP BY trace_id, run_span_id
),
derived AS (
    SELECT
        root.trace_id || '-' || root.span_id AS run_id,
        -- Ids, then names the conventions give as such, then agent spans' own names, then workflows: at each
        -- step the run span's own first, since one inside the run may belong to a sub-agent.
        coalesce(root.agent_id, root.agent_name, per_run.agent_id, per_run.agent_name, root.agent_span_name,
                 per_run.agent_span_name, root.workflow_name, per_run.workflow_name, root.service_name) AS agent_id,
        coalesce(root.agent_name, per_run.agent_name, root.agent_span_name, per_run.agent_span_name,
                 root.workflow_name, per_run.workflow_name) AS agent_name,
        coalesce(root.session_id, per_run.session_id) AS session_id,
        CASE WHEN root.status_code = 'error' THEN 'failed' ELSE 'completed' END AS status,
        root.start_time AS started_at,
        root.end_time AS finished_at,
        round(root.duration_ms)::BIGINT AS duration_ms,
        coalesce(per_run.tokens_input, root.tokens_input, 0) AS tokens_input,
        coalesce(per_run.tokens_output, root.tokens_output, 0) AS tokens_output,
        coalesce(per_run.tokens_cache_read, root.tokens_cache_read, 0) AS tokens_cache_read,
        coalesce(per_run.tokens_cache_write, root.tokens_cache_write, 0) AS tokens_cache_write,
        coalesce(per_run.tokens_reasoning, root.tokens_reasoning, 0) AS tokens_reasoning,
        coalesce(per_run.cost_usd, root.cost_usd) AS cost_usd,
        CASE WHEN per_run.priced_calls IS NULL OR per_run.priced_calls = 0 THEN root.cost_source
             WHEN per_run.reported_calls = per_run.priced_calls THEN 'reported'
             WHEN per_run.reported_calls = 0 THEN 'estimated'
             ELSE 'mixed' END AS cost_source,
        coalesce(per_run.reported_cost_usd, CASE WHEN root.cost_source = 'reported' THEN root.cost_usd END)
            AS sdk_cost_usd,
        coalesce(per_run.estimated_cost_usd, CASE WHEN root.cost_source = 'estimated' THEN root.cost_usd END)
            AS estimated_cost_usd,
        -- The model that answered the run's first call, else the one its agent span asked for.
        coalesce(per_run.model, root.model) AS model,
        coalesce(per_run.provider, root.provider) AS provider,
        -- The outermost span's whose scope collector/frameworks.py knows, else the root span's tracer.
        coalesce(per_run.framework, root.scope_name) AS framework,
        root.trace_id,
        root.span_id,
        root.parent_span_id,
        CASE WHEN root.status_code = 'error' THEN root.error_type END AS error_type,
        CASE WHEN root.status_code = 'error' THEN root.error_message END AS error_message,
        coalesce(tools.tool_calls, '[]'::JSON) AS tool_calls,
        root.service_name,
        root.name AS root_name
    FROM per_run
    JOIN trace_spans root ON root.trace_id = per_run.trace_id AND root.span_id = per_run.run_span_id
    LEFT JOIN tools ON tools.trace_id = per_run.trace_id AND tools.run_span_id = per_run.run_span_id
)
SELECT
    * EXCLUDE (tool_calls, service_name, root_name),
    'otlp' AS source,
    run_record(derived, tool_calls, json_object('source', 'otlp', 'service_name', service_name,
                                                'root_span_name', root_name, 'agent_name', agent_name,
                                                'framework', framework)) AS data
FROM derived;

INSERT INTO runs BY NAME SELECT * FROM trace_runs;

INSERT INTO events BY NAME
SELECT
    s.trace_id || '-' || s.span_id AS event_id,
    m.trace_id || '-' || m.run_span_id AS run_id,
    'otlp' AS source,
    CASE s.role WHEN 'llm' THEN 'llm_call' ELSE 'tool_call' END AS type,
    s.start_time AS timestamp,
    -- The position in its run. A window partitioned by run costs several times more over many small runs than
    -- two over the whole batch: the row's place in it, less where its run begins.
    row_number() OVER (ORDER BY m.trace_id, m.run_span_id, s.start_time, s.span_id)
        - rank() OVER (ORDER BY m.trace_id, m.run_span_id) AS sequence_number,
    s.tool_name,
    s.tool_call_id AS tool_id,
    CASE WHEN s.role = 'tool' THEN round(s.duration_ms)::BIGINT END AS tool_duration_ms,
    CASE WHEN s.role = 'tool' THEN s.error_type IS NULL END AS tool_success,
    s.tokens_input, s.tokens_output, s.tokens_cache_read, s.tokens_cache_write, s.tokens_reasoning,
    s.error_type,
    s.error_message,
    s.model,
    s.cost_usd,
    r.agent_id,
    r.session_id,
    CASE WHEN s.error_type IS NOT NULL THEN 'ERROR' ELSE 'INFO' END AS level,
    s.duration_ms,
    json_object(
        'event_id', s.trace_id || '-' || s.span_id,
        'type', CASE s.role WHEN 'llm' THEN 'llm_call' ELSE 'tool_call' END,
        'timestamp', strftime(s.start_time, '%Y-%m-%dT%H:%M:%S.%fZ'),
        'sequence_number', row_number() OVER (ORDER BY m.trace_id, m.run_span_id, s.start_time, s.span_id)
                           - rank() OVER (ORDER BY m.trace_id, m.run_span_id),
        'tool_name', s.tool_name, 'tool_id', s.tool_call_id, 'tool_input', NULL, 'tool_output', NULL,
        'tool_duration_ms', CASE WHEN s.role = 'tool' THEN round(s.duration_ms)::BIGINT END,
        'tool_success', CASE WHEN s.role = 'tool' THEN s.error_type IS NULL END,
        -- The span's messages, else those its GenAI event log records carry (write_logs.sql when they come later).
        'content', coalesce(s.messages, CASE WHEN s.role = 'llm' THEN log_messages(
            s.trace_id, s.span_id, getvariable('touched_from') - INTERVAL 1 MINUTE,
            getvariable('touched_to') + INTERVAL 1 DAY) END), 'thinking', NULL,
        'tokens', CASE WHEN s.role = 'llm' THEN json_object(
            'input', s.tokens_input, 'output', s.tokens_output, 'cache_read', s.tokens_cache_read,
            'cache_write', s.tokens_cache_write, 'reasoning', s.tokens_reasoning) END,
        'error', CASE WHEN s.error_type IS NOT NULL
                      THEN json_object('type', s.error_type, 'message', s.error_message, 'stack', NULL) END,
        'model', s.model, 'cost_usd', s.cost_usd, 'cost_source', s.cost_source,
        'duration_ms', s.duration_ms, 'span_id', s.span_id, 'span_name', s.name
    ) AS data
FROM span_runs m
JOIN trace_spans s USING (trace_id, span_id)
JOIN trace_runs r ON r.run_id = m.trace_id || '-' || m.run_span_id
WHERE m.run_span_id IS NOT NULL AND s.role IN ('llm', 'tool');

-- Findings in spans of these traces written before their run existed (an agent's calls are exported before the
-- agent span) are in it now. Only the touched traces' temp tables and the findings of their time range are read.
UPDATE security_findings SET run_id = r.run_id, agent_id = r.agent_id, session_id = r.session_id
FROM span_runs m
JOIN trace_runs r ON r.run_id = m.trace_id || '-' || m.run_span_id
WHERE security_findings.source = 'otlp' AND security_findings.event_id = m.trace_id || '-' || m.span_id
  AND security_findings.timestamp BETWEEN getvariable('touched_from') AND getvariable('touched_to')
  AND (security_findings.run_id IS DISTINCT FROM r.run_id OR security_findings.agent_id IS DISTINCT FROM r.agent_id
       OR security_findings.session_id IS DISTINCT FROM r.session_id);

DROP TABLE trace_runs;
DROP TABLE span_runs;
DROP TABLE trace_spans;
DROP TABLE touched_traces;
