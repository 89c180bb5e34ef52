-- Replace by key: a re-posted event yields the same finding ids.
DELETE FROM security_findings WHERE finding_id IN (SELECT finding_id FROM staged_security_findings);
-- A finding is in its event's run: the events were written first (those derived from spans too), and the writer
-- may have assigned the run (a legacy Cylestio event without a session). A finding in a span that became a run
-- (event_id = <trace_id>-<span_id> = the run id) is in that run. The event's or run's agent and session win over
-- the row's own: an LLM span names no agent, its run does. The time bounds let DuckDB skip older blocks: a
-- finding is timed by its event, its span's start (that of the run or event derived from it) or, for a log
-- record, the record, which falls within its span.
INSERT INTO security_findings BY NAME
SELECT f.* REPLACE (coalesce(e.run_id, f.run_id, r.run_id) AS run_id,
                    coalesce(e.agent_id, r.agent_id, f.agent_id) AS agent_id,
                    coalesce(e.session_id, r.session_id, f.session_id) AS session_id)
FROM staged_security_findings f
LEFT JOIN (
    SELECT event_id, run_id, agent_id, session_id
    FROM events
    WHERE event_id IN (SELECT event_id FROM staged_security_findings)
      AND timestamp BETWEEN (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_security_findings)
                        AND (SELECT max(timestamp) + INTERVAL 1 DAY FROM staged_security_findings)
) e ON e.event_id = f.event_id
LEFT JOIN (
    SELECT run_id, agent_id, session_id
    FROM runs
    WHERE run_id IN (SELECT event_id FROM staged_security_findings WHERE run_id IS NULL)
      AND started_at BETWEEN (SELECT min(timestamp) - INTERVAL 1 DAY FROM staged_security_findings)
                         AND (SELECT max(timestamp) + INTERVAL 1 DAY FROM staged_security_findings)
) r ON r.run_id = f.event_id AND f.run_id IS NULL AND e.event_id IS NULL;
