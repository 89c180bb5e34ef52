-- OTLP: raw spans (idempotent on trace_id, span_id), log records and metric data points, plus the columns
-- that runs and events derived from spans carry.

CREATE TABLE spans (
    trace_id                  VARCHAR NOT NULL,   -- 32 hex
    span_id                   VARCHAR NOT NULL,   -- 16 hex
    parent_span_id            VARCHAR,
    trace_state               VARCHAR,
    flags                     BIGINT,
    name                      VARCHAR NOT NULL,
    kind                      VARCHAR NOT NULL,   -- unspecified | internal | server | client | producer | consumer
    start_time                TIMESTAMPTZ,
    end_time                  TIMESTAMPTZ,
    duration_ms               DOUBLE,
    status_code               VARCHAR NOT NULL,   -- unset | ok | error
    status_message            VARCHAR,
    service_name              VARCHAR,
    scope_name                VARCHAR,
    scope_version             VARCHAR,
    resource_attributes       JSON,
    scope_attributes          JSON,
    attributes                JSON,
    events                    JSON,               -- [{name, time_unix_nano, attributes, dropped_attributes_count}]
    links                     JSON,               -- [{trace_id, span_id, trace_state, attributes, flags}]
    dropped_attributes_count  BIGINT,
    dropped_events_count      BIGINT,
    dropped_links_count       BIGINT,
    -- What the semantic conventions say, read once at ingest (collector/semconv.py):
    role                      VARCHAR,            -- agent | workflow | chain | llm | tool
    operation                 VARCHAR,
    agent_id                  VARCHAR,
    agent_name                VARCHAR,
    session_id                VARCHAR,
    provider                  VARCHAR,
    model                     VARCHAR,
    tool_name                 VARCHAR,
    tool_call_id              VARCHAR,
    error_type                VARCHAR,            -- error.type, else the exception event's type, when the span failed
    error_message             VARCHAR,            -- status message, else the exception event's message
    tokens_input              BIGINT,             -- excludes cache reads and writes, whatever the source counted
    tokens_output             BIGINT,
    tokens_cache_read         BIGINT,
    tokens_cache_write        BIGINT,
    tokens_reasoning          BIGINT,
    cost_usd                  DOUBLE,
    cost_source               VARCHAR,            -- reported | estimated
    received_at               TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE logs (
    time                      TIMESTAMPTZ,
    observed_time             TIMESTAMPTZ,
    severity_number           BIGINT,
    severity_text             VARCHAR,
    event_name                VARCHAR,
    body                      JSON,
    trace_id                  VARCHAR,
    span_id                   VARCHAR,
    flags                     BIGINT,
    service_name              VARCHAR,
    scope_name                VARCHAR,
    scope_version             VARCHAR,
    resource_attributes       JSON,
    attributes                JSON,
    dropped_attributes_count  BIGINT,
    received_at               TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE metrics (
    name                      VARCHAR NOT NULL,
    description               VARCHAR,
    unit                      VARCHAR,
    type                      VARCHAR NOT NULL,   -- gauge | sum | histogram | exponential_histogram | summary
    time                      TIMESTAMPTZ,
    start_time                TIMESTAMPTZ,
    temporality               BIGINT,             -- OTLP AggregationTemporality: 1 delta, 2 cumulative
    is_monotonic              BOOLEAN,
    value                     DOUBLE,             -- gauge and sum points
    count                     BIGINT,             -- histogram and summary points
    sum                       DOUBLE,
    data                      JSON,               -- the rest of a histogram or summary point
    service_name              VARCHAR,
    scope_name                VARCHAR,
    resource_attributes       JSON,
    attributes                JSON,
    received_at               TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

ALTER TABLE runs ADD COLUMN agent_name VARCHAR;
ALTER TABLE runs ADD COLUMN tokens_reasoning BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN tokens_reasoning BIGINT;
ALTER TABLE events ADD COLUMN model VARCHAR;
ALTER TABLE events ADD COLUMN cost_usd DOUBLE;
