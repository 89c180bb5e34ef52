-- Replace by key from the staged Arrow table, which holds one row per key (the last one posted).
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM staged_runs);
INSERT INTO runs BY NAME
SELECT * FROM staged_runs;
-- Events streamed before their run learn its agent and session now. Events follow their run's start, so the
-- lower bound lets DuckDB skip the row groups of older events instead of scanning the whole table.
UPDATE events SET agent_id = r.agent_id, session_id = r.session_id
FROM staged_runs r
WHERE events.run_id = r.run_id
  AND events.timestamp >= (SELECT min(started_at) - INTERVAL 1 DAY FROM staged_runs)
  AND (events.agent_id IS DISTINCT FROM r.agent_id OR events.session_id IS DISTINCT FROM r.session_id);
