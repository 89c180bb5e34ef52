-- Each statement reads only rows from a day before the staged runs' earliest start on: random run ids give
-- DuckDB's per-block min/max nothing to skip on, while start times, which grow as data arrives, do, so a commit
-- reads the recent part of each table instead of all of it (as write_spans.sql does). The cost: a run re-posted
-- with a start moved more than a day earlier is stored twice, and events more than a day before their run's start
-- keep the agent and session they had.

-- Replace by key from the staged Arrow table, which holds one row per key (the last one posted).
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM staged_runs)
  AND started_at >= (SELECT min(started_at) - INTERVAL 1 DAY FROM staged_runs);
INSERT INTO runs BY NAME
SELECT * FROM staged_runs;
-- Events streamed before their run learn its agent and session now.
UPDATE events SET agent_id = r.agent_id, session_id = r.session_id
FROM staged_runs r
WHERE events.run_id = r.run_id
  AND events.timestamp >= (SELECT min(started_at) - INTERVAL 1 DAY FROM staged_runs)
  AND (events.agent_id IS DISTINCT FROM r.agent_id OR events.session_id IS DISTINCT FROM r.session_id);
