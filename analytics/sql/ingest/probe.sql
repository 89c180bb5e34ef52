-- While the file could not be written (the disk was full), the writer's test that it can be again: a write that
-- reaches the log, as every commit must, and changes nothing a query reads.
UPDATE schema_meta SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_meta);
