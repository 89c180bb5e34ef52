"""A full writer queue answers 503 with Retry-After instead of growing; what was acknowledged is stored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import captured_requests

RUN = next(r["body"] for r in captured_requests("agentd_cap.jsonl") if r["path"] == "/v1/runs")


def test_full_queue_answers_503_and_keeps_what_it_acknowledged(start_collector):
    # One row of room: while a commit runs, any second request finds the queue occupied.
    collector = start_collector("--queue-max-rows", "1")

    def post(n: int) -> tuple[str, httpx.Response]:
        with httpx.Client(base_url=collector.url, timeout=30) as http:
            return f"r{n}", http.post("/v1/runs", json={**RUN, "run_id": f"r{n}"})

    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(post, range(400)))
    accepted = {run_id for run_id, response in answers if response.status_code == 202}
    refused = [response for _, response in answers if response.status_code == 503]
    assert len(accepted) + len(refused) == len(answers)
    assert refused, "no request found the queue full"
    for response in refused:
        assert 1 <= int(response.headers["Retry-After"]) <= 5
        assert response.json()["detail"].startswith("the writer queue is full (")

    http = collector.client()
    stored = http.get("/v1/runs", params={"limit": 1000}).json()
    assert {run["run_id"] for run in stored["data"]} == accepted
    assert http.get("/health").json()["writer_queued_rows"] == 0
