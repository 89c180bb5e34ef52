-- GET /api/v1/metrics/response_time/average: average, fastest and slowest latency of the model responses in the
-- window. As the Cylestio server measures it, a response is one LLM call, not a run: an llm_call event (OTLP LLM
-- span, Cylestio LLM_call_finish / llm.call.finish, agentmetrics llm step) or a Cylestio 0.1.4 model_response,
-- that reports its duration. A run's length mixes tool calls and waits into it, and AgentD reports only runs.
SELECT
    avg(duration_ms) AS average_response_time_ms,
    min(duration_ms) AS min_response_time_ms,
    max(duration_ms) AS max_response_time_ms,
    count(*) AS response_count
FROM events
WHERE timestamp >= $start AND timestamp < $end
  AND type IN ('llm_call', 'model_response') AND duration_ms IS NOT NULL
  AND ($agent_id IS NULL OR agent_id = $agent_id)
  AND ($session_id IS NULL OR session_id = $session_id)
