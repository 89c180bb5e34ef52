-- Runs and events: every ingest path maps into these two tables.
-- Typed columns carry what queries filter and aggregate; `data` keeps the full normalized record.

CREATE TABLE schema_meta (
    version     INTEGER NOT NULL,           -- one row per applied migration file (NNN_*.sql)
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE runs (
    run_id              VARCHAR NOT NULL,   -- unique: the writer replaces a re-posted run
    source              VARCHAR NOT NULL,   -- ingest path that produced the run: 'agentd', ...
    agent_id            VARCHAR,
    session_id          VARCHAR,
    sdk_session_id      VARCHAR,
    status              VARCHAR NOT NULL,   -- running | completed | failed | timeout
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    duration_ms         BIGINT,
    api_duration_ms     BIGINT,
    first_token_ms      BIGINT,
    num_turns           BIGINT,
    tokens_input        BIGINT NOT NULL DEFAULT 0,
    tokens_output       BIGINT NOT NULL DEFAULT 0,
    tokens_cache_read   BIGINT NOT NULL DEFAULT 0,
    tokens_cache_write  BIGINT NOT NULL DEFAULT 0,
    cost_usd            DOUBLE,
    cost_source         VARCHAR,            -- 'sdk' | 'estimated' | ...
    sdk_cost_usd        DOUBLE,
    estimated_cost_usd  DOUBLE,
    model               VARCHAR,
    trace_id            VARCHAR,
    span_id             VARCHAR,
    parent_span_id      VARCHAR,
    error_type          VARCHAR,
    error_message       VARCHAR,
    data                JSON NOT NULL,      -- the normalized run, without its events
    received_at         TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE events (
    event_id            VARCHAR NOT NULL,   -- unique: the writer replaces a re-posted event
    run_id              VARCHAR NOT NULL,   -- may name a run that has not arrived yet
    source              VARCHAR NOT NULL,
    type                VARCHAR NOT NULL,   -- run_start | tool_call | tool_result | error | ...
    timestamp           TIMESTAMPTZ NOT NULL,
    sequence_number     BIGINT NOT NULL DEFAULT 0,
    tool_name           VARCHAR,
    tool_id             VARCHAR,            -- pairs a tool_call with its tool_result
    tool_duration_ms    BIGINT,
    tool_success        BOOLEAN,
    tokens_input        BIGINT,
    tokens_output       BIGINT,
    tokens_cache_read   BIGINT,
    tokens_cache_write  BIGINT,
    error_type          VARCHAR,
    error_message       VARCHAR,
    data                JSON NOT NULL,      -- the normalized event
    received_at         TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
