-- A batch that failed to derive on its own is passed over from now on; its rows stay landed.
INSERT INTO rejected_batches (seq, reason) VALUES ($seq, $reason);
