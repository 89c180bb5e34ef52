-- The landing table: what a 2xx acknowledged, appended as received and normalized (collector/writer.py), before it
-- is derived into the tables the queries read (collector/deriver.py). One row per table of a batch: the batch's
-- landing number, the table it is for (analytics/tables.py; 'deletions' for run ids to delete), its row count, and
-- its rows as an Arrow IPC stream. Appending one row per table costs the acknowledgement 1-2 ms where appending its
-- rows to wide typed tables cost 9 (two inserts of 31 and 24 columns and their registration, for one AgentD run). A
-- derivation folds the rows of a range of batches into the other tables and deletes them here in the same
-- transaction, so a kill -9 at any point leaves each batch either landed or derived, never both and never neither.
CREATE TABLE landed (
    seq BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    payload BLOB NOT NULL
);

-- A batch whose derivation failed on its own (a poison row): its rows stay in the landing table for inspection, and
-- derivation passes over them.
CREATE TABLE rejected_batches (
    seq BIGINT PRIMARY KEY,
    rejected_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    reason VARCHAR NOT NULL
);
