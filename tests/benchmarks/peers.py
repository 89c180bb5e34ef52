"""The servers the suite compares, each a real process on 127.0.0.1: agent-collector, and the peers users would pick
instead (Arize Phoenix, agentmetrics-server, installed from PyPI, and the original AgentD receiver, from the path
given), each in a virtual environment of its own.

Every server offers the same small interface to the suite: start(), stop() -> exit status, pid, url (and
grpc_target where it speaks OTLP/gRPC), headers (what a client must send, as an API key), and store counts that a
fresh reader finds in its database.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx

from tests.benchmarks.bench_agentd_runs import drive
from tests.benchmarks.common import free_port, uvloop
from tests.server import Collector

# ---------------------------------------------------------------- virtual environments


@dataclass(frozen=True)
class Package:
    name: str                      # on PyPI
    python: tuple[int, int]        # the oldest Python it installs on


PHOENIX = Package("arize-phoenix", (3, 11))
AGENTMETRICS_SERVER = Package("agentmetrics-server", (3, 11))


class Skipped(Exception):
    """A peer that cannot run here; the suite reports why and goes on without it."""


def python_version(python: str) -> tuple[int, int] | None:
    """The version of an interpreter that actually runs (a pyenv shim may exist on PATH and still fail)."""
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    major, minor = out.stdout.split() if out.returncode == 0 else (None, None)
    return (int(major), int(minor)) if major else None


def find_python(package: Package, preferred: str | None) -> str:
    """--peer-python if given; else this interpreter, else the newest python3.X on PATH new enough for the package."""
    candidates = [preferred] if preferred else [sys.executable, *(f"python3.{minor}" for minor in range(14, 10, -1))]
    for python in candidates:
        found = shutil.which(python)
        version = found and python_version(found)
        if version and version >= package.python:
            return found
    raise Skipped(f"{package.name} needs Python >= {'.'.join(map(str, package.python))}; "
                  f"none of {', '.join(candidates)} is one that runs")


def installed_version(venv: Path, package: Package) -> str | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({package.name!r}))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def install(package: Package, cache: Path, preferred_python: str | None) -> tuple[Path, str]:
    """The package's virtual environment under cache, built on first use and reused after; (venv, version)."""
    venv = cache / package.name
    version = installed_version(venv, package)
    if version:
        return venv, version
    python = find_python(package, preferred_python)
    print(f"installing {package.name} into {venv} with {python} ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    log = cache / f"{package.name}.install.log"
    cache.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        steps = [[python, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", package.name]]
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise Skipped(f"installing {package.name} failed; see {log}")
    return venv, installed_version(venv, package) or "?"


def install_receiver(receiver: Path, cache: Path, preferred_python: str | None) -> Path:
    """The original AgentD receiver's virtual environment (its requirements.txt) under cache, reused once built."""
    venv = cache / "agentd-receiver"
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import fastapi, uvicorn"]).returncode == 0:
        return venv
    requirements = receiver.parent / "requirements.txt"
    if not receiver.is_file() or not requirements.is_file():
        raise Skipped(f"no receiver.py with a requirements.txt beside it at {receiver}")
    interpreter = find_python(Package("agentd-receiver", (3, 10)), preferred_python)
    print(f"installing the original receiver's requirements into {venv} ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / "agentd-receiver.install.log"
    with open(log, "w") as out:
        for step in ([interpreter, "-m", "venv", str(venv)],
                     [str(python), "-m", "pip", "install", "-r", str(requirements)]):
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise Skipped(f"installing the receiver's requirements failed; see {log}")
    return venv


# ---------------------------------------------------------------- servers


def wait_until(ready, what: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Skipped(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if ready():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    proc.kill()
    raise Skipped(f"{what} did not start within {timeout:.0f} s; see {log}")


def stop_process(proc: subprocess.Popen, timeout: float = 60.0) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def sqlite_count(db: Path, table: str) -> int:
    """Rows a separate reader sees: SQLite in WAL mode lets it read while the server writes."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


class Ours:
    """agent-collector: acknowledged means committed, so its store is counted once, after it stopped."""

    label = "agent-collector"
    commits_before_ack = True
    headers: dict[str, str] = {}

    def __init__(self, workdir: Path, db: Path | None = None):
        self.db = db or workdir / "collector.duckdb"
        self.collector = Collector(self.db, workdir / "collector.log")

    def start(self) -> Ours:
        self.collector.start(timeout=300)  # a 30 M event database takes a while to open
        self.pid, self.url, self.grpc_target = self.collector.proc.pid, self.collector.url, self.collector.grpc_target
        return self

    def stop(self) -> int:
        return self.collector.stop()

    def count(self, query: str) -> int:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(query).fetchone()[0]

    def spans(self) -> int:
        return self.count("SELECT count(*) FROM spans")

    def agentmetrics_events(self) -> int:
        return self.count("SELECT count(*) FROM runs WHERE source = 'agentmetrics'")

    def agentd_events(self) -> int:
        return self.count("SELECT count(*) FROM events WHERE source = 'agentd'")


class Phoenix:
    """`phoenix serve` on SQLite in a temp working dir. It answers an export before writing it (the spans wait in an
    in-memory queue), so the suite counts its spans table until the count settles."""

    label = "Arize Phoenix"
    commits_before_ack = False
    headers: dict[str, str] = {}

    def __init__(self, workdir: Path, venv: Path):
        self.workdir, self.venv = workdir, venv
        self.db = workdir / "phoenix.db"

    def start(self) -> Phoenix:
        http_port, grpc_port = free_port(), free_port()
        env = {**os.environ, "PHOENIX_WORKING_DIR": str(self.workdir), "PHOENIX_HOST": "127.0.0.1",
               "PHOENIX_PORT": str(http_port), "PHOENIX_GRPC_PORT": str(grpc_port),
               "PHOENIX_TELEMETRY_ENABLED": "false"}
        self.log = self.workdir / "phoenix.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([str(self.venv / "bin" / "phoenix"), "serve"], stdout=out,
                                         stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        self.pid, self.url = self.proc.pid, f"http://127.0.0.1:{http_port}"
        self.grpc_target = f"127.0.0.1:{grpc_port}"
        # The gRPC server starts with the app; once /healthz answers, both listen.
        wait_until(lambda: httpx.get(self.url + "/healthz", timeout=2).status_code == 200, "Phoenix", self.proc,
                   self.log)
        return self

    def stop(self) -> int:
        return stop_process(self.proc)

    def spans(self) -> int:
        return sqlite_count(self.db, "spans")


# agentmetrics-server 0.2.0 limits every API key to 600 events a minute (app/core/rate_limit.py), which would
# measure the limiter, not the server: the suite runs it with that check made a no-op, and says so.
UNLIMITED = "import app.routers.events as events; events.check_rate_limit = lambda *args, **kwargs: 0\n"


class AgentmetricsServer:
    """`agentmetrics-server` on SQLite; it commits a batch before answering 201. HOME is a temp dir because the
    server writes its generated API key to ~/.config/agentmetrics/initial_api_key."""

    label = "agentmetrics-server"
    commits_before_ack = True

    def __init__(self, workdir: Path, venv: Path):
        self.workdir, self.venv = workdir, venv
        self.db = workdir / "agentmetrics.db"

    def start(self) -> AgentmetricsServer:
        port = free_port()
        # DATABASE_URL in the environment too: importing the router (above) opens the database before the CLI
        # would set it.
        env = {**os.environ, "HOME": str(self.workdir), "DATABASE_URL": f"sqlite:///{self.db}"}
        command = [str(self.venv / "bin" / "python"), "-c", UNLIMITED + "from cli import serve; serve()",
                   "--host", "127.0.0.1", "--port", str(port), "--db", f"sqlite:///{self.db}"]
        self.log = self.workdir / "agentmetrics-server.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        self.pid, self.url = self.proc.pid, f"http://127.0.0.1:{port}"
        key_file = self.workdir / ".config" / "agentmetrics" / "initial_api_key"
        wait_until(lambda: key_file.exists() and httpx.get(self.url + "/health", timeout=2).status_code == 200,
                   "agentmetrics-server", self.proc, self.log)
        self.headers = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
        return self

    def stop(self) -> int:
        return stop_process(self.proc)

    def agentmetrics_events(self) -> int:
        return sqlite_count(self.db, "events")


class AgentdReceiver:
    """The original AgentD receiver (FastAPI on SQLite, run as its README says, under uvicorn): it commits a run and
    its events before answering 202."""

    label = "original receiver"
    commits_before_ack = True
    headers: dict[str, str] = {}

    def __init__(self, workdir: Path, venv: Path, receiver: Path):
        self.workdir, self.venv, self.receiver = workdir, venv, receiver
        self.db = workdir / "recv.db"

    def start(self) -> AgentdReceiver:
        port = free_port()
        env = {**os.environ, "AGENTMETRICS_DB_PATH": str(self.db), "ENV": "production"}
        env.pop("AGENTMETRICS_API_KEY", None)
        command = [str(self.venv / "bin" / "python"), "-c",
                   f"import uvicorn, receiver; uvicorn.run(receiver.app, host='127.0.0.1', port={port}, "
                   "log_level='warning')"]
        self.log = self.workdir / "receiver.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                         cwd=self.receiver.parent)
        self.pid, self.url = self.proc.pid, f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(self.url + "/health", timeout=2).status_code == 200, "the original receiver",
                   self.proc, self.log)
        return self

    def stop(self) -> int:
        return stop_process(self.proc)

    def agentd_events(self) -> int:
        return sqlite_count(self.db, "events")


# ---------------------------------------------------------------- the agentmetrics workload

CAPTURE = Path(__file__).resolve().parent.parent / "data" / "am201.jsonl"
EVENTS_PER_BATCH = 20  # the agentmetrics SDK's batch_size: it flushes at 20 events


def agentmetrics_templates() -> list[dict]:
    """The three agent_end events agentmetrics 0.2.0 sent in the captured batch (success, loop, failure)."""
    return json.loads(CAPTURE.read_text().splitlines()[0])["body"]["events"]


def agentmetrics_batch(templates: list[dict], first: int, size: int = EVENTS_PER_BATCH) -> bytes:
    """A batch as the SDK sends it, every id fresh: agentmetrics-server drops an event whose trace_id it has."""
    now_ms = int(time.time() * 1000)
    events = [{**templates[(first + i) % len(templates)], "event_id": str(uuid.uuid4()),
               "trace_id": str(uuid.uuid4()), "ts": now_ms} for i in range(size)]
    return json.dumps({"events": events}).encode()


def agentmetrics_client_main(url: str, headers: dict, count: int, workers: int, seed: int,
                             ready, go, times, results) -> None:
    """One client process of the agentmetrics workload (run_clients' contract): build first, then send."""
    templates = agentmetrics_templates()
    payloads = [agentmetrics_batch(templates, seed + i) for i in range(count)]
    ready.put(len(payloads))
    go.wait()
    factory = uvloop.new_event_loop if uvloop else None
    with asyncio.Runner(loop_factory=factory) as runner:
        # agentmetrics answers 201; the SDK takes 200 as success too.
        results.put(runner.run(drive(url, payloads, {"Content-Type": "application/json", **headers}, workers,
                                     times[0], times[1], path="/v1/events/batch", accepted=(200, 201))))
