from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server import Collector

DATA = Path(__file__).with_name("data")


@pytest.fixture
def start_collector(tmp_path, request):
    """Factory: start a collector on a temporary database; every one started is stopped after the test."""
    started: list[Collector] = []

    def start(*args: str, db: Path | None = None, env: dict[str, str] | None = None) -> Collector:
        collector = Collector(db or tmp_path / "collector.duckdb", tmp_path / f"collector-{len(started)}.log",
                              *args, env=env)
        started.append(collector)
        return collector.start()

    yield start
    for collector in started:
        collector.stop()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"--- log of collector at {collector.url} ---\n{collector.log()}")


@pytest.fixture
def collector(start_collector) -> Collector:
    return start_collector()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def captured_requests(name: str) -> list[dict]:
    """Requests recorded from a real client: one JSON object per line with method, path, headers and body."""
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def pytest_collection_finish(session):
    """Start building the instrumentation libraries' environments as soon as a test that needs them is collected,
    so the builds run beside the rest of the suite (tests/producer_envs.py; reused when unchanged)."""
    if any(item.path.name == "test_instrumentations.py" for item in session.items):
        from tests import producer_envs

        producer_envs.start_all()
