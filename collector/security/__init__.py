"""Security detectors run at ingest: prompt injection, dangerous commands, secrets and personal data."""
