-- Metric data points have no identity of their own: every export appends.
INSERT INTO metrics BY NAME SELECT * FROM staged_metrics;
