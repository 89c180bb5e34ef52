-- The write path acknowledges a batch once it is in the landing log beside this file (collector/landing.py), and
-- derives it into the tables the queries read later (collector/deriver.py). Each derivation also records the
-- landing number of the last batch it took, in its own transaction, so a kill -9 at any point leaves each batch
-- derived once: a restart derives, from the log, exactly the batches after that number.
CREATE TABLE derivation (
    derived_seq BIGINT NOT NULL
);
INSERT INTO derivation VALUES (0);

-- A batch whose derivation failed on its own (a poison row): its records, as the landing log held them, stay here
-- for inspection, and derivation passes over it.
CREATE TABLE rejected_batches (
    seq BIGINT PRIMARY KEY,
    rejected_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    reason VARCHAR NOT NULL,
    payload BLOB NOT NULL
);
