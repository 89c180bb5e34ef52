"""agent-collector: one local process that ingests AI-agent telemetry into one DuckDB file and answers from it."""

__version__ = "0.1.0"
