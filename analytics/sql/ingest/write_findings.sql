-- Replace by key: a re-posted event yields the same finding ids.
DELETE FROM findings WHERE finding_id IN (SELECT finding_id FROM staged_findings);
INSERT INTO findings BY NAME
SELECT * FROM staged_findings;
