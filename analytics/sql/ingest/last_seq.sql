-- The highest landing number still recorded: new batches are numbered after it, so none shares a rejected one's.
SELECT greatest((SELECT coalesce(max(seq), 0) FROM landed), (SELECT coalesce(max(seq), 0) FROM rejected_batches));
