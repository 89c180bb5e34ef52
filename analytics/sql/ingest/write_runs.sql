-- A re-post carries a run's start as first sent, so each statement reads only rows from the staged runs' earliest
-- start on: random run ids give DuckDB's per-block min/max nothing to skip on, while start times, which grow as data
-- arrives, do, so a commit reads the few newest row groups instead of all of them, or of a day (as write_spans.sql
-- does). The cost: a run re-posted with a start outside the span of the runs committed with it is stored twice,
-- and events timed before their run's start keep the agent and session they had.

-- Replace by key from the staged Arrow table, which holds one row per key (the last one posted).
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM staged_runs)
  AND started_at BETWEEN (SELECT min(started_at) FROM staged_runs) AND (SELECT max(started_at) FROM staged_runs);
INSERT INTO runs BY NAME
SELECT * FROM staged_runs;
-- Events streamed before their run learn its agent and session now.
UPDATE events SET agent_id = r.agent_id, session_id = r.session_id
FROM staged_runs r
WHERE events.run_id = r.run_id
  AND events.timestamp >= (SELECT min(started_at) FROM staged_runs)
  AND (events.agent_id IS DISTINCT FROM r.agent_id OR events.session_id IS DISTINCT FROM r.session_id);
-- And so do their findings.
UPDATE security_findings SET agent_id = r.agent_id, session_id = r.session_id
FROM staged_runs r
WHERE security_findings.run_id = r.run_id
  AND security_findings.timestamp >= (SELECT min(started_at) FROM staged_runs)
  AND (security_findings.agent_id IS DISTINCT FROM r.agent_id
       OR security_findings.session_id IS DISTINCT FROM r.session_id);
