-- Replace by key from the staged Arrow table, which holds one row per key (the last one posted).
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM staged_runs);
INSERT INTO runs BY NAME
SELECT * FROM staged_runs;
