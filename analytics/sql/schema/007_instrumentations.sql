-- What the instrumentation that sent a span says about it, read once at ingest, so that a run's framework, its agent
-- and its LLM calls can be derived in SQL whatever library sent it (collector/frameworks.py, collector/semconv.py).

ALTER TABLE spans ADD COLUMN framework VARCHAR;        -- from the scope: pydantic-ai, openai, langgraph, ...
ALTER TABLE spans ADD COLUMN transport BOOLEAN;        -- the scope instruments a transport (httpx, requests, grpc)
ALTER TABLE spans ADD COLUMN workflow_name VARCHAR;    -- gen_ai.workflow.name, traceloop.workflow.name
ALTER TABLE spans ADD COLUMN agent_span_name VARCHAR;  -- the span's own name, where the convention names the agent so
ALTER TABLE spans ADD COLUMN response_id VARCHAR;      -- the provider's id of the LLM response: two spans, one request
