-- The landed tables of the batches to derive, in landing order.
SELECT seq, kind, payload
FROM landed
WHERE seq BETWEEN $first AND $last AND seq NOT IN (SELECT seq FROM rejected_batches)
ORDER BY seq, kind;
