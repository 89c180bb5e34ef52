-- Replace-by-key from the staged Arrow table; within one group the last posted copy wins.
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM staged_runs);
INSERT INTO runs BY NAME
SELECT * EXCLUDE (_ord) FROM staged_runs
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY _ord DESC) = 1;
