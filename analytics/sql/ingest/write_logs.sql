-- Log records have no identity of their own: every export appends.
INSERT INTO logs BY NAME SELECT * FROM staged_logs;
