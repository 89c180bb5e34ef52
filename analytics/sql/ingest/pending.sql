-- The batches landed and not yet derived (nor rejected), with their rows, in landing order: what the deriver
-- finds to do when the collector starts.
SELECT seq, sum(rows)::BIGINT AS rows
FROM landed
WHERE seq NOT IN (SELECT seq FROM rejected_batches)
GROUP BY seq
ORDER BY seq;
