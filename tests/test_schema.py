"""The schema: typed columns, a version stamp, and files the collector must not touch refused by name."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from analytics.schema import LATEST_VERSION, migrate
from analytics.sql import MIGRATIONS
from analytics.tables import EVENTS, RUNS, SECURITY_FINDINGS

TYPES = {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN",
         "timestamp[us, tz=UTC]": "TIMESTAMP WITH TIME ZONE"}


def columns(db, table):
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall())


def test_new_file_is_stamped_and_typed(collector):
    collector.stop()
    runs, events, findings = (columns(collector.db, table) for table in ("runs", "events", "security_findings"))
    assert (runs["started_at"], runs["tokens_input"], runs["cost_usd"], runs["data"]) == (
        "TIMESTAMP WITH TIME ZONE", "BIGINT", "DOUBLE", "JSON")
    assert (events["timestamp"], events["tool_success"], events["tool_duration_ms"]) == (
        "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "BIGINT")
    # The Arrow batch the writer inserts has the table's columns and types, apart from `data` (JSON text).
    for schema, table in ((RUNS, runs), (EVENTS, events), (SECURITY_FINDINGS, findings)):
        for field in schema:
            expected = "JSON" if field.name == "data" else TYPES[str(field.type)]
            assert table[field.name] == expected, field.name
    with duckdb.connect(str(collector.db), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_meta").fetchone()[0] == LATEST_VERSION


def refuse(db):
    return subprocess.run([sys.executable, "-m", "collector", "serve", "--db", str(db), "--http-port", "0"],
                          capture_output=True, text=True, timeout=60)


def test_a_newer_schema_is_refused(collector):
    collector.stop()
    with duckdb.connect(str(collector.db)) as con:
        con.execute("INSERT INTO schema_meta (version) VALUES (999)")
    result = refuse(collector.db)
    assert result.returncode == 1
    assert f"{collector.db} has schema version 999, newer than this collector" in result.stderr


def test_a_foreign_database_is_refused(tmp_path):
    db = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    result = refuse(db)
    assert result.returncode == 1
    assert f"{db} holds tables (orders) but no agent-collector schema_meta" in result.stderr


def test_an_older_file_is_upgraded_once(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        assert migrate(con, str(db)) == LATEST_VERSION
        con.execute("INSERT INTO runs (run_id, source, status, started_at, data) "
                    "VALUES ('kept', 'agentd', 'completed', now(), '{}')")
    later = (LATEST_VERSION + 1, "later", ["ALTER TABLE runs ADD COLUMN later_column BIGINT NOT NULL DEFAULT 0"])
    for _ in range(2):  # the second open finds nothing to do
        with duckdb.connect(str(db)) as con:
            assert migrate(con, str(db), [*MIGRATIONS, later]) == LATEST_VERSION + 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT run_id, later_column FROM runs").fetchall() == [("kept", 0)]
        assert con.execute("SELECT list(version ORDER BY version) FROM schema_meta").fetchone()[0] == [
            *range(1, LATEST_VERSION + 2)]


def test_events_of_a_version_2_file_learn_their_run_on_upgrade(tmp_path):
    db = tmp_path / "v2.duckdb"
    with duckdb.connect(str(db)) as con:
        assert migrate(con, str(db), MIGRATIONS[:2]) == 2
        con.execute("INSERT INTO runs (run_id, source, agent_id, session_id, status, started_at, data) "
                    "VALUES ('r1', 'agentd', 'a1', 's1', 'completed', now(), '{}')")
        con.execute("INSERT INTO events (event_id, run_id, source, type, timestamp, tool_duration_ms, tool_success, "
                    "data) VALUES ('e1', 'r1', 'agentd', 'tool_result', now(), 134, false, '{}')")
        assert migrate(con, str(db)) == LATEST_VERSION
        assert con.execute("SELECT agent_id, session_id, level, duration_ms FROM events").fetchall() == [
            ("a1", "s1", "ERROR", 134.0)]
        assert con.execute("SELECT framework, provider FROM runs").fetchall() == [("claude-agent-sdk", "anthropic")]
