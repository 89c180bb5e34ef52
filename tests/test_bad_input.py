"""Bad input gets a clear 4xx naming what is wrong, the server stays up, and nothing acknowledged is lost."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from tests.conftest import captured_requests

RUN = next(r["body"] for r in captured_requests("agentd_cap.jsonl") if r["path"] == "/v1/runs")
JSON = {"Content-Type": "application/json"}


def with_changes(**changes):
    # json.dumps writes NaN and Infinity, and keeps "\ud800" as an escape: clients do send such bodies.
    return json.dumps({**RUN, **changes}).encode()


def nested_metadata(depth):
    return with_changes(metadata="NESTED").replace(b'"NESTED"', b'{"a":' * depth + b"1" + b"}" * depth)


def without(field):
    return json.dumps({k: v for k, v in RUN.items() if k != field}).encode()


def with_event_type(kind):
    return json.dumps({**RUN, "events": [{**RUN["events"][0], "type": kind}]}).encode()


# (name, method, path, body, headers, status, where the error points, a phrase the message must contain)
CASES = [
    ("malformed JSON", "POST", "/v1/runs", b'{"run_id": "x",', JSON, 400, None, "not valid JSON"),
    ("empty body", "POST", "/v1/runs", b"", JSON, 400, None, "not valid JSON"),
    ("NaN cost", "POST", "/v1/runs", with_changes(cost_usd=float("nan")), JSON, 422, ["body", "cost_usd"], "finite"),
    ("infinite cost", "POST", "/v1/runs", with_changes(cost_usd=float("inf")), JSON, 422, ["body", "cost_usd"],
     "finite"),
    ("integer beyond BIGINT", "POST", "/v1/runs", with_changes(num_turns=10**30), JSON, 422,
     ["body", "num_turns"], "less than or equal to 9223372036854775807"),
    # Beyond a double's exact integers it was an ArrowInvalid in the writer, a 500.
    ("duration past any real one", "POST", "/v1/runs", with_changes(duration_ms=2**63 - 1), JSON, 422,
     ["body", "duration_ms"], "less than or equal to 1000000000000"),
    ("tool duration past any real one", "POST", "/v1/runs/r1/events",
     json.dumps({**RUN["events"][0], "tool_duration_ms": 2**63 - 1}).encode(), JSON, 422,
     ["body", "tool_duration_ms"], "less than or equal to 1000000000000"),
    # Two of these summed were infinite, and every total answered 500 until the runs were deleted.
    ("cost past any real one", "POST", "/v1/runs", with_changes(cost_usd=1e308), JSON, 422, ["body", "cost_usd"],
     "less than or equal to 1000000000"),
    ("estimated cost past any real one", "POST", "/v1/runs", with_changes(estimated_cost_usd=1e300), JSON, 422,
     ["body", "estimated_cost_usd"], "less than or equal to 1000000000"),
    ("tokens past any real count", "POST", "/v1/runs", with_changes(tokens={"input": 2**63 - 1}), JSON, 422,
     ["body", "tokens", "input"], "less than or equal to 10000000000"),
    ("empty run_id", "POST", "/v1/runs", with_changes(run_id=""), JSON, 422, ["body", "run_id"],
     "at least 1 character"),
    ("empty event_id", "POST", "/v1/runs/r1/events",
     json.dumps({**RUN["events"][0], "event_id": ""}).encode(), JSON, 422, ["body", "event_id"],
     "at least 1 character"),
    ("lone surrogate in a string", "POST", "/v1/runs", with_changes(run_id="\ud800"), JSON, 400, None,
     "not valid JSON"),
    ("nesting past the parser's limit", "POST", "/v1/runs", nested_metadata(500), JSON, 400, None,
     "recursion limit exceeded"),
    ("instant outside the calendar in UTC", "POST", "/v1/runs", with_changes(started_at="0001-01-01T00:00:00+05:00"),
     JSON, 422, ["body", "started_at"], "outside years 1..9999"),
    ("array instead of object", "POST", "/v1/runs", b"[1, 2]", JSON, 422, ["body"], "Input should be an object"),
    ("missing trace_id", "POST", "/v1/runs", without("trace_id"), JSON, 422, ["body", "trace_id"], "Field required"),
    ("missing started_at", "POST", "/v1/runs", without("started_at"), JSON, 422, ["body", "started_at"], "required"),
    ("tokens of wrong type", "POST", "/v1/runs", with_changes(tokens={"input": "lots"}), JSON, 422,
     ["body", "tokens", "input"], "valid integer"),
    ("negative tokens", "POST", "/v1/runs", with_changes(tokens={"input": -5}), JSON, 422,
     ["body", "tokens", "input"], "greater than or equal to 0"),
    ("unknown status", "POST", "/v1/runs", with_changes(status="paused"), JSON, 422, ["body", "status"], "'running'"),
    ("unknown event type", "POST", "/v1/runs", with_event_type("llm_call"), JSON, 422,
     ["body", "events", 0, "type"], "'tool_call'"),
    ("unreadable timestamp", "POST", "/v1/runs", with_changes(started_at="yesterday"), JSON, 422,
     ["body", "started_at"], "not an ISO 8601 timestamp"),
    ("event without event_id", "POST", "/v1/runs/r1/events", b'{"type": "run_start", "timestamp": "2026-01-01"}',
     JSON, 422, ["body", "event_id"], "Field required"),
    ("unsupported encoding", "POST", "/v1/runs", b"x", {**JSON, "Content-Encoding": "br"}, 415, None, "'br'"),
    ("corrupt gzip", "POST", "/v1/runs", b"this is not gzip at all", {**JSON, "Content-Encoding": "gzip"}, 400, None,
     "not valid gzip"),
    ("truncated gzip", "POST", "/v1/runs", gzip.compress(with_changes())[:-12], {**JSON, "Content-Encoding": "gzip"},
     400, None, "truncated gzip"),
    ("unknown status filter", "GET", "/v1/runs?status=paused", None, {}, 422, ["query", "status"], "'completed'"),
    ("limit too large", "GET", "/v1/runs?limit=1001", None, {}, 422, ["query", "limit"], "less than or equal to 1000"),
    ("limit zero", "GET", "/v1/runs?limit=0", None, {}, 422, ["query", "limit"], "greater than or equal to 1"),
    ("negative offset", "GET", "/v1/runs?offset=-1", None, {}, 422, ["query", "offset"], "greater than or equal"),
    # One past BIGINT was DuckDB's ConversionException, a 500.
    *[(f"offset 2^{power} on {path}", "GET", f"{path}?offset={2**power}", None, {}, 422, ["query", "offset"],
       "less than or equal to 9007199254740992")
      for power in (63, 70) for path in ("/v1/runs", "/api/v1/agents", "/api/v1/alerts", "/v1/security/findings",
                                          "/api/v1/events/some-agent/events")],
    ("limit not a number", "GET", "/v1/runs?limit=ten", None, {}, 422, ["query", "limit"], "valid integer"),
    ("unreadable since", "GET", "/v1/stats?since=last-week", None, {}, 422, ["query", "since"], "ISO 8601"),
    ("unreadable since on tools", "GET", "/v1/tools?since=2026-13-45", None, {}, 422, ["query", "since"], "ISO 8601"),
    ("unknown route", "GET", "/v1/nothing", None, {}, 404, None, "Not Found"),
    ("wrong method", "PUT", "/v1/runs", b"{}", JSON, 405, None, "Method Not Allowed"),
]


def test_bad_requests_get_a_clear_4xx_and_lose_nothing(collector):
    http = collector.client()
    assert http.post("/v1/runs", json=RUN).status_code == 202
    failures = []
    for name, method, path, body, headers, status, loc, phrase in CASES:
        response = http.request(method, path, content=body, headers=headers)
        detail = response.json()["detail"]
        message = json.dumps(detail)
        pointed = loc is None or any(error["loc"] == loc for error in detail)
        if response.status_code != status or phrase not in message or not pointed:
            failures.append(f"{name}: {response.status_code} {message}")
    assert failures == []
    assert http.get("/health").json()["status"] == "healthy"
    assert http.get(f"/v1/runs/{RUN['run_id']}").json()["tokens"]["input"] == 1500
    assert http.post("/v1/runs", json={**RUN, "run_id": "after"}).status_code == 202


def test_totals_stay_answerable_at_the_largest_numbers_accepted(collector):
    http = collector.client()
    for n in range(3):
        largest = {"cost_usd": 1e9, "sdk_cost_usd": 1e9, "tokens": dict.fromkeys(
            ("input", "output", "cache_read", "cache_write"), 10**10)}
        assert http.post("/v1/runs", json={**RUN, **largest, "run_id": f"big-{n}"}).status_code == 202
    assert http.get("/v1/stats").json()["total_cost_usd"] == 3e9
    assert http.get("/v1/agents").json()[0]["total_cost_usd"] == 3e9
    for metric in ("total", "average", "by_model"):
        response = http.get(f"/api/v1/metrics/token_usage/{metric}", params={"start_time": "2000-01-01"})
        assert response.status_code == 200, response.text


def test_an_id_with_a_slash_can_be_read_and_deleted(collector):
    """It was stored, then 404 on every route, since a path parameter stopped at the slash."""
    http = collector.client()
    run = {**RUN, "run_id": "team/a/run-1", "agent_id": "team/agent"}
    assert http.post("/v1/runs", json=run).status_code == 202
    assert http.post("/v1/runs/team%2Fa%2Frun-1/events", json={**RUN["events"][0], "event_id": "late"}).json() == {
        "status": "accepted", "run_id": "team/a/run-1"}
    assert http.get("/v1/runs/team%2Fa%2Frun-1").json()["run_id"] == "team/a/run-1"
    assert len(http.get("/v1/runs/team%2Fa%2Frun-1/events").json()) == len(RUN["events"]) + 1
    assert http.get("/api/v1/agents/team%2Fagent").json()["agent_id"] == "team/agent"
    assert http.delete("/v1/runs/team%2Fa%2Frun-1").status_code == 204
    assert http.get("/v1/runs/team%2Fa%2Frun-1").status_code == 404


def test_gzip_and_deflate_bodies_are_accepted(collector):
    http = collector.client()
    plain = with_changes(run_id="gz")
    assert http.post("/v1/runs", content=gzip.compress(plain), headers={**JSON, "Content-Encoding": "gzip"}).json() == {
        "status": "accepted", "run_id": "gz"}
    deflated = zlib.compress(with_changes(run_id="zl"))
    assert http.post("/v1/runs", content=deflated, headers={**JSON, "Content-Encoding": "deflate"}).status_code == 202
    assert http.get("/v1/stats").json()["total_runs"] == 2


def test_body_over_the_cap_is_413(start_collector):
    collector = start_collector("--max-body-bytes", "4096")
    http = collector.client()
    big = with_changes(prompt="x" * 5000)
    response = http.post("/v1/runs", content=big, headers=JSON)
    assert (response.status_code, response.json()) == (413, {"detail": "request body is larger than 4096 bytes"})
    # Compressed it fits the cap on the wire; inflated it does not.
    response = http.post("/v1/runs", content=gzip.compress(big), headers={**JSON, "Content-Encoding": "gzip"})
    assert (response.status_code, response.json()) == (413, {"detail": "request body inflates to more than 4096 bytes"})
    assert http.get("/v1/stats").json()["total_runs"] == 0
    assert http.post("/v1/runs", json=RUN).status_code == 202


def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc peak RSS on this platform")


def test_gzip_bomb_is_refused_without_inflating_it(collector):
    bomb = gzip_of_zeros(1 << 30)
    assert len(bomb) < 2 << 20
    http = collector.client()
    response = http.post("/v1/runs", content=bomb, headers={**JSON, "Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body inflates to more than {64 << 20} bytes"}
    assert peak_rss_mb(collector.proc.pid) < 400
    assert http.get("/health").status_code == 200
