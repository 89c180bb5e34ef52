"""event_counts.run_key (schema/006_event_counts_run_key.sql), by which a page of runs finds when its events lie: the
first 64 bits of the run id's MD5, back-filled when a file is upgraded and kept by the writer."""

from __future__ import annotations

import hashlib

import duckdb

from analytics import runs
from analytics.schema import LATEST_VERSION, migrate
from analytics.sql import MIGRATIONS
from tests.conftest import captured_requests


def key(run_id: str) -> int:
    return int(hashlib.md5(run_id.encode()).hexdigest()[:16], 16)


def test_a_version_5_file_gets_run_keys_on_upgrade(tmp_path):
    db = tmp_path / "v5.duckdb"
    with duckdb.connect(str(db)) as con:
        assert migrate(con, str(db), MIGRATIONS[:5]) == 5
        con.execute("INSERT INTO events (event_id, run_id, source, type, timestamp, data) VALUES "
                    "('e1', 'r1', 'agentd', 'run_start', '2026-01-01 10:00:00+00', '{\"event_id\": \"e1\"}'), "
                    "('e2', 'r1', 'agentd', 'run_end', '2026-01-02 10:00:00+00', '{\"event_id\": \"e2\"}')")
        con.execute("INSERT INTO event_counts (run_id, hour, source, events, first_at, last_at) "
                    "SELECT run_id, date_trunc('hour', timestamp), source, 1, timestamp, timestamp FROM events")
        assert migrate(con, str(db)) == LATEST_VERSION
        assert con.execute("SELECT DISTINCT run_id, run_key FROM event_counts").fetchall() == [("r1", key("r1"))]
        assert runs.run_events(con, "r1") == [{"event_id": "e1"}, {"event_id": "e2"}]


def test_the_writer_keeps_run_keys(collector):
    http = collector.client()
    for request in captured_requests("agentd_cap.jsonl"):  # events before and after their run, some twice
        assert http.post(request["path"], json=request["body"]).status_code == 202
    collector.stop()
    with duckdb.connect(str(collector.db), read_only=True) as con:
        rows = con.execute("SELECT run_id, run_key FROM event_counts").fetchall()
    assert rows and rows == [(run_id, key(run_id)) for run_id, _ in rows]
