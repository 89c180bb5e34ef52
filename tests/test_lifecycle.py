"""The command: options and variables, one-line refusals, and a clean stop that keeps what was acknowledged."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest

from tests.conftest import captured_requests

RUN = next(r["body"] for r in captured_requests("agentd_cap.jsonl") if r["path"] == "/v1/runs")


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "collector", "serve", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_a_locked_database_is_refused_in_one_line(collector):
    result = serve("--db", str(collector.db), "--http-port", "0")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"database {collector.db} is locked by another process" in line
    assert collector.client().get("/health").status_code == 200


def test_a_taken_port_is_refused_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--db", str(tmp_path / "c.duckdb"), "--http-port", str(port))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line == f"agent-collector: HTTP port 127.0.0.1:{port} is already in use; choose another with --http-port"


@pytest.mark.parametrize("args, env, phrase", [
    (["--http-port", "70000"], {}, "port must be 0..65535"),
    (["--max-body-bytes", "0"], {}, "must be at least 1"),
    ([], {"AGENT_COLLECTOR_HTTP_PORT": "http"}, "AGENT_COLLECTOR_HTTP_PORT='http'"),
    (["--api-key", " "], {}, "argument --api-key: must not be empty"),
    (["--memory-limit", "lots"], {}, "argument --memory-limit: must be a size such as 512MB or 2GiB"),
    ([], {"AGENT_COLLECTOR_MEMORY_LIMIT": "512"}, "AGENT_COLLECTOR_MEMORY_LIMIT='512'"),
])
def test_invalid_settings_are_refused_before_starting(tmp_path, args, env, phrase):
    result = serve("--db", str(tmp_path / "c.duckdb"), *args, env=env)
    assert result.returncode == 2
    assert phrase in result.stderr
    assert not (tmp_path / "c.duckdb").exists()


def test_environment_sets_options_and_flags_win(start_collector, tmp_path):
    collector = start_collector(env={"AGENT_COLLECTOR_DB": str(tmp_path / "ignored.duckdb"),
                                     "AGENT_COLLECTOR_MAX_BODY_BYTES": "2048"})
    assert collector.client().get("/v1/capabilities").json()["limits"]["max_payload_bytes"] == 2048
    assert collector.db.exists() and not (tmp_path / "ignored.duckdb").exists()


def test_help_and_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "collector", "serve", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--db", "--host", "--http-port", "--grpc-port", "--api-key", "--max-body-bytes"):
        assert option in result.stdout


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_under_load_keeps_every_acknowledged_run(start_collector, tmp_path, stop_signal):
    db = tmp_path / "kept.duckdb"
    collector = start_collector(db=db)
    acknowledged: list[str] = []
    stop = threading.Event()

    def post_runs(worker: int) -> None:
        with httpx.Client(base_url=collector.url, timeout=10) as http:
            for n in range(10_000):
                if stop.is_set():
                    return
                run_id = f"w{worker}-{n}"
                try:
                    response = http.post("/v1/runs", json={**RUN, "run_id": run_id})
                except httpx.HTTPError:
                    return
                if response.status_code == 202:
                    acknowledged.append(run_id)

    workers = [threading.Thread(target=post_runs, args=(w,)) for w in range(8)]
    for worker in workers:
        worker.start()
    while len(acknowledged) < 200:
        stop.wait(0.01)
    assert collector.stop(stop_signal) == 0
    stop.set()
    for worker in workers:
        worker.join()
    assert "stopped; every acknowledged batch is committed" in collector.log()

    http = start_collector(db=db).client()
    total = http.get("/v1/runs", params={"limit": 1}).json()["total"]
    stored = {run["run_id"] for offset in range(0, total, 1000)
              for run in http.get("/v1/runs", params={"limit": 1000, "offset": offset}).json()["data"]}
    assert len(acknowledged) >= 200 and stored >= set(acknowledged)
