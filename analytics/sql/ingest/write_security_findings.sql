-- Replace by key: a re-posted event yields the same finding ids.
DELETE FROM security_findings WHERE finding_id IN (SELECT finding_id FROM staged_security_findings);
-- A finding is in its event's run: the events were written first, and the writer may have assigned the run (a
-- legacy Cylestio event without a session). The time bound lets DuckDB skip older blocks of events.
INSERT INTO security_findings BY NAME
SELECT f.* REPLACE (coalesce(e.run_id, f.run_id) AS run_id, coalesce(e.agent_id, f.agent_id) AS agent_id,
                    coalesce(e.session_id, f.session_id) AS session_id)
FROM staged_security_findings f
LEFT JOIN (
    SELECT event_id, run_id, agent_id, session_id
    FROM events
    WHERE event_id IN (SELECT event_id FROM staged_security_findings)
      AND timestamp BETWEEN (SELECT min(timestamp) FROM staged_security_findings)
                        AND (SELECT max(timestamp) FROM staged_security_findings)
) e ON e.event_id = f.event_id;
