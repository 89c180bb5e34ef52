-- The landing number of the last batch derived (or rejected), and the highest rejected: on start, the landing log
-- is read from after the first, and new batches are numbered after both and after the log's own.
SELECT (SELECT derived_seq FROM derivation), (SELECT coalesce(max(seq), 0) FROM rejected_batches);
