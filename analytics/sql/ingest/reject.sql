-- A batch that failed to derive on its own is kept here (its records as the landing log held them) and passed over.
INSERT INTO rejected_batches (seq, reason, payload) VALUES ($seq, $reason, $payload);
