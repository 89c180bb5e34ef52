"""Faults around the store and the listeners: a damaged write-ahead log, a file of another kind, a failed start,
a client that sends its body a byte at a time, readiness, and the docs on a host without internet."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import time
from html.parser import HTMLParser

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.test_lifecycle import RUN, serve

RUNS = 50


def crashed_with_log(start_collector, tmp_path):
    """A database whose last RUNS acknowledged runs are only in its write-ahead log: the collector was killed."""
    collector = start_collector(db=tmp_path / "crashed.duckdb")
    http = collector.client()
    for n in range(RUNS):
        assert http.post("/v1/runs", json={**RUN, "run_id": f"run-{n}"}).status_code == 202
    collector.stop(signal.SIGKILL)
    wal = tmp_path / "crashed.duckdb.wal"
    assert wal.stat().st_size > 10_000
    return collector.db, wal


def kept_copies(wal):
    return sorted(wal.parent.glob(wal.name + ".*"))


def test_a_log_replayed_whole_leaves_no_copy(start_collector, tmp_path):
    db, wal = crashed_with_log(start_collector, tmp_path)
    collector = start_collector(db=db)
    assert collector.client().get("/v1/runs", params={"limit": 1}).json()["total"] == RUNS
    assert kept_copies(wal) == []
    assert "write-ahead log" not in collector.log() and "kept as" not in collector.log()


def test_a_log_whose_header_is_damaged_is_kept_and_said(start_collector, tmp_path):
    """DuckDB drops such a log without a word and truncates it at its next commit: 0 of 50 runs, nothing said."""
    db, wal = crashed_with_log(start_collector, tmp_path)
    damaged = bytes(range(64)) + wal.read_bytes()[64:]
    wal.write_bytes(damaged)
    collector = start_collector(db=db)
    http = collector.client()
    assert http.post("/v1/runs", json={**RUN, "run_id": "after"}).status_code == 202
    (copy,) = kept_copies(wal)
    assert copy.read_bytes() == damaged
    (line,) = [line for line in collector.log().splitlines() if "kept as" in line]
    assert f"{wal} held {len(damaged)} bytes and DuckDB replayed about 0 of them" in line
    assert str(copy) in line and " ERROR " in line


def test_a_log_damaged_inside_is_refused_in_one_line(start_collector, tmp_path):
    db, wal = crashed_with_log(start_collector, tmp_path)
    data = bytearray(wal.read_bytes())
    data[60:64] = bytes(255 - byte for byte in data[60:64])  # inside the first entry: its checksum fails
    wal.write_bytes(bytes(data))
    result = serve("--db", str(db), "--http-port", "0", "--grpc-port", "0")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"agent-collector: cannot open {db}: its write-ahead log {wal} cannot be replayed (")
    assert f"mv {wal} {wal}.bad" in line
    assert wal.read_bytes() == bytes(data) and kept_copies(wal) == []  # nothing touched
    wal.rename(f"{wal}.bad")
    assert start_collector(db=db).client().get("/health").status_code == 200


def test_a_log_without_its_database_is_refused(tmp_path):
    wal = tmp_path / "gone.duckdb.wal"
    wal.write_bytes(b"\x01" * 100)
    result = serve("--db", str(tmp_path / "gone.duckdb"), "--http-port", "0", "--grpc-port", "0")
    assert result.returncode == 1
    assert f"{wal} is the write-ahead log of a database that is not there" in result.stderr
    assert wal.read_bytes() == b"\x01" * 100 and not (tmp_path / "gone.duckdb").exists()


def test_files_of_other_kinds_are_refused_without_asking_the_network(tmp_path):
    with sqlite3.connect(tmp_path / "app.sqlite") as con:
        con.execute("CREATE TABLE t (x)")
    (tmp_path / "notes.txt").write_text("just some notes\n" * 100)
    (tmp_path / "empty.duckdb").write_bytes(b"")
    for name, kind in (("app.sqlite", "a SQLite database"), ("notes.txt", "not a DuckDB database"),
                       ("empty.duckdb", "empty")):
        before = (tmp_path / name).read_bytes()
        result = serve("--db", str(tmp_path / name), "--http-port", "0", "--grpc-port", "0")
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert line == (f"agent-collector: {tmp_path / name} is {kind}; point --db at a new file or one this "
                        "collector created")
        assert (tmp_path / name).read_bytes() == before


def test_a_failed_start_leaves_no_database_behind(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        for flag in ("--http-port", "--grpc-port"):
            result = serve("--db", str(tmp_path / "c.duckdb"), flag, str(taken.getsockname()[1]),
                           *(["--grpc-port", "0"] if flag == "--http-port" else ["--http-port", "0"]))
            assert result.returncode == 1, result.stderr
            assert list(tmp_path.iterdir()) == []


def test_a_body_sent_too_slowly_is_408_and_frees_the_connection(start_collector):
    collector = start_collector("--read-timeout", "1")
    host, port = re.match(r"http://([^:]+):(\d+)", collector.url).groups()
    slow = []
    for _ in range(20):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"run_id\"")
        slow.append(sock)
    started = time.monotonic()
    answers = []
    for sock in slow:
        sock.settimeout(10)
        answer = b""
        while chunk := sock.recv(4096):  # until the server closes it
            answer += chunk
        answers.append(answer)
        sock.close()
    assert time.monotonic() - started < 8
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[0]
    assert b"request body did not arrive within 1 s" in answers[0]
    assert collector.client().post("/v1/runs", json=RUN).status_code == 202


def test_ready_means_every_listener_answers(start_collector):
    """/health was 200 about 1.4 s before the worker processes could take an OTLP export."""
    collector = start_collector()
    started = time.monotonic()
    response = httpx.post(collector.url + "/v1/traces", content=ExportTraceServiceRequest().SerializeToString(),
                          headers={"Content-Type": "application/x-protobuf"}, timeout=10)
    assert response.status_code == 200
    assert time.monotonic() - started < 1.0


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_everything_from_the_collector(collector, page):
    http = collector.client()
    html = http.get(page).text
    parser = _Assets()
    parser.feed(html)
    urls = parser.urls + re.findall(r"url: ?'([^']+)'", html) + re.findall(r'spec-url="([^"]+)"', html)
    assert urls and all(url.startswith("/") for url in urls), urls  # no CDN, nothing from another host
    for url in urls:
        response = http.get(url)
        assert response.status_code == 200 and len(response.content) > 100, url
    assert "javascript" in http.get(next(url for url in urls if url.endswith(".js"))).headers["content-type"]
