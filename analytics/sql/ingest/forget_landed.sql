-- The landed batches just derived, deleted in the derivation's own transaction: a batch is either landed or
-- derived, whenever the process stops. A rejected batch stays.
DELETE FROM landed WHERE seq BETWEEN $first AND $last AND seq NOT IN (SELECT seq FROM rejected_batches);
