"""API keys: off by default; when set, every route but /health needs one, by Bearer or X-API-Key."""

from __future__ import annotations

from google.rpc.status_pb2 import Status

from tests.conftest import captured_requests

RUN = next(r["body"] for r in captured_requests("agentd_cap.jsonl") if r["path"] == "/v1/runs")
ROUTES = ["/v1/runs", "/v1/agents", "/v1/stats", "/v1/tools", "/v1/capabilities", f"/v1/runs/{RUN['run_id']}/events",
          "/docs", "/openapi.json"]


def test_auth_is_off_by_default(collector):
    http = collector.client()
    assert http.post("/v1/runs", json=RUN).status_code == 202
    for route in ROUTES:
        assert http.get(route).status_code == 200, route
    assert http.get("/v1/capabilities").json()["features"]["authentication"] is False


def test_keys_are_required_everywhere_but_health(start_collector):
    collector = start_collector("--api-key", "first-key", "--api-key", "second-key")
    http = collector.client()
    refused = [http.get(route) for route in ROUTES] + [http.post("/v1/runs", json=RUN),
                                                      http.delete(f"/v1/runs/{RUN['run_id']}")]
    for response in refused:
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid or missing API key"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
    for wrong in ({"Authorization": "Bearer nope"}, {"X-API-Key": "first-ke"}, {"Authorization": "Basic first-key"},
                  {"Authorization": "Bearer"}):
        assert http.get("/v1/stats", headers=wrong).status_code == 401, wrong
    assert http.get("/health").json()["status"] == "healthy"

    assert http.post("/v1/runs", json=RUN, headers={"Authorization": "Bearer first-key"}).status_code == 202
    assert http.get("/v1/stats", headers={"X-API-Key": "second-key"}).json()["total_runs"] == 1
    assert http.get("/v1/stats", headers={"authorization": "bearer second-key"}).json()["total_runs"] == 1
    assert http.get("/v1/capabilities", headers={"X-API-Key": "first-key"}).json()["features"]["authentication"] is True


def test_refused_before_the_body_is_read(start_collector):
    collector = start_collector("--api-key", "k", "--max-body-bytes", "1024")
    response = collector.client().post("/v1/runs", content=b"x" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_keys_from_the_environment(start_collector):
    collector = start_collector(env={"AGENT_COLLECTOR_API_KEY": "env-one, env-two"})
    http = collector.client()
    assert http.get("/v1/stats").status_code == 401
    assert http.get("/v1/stats", headers={"X-API-Key": "env-two"}).status_code == 200


def test_otlp_paths_are_refused_with_a_google_rpc_status(start_collector):
    collector = start_collector("--api-key", "k")
    response = collector.client().post("/v1/traces", content=b"", headers={"Content-Type": "application/x-protobuf"})
    assert (response.status_code, response.headers["content-type"]) == (401, "application/x-protobuf")
    assert Status.FromString(response.content).message == "Invalid or missing API key"
