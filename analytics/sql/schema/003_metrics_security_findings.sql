-- What the metrics API filters and groups by, typed on every run and event whatever the source; the
-- security_findings table (alerts the clients send and what the collector's detectors find); the shape of derived
-- runs.

ALTER TABLE runs ADD COLUMN framework VARCHAR;          -- the agent framework or instrumentation that recorded it
ALTER TABLE runs ADD COLUMN provider VARCHAR;           -- LLM provider of the run's model: anthropic, openai, ...

ALTER TABLE events ADD COLUMN agent_id VARCHAR;         -- the run's, copied so event queries need no join
ALTER TABLE events ADD COLUMN session_id VARCHAR;
ALTER TABLE events ADD COLUMN level VARCHAR;            -- as the client sent it, else ERROR for failures, INFO
ALTER TABLE events ADD COLUMN duration_ms DOUBLE;       -- how long the LLM call, tool call or step took

UPDATE events SET agent_id = runs.agent_id, session_id = runs.session_id FROM runs WHERE events.run_id = runs.run_id;
UPDATE events SET level = CASE WHEN error_type IS NOT NULL OR tool_success = false THEN 'ERROR' ELSE 'INFO' END;
UPDATE events SET duration_ms = coalesce(tool_duration_ms, TRY_CAST(data->>'duration_ms' AS DOUBLE));
UPDATE runs SET framework = 'claude-agent-sdk', provider = 'anthropic' WHERE source = 'agentd';

CREATE TABLE security_findings (
    finding_id    VARCHAR NOT NULL,     -- unique: the writer replaces a re-posted finding
    source        VARCHAR NOT NULL,     -- ingest path of the event it was found in
    detector      VARCHAR NOT NULL,     -- 'client' (the SDK sent it) | 'collector'
    run_id        VARCHAR,
    event_id      VARCHAR,              -- OTLP: <trace_id>-<span_id> of the span it was found in
    agent_id      VARCHAR,
    session_id    VARCHAR,
    timestamp     TIMESTAMPTZ NOT NULL,
    category      VARCHAR NOT NULL,     -- prompt_injection | dangerous_command | secret | pii | the client's own
    severity      VARCHAR NOT NULL,     -- critical | high | medium | low | info
    rule          VARCHAR,              -- the detector rule that fired; client:<its category> for client findings
    alert_level   VARCHAR,              -- the client's own word for it: dangerous | suspicious | ...
    description   VARCHAR,
    excerpt       VARCHAR,              -- the text around the match, the secret or PII in it masked
    data          JSON NOT NULL,        -- match count, columns; keywords and the rest the client sent
    received_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- A derived run (from spans, from Cylestio events) as /v1/runs returns it, in the key order of the AgentD
-- receiver's runs, so every run reads alike: `run` is a row with the runs columns; `tool_calls` a JSON list.
CREATE MACRO run_record(run, tool_calls, metadata) AS json_object(
    'run_id', run.run_id, 'agent_id', run.agent_id, 'session_id', run.session_id, 'sdk_session_id', NULL,
    'started_at', strftime(run.started_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
    'finished_at', strftime(run.finished_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
    'duration_ms', run.duration_ms, 'api_duration_ms', NULL, 'first_token_ms', NULL, 'num_turns', NULL,
    'status', run.status,
    'tokens', json_object('input', run.tokens_input, 'output', run.tokens_output, 'cache_read', run.tokens_cache_read,
                          'cache_write', run.tokens_cache_write, 'reasoning', run.tokens_reasoning),
    'cost_usd', run.cost_usd, 'cost_source', run.cost_source, 'sdk_cost_usd', run.sdk_cost_usd,
    'estimated_cost_usd', run.estimated_cost_usd, 'model', run.model,
    'trace_id', run.trace_id, 'span_id', run.span_id, 'parent_span_id', run.parent_span_id,
    'error', CASE WHEN run.error_type IS NOT NULL OR run.error_message IS NOT NULL
                  THEN json_object('type', run.error_type, 'message', run.error_message, 'stack', NULL) END,
    'tool_calls', tool_calls,
    'metadata', metadata,
    'prompt', NULL
);
