"""--redact: secrets (and with `all`, personal data) are replaced before the commit, so the raw values appear nowhere
in the DuckDB file, while the placeholders are stored and queryable; without it the values are stored as sent."""

from __future__ import annotations

import asyncio
import json

import agentd
import duckdb
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from collector.batch import Batch
from collector.landing import LandingLog
from collector.security import detectors, pseudonyms, scanner
from tests import test_agentd_sdk as sdk
from tests.conftest import DATA
from tests.test_lifecycle import serve

AWS_KEY = "AKIAQ3EGRTZ5LXKWM2PB"
OPENAI_KEY = "sk-proj-Zq4Lr8TnV2xW6yB1cD5eF9gH3jK7mN0pQ4sT8uV2wX6yZ1aB5cD9eF3gH7jK"
KEY_BODY = "MIIEpAIBAAKCAQEAwJ8Qx3yT5bN2mK9vL4pR7sW1zC6dF0gH8jE3aB5nM2qV7tY4"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\nu3Xw9ZpL2kJ8hG5fD1sA6qW0eR4tY7uI3oP9lK2jH5gF8dS1aZ4x\n" \
              "-----END RSA PRIVATE KEY-----"
EMAIL = "jane.doe@acme-mail.com"
SECRETS = (AWS_KEY, OPENAI_KEY, KEY_BODY)
TRACE_ID = "c0ffee00c0ffee00c0ffee00c0ffee00"
RUN = next(json.loads(line)["body"] for line in (DATA / "agentd_cap.jsonl").read_text().splitlines()
           if json.loads(line)["path"] == "/v1/runs")


def sdk_run() -> dict:
    """A run as the AgentD SDK posts it (captured)."""
    return json.loads(json.dumps(RUN))


TABLES_WITH_JSON = {"runs": "data", "events": "data", "security_findings": "data", "spans": "attributes"}


async def _conversation():
    yield sdk.SystemMessage("init", {"model": sdk.MODEL})
    yield sdk.AssistantMessage([sdk.ToolUseBlock("toolu_1", "Write", {"path": "id_rsa", "content": PRIVATE_KEY})])
    yield sdk.UserMessage([sdk.ToolResultBlock("toolu_1", "written")])
    yield sdk.AssistantMessage([sdk.TextBlock(f"Saved. Your AWS key {AWS_KEY} is in the config too.")])
    yield sdk.ResultMessage("Done.", sdk.Usage(100, 20, 0, 0))


async def _agentd(url: str) -> None:
    agentd.configure(endpoint_url=url, agent_id="keeper", include_prompt=True)
    try:
        # The session id, an id like any other, holds an e-mail address.
        async for _ in agentd.tracked_query(_conversation(), agent_id="keeper", session_id=EMAIL,
                                            prompt=f"Deploy with {OPENAI_KEY} and mail {EMAIL}"):
            pass
    finally:
        await agentd.close_session()


def _otlp(url: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces")))
    tracer = provider.get_tracer("tests.redaction")
    messages = [{"role": "user", "parts": [{"type": "text", "content": f"key {AWS_KEY}, mail {EMAIL}"}]}]
    with tracer.start_as_current_span("invoke_agent", attributes={"gen_ai.operation.name": "invoke_agent",
                                                                  "gen_ai.agent.name": "otlp-agent"}), \
         tracer.start_as_current_span("chat", attributes={"gen_ai.operation.name": "chat",
                                                          "gen_ai.input.messages": json.dumps(messages)}), \
         tracer.start_as_current_span("execute_tool", attributes={"gen_ai.operation.name": "execute_tool",
                                                                  "gen_ai.tool.name": "write_file",
                                                                  "gen_ai.tool.call.arguments": json.dumps(
                                                                      {"content": PRIVATE_KEY})}):
        pass
    provider.shutdown()


def _cylestio(http) -> None:
    attributes = {"session.id": "s1", "llm.request.data": {"messages": [
        {"role": "user", "content": f"use {OPENAI_KEY}, reply to {EMAIL}"}]}}
    event = {"schema_version": "1.0", "timestamp": "2026-11-22T23:03:16Z", "trace_id": TRACE_ID,
             "name": "llm.call.start", "level": "INFO", "agent_id": "cyl-agent", "attributes": attributes}
    assert http.post("/v1/telemetry", json=event).status_code == 201
    legacy = {"timestamp": "2026-11-22T23:05:19", "agent_id": "cyl-legacy", "event_type": "LLM_call_finish",
              "data": {"response": {"content": [{"type": "text", "text": f"The key is {AWS_KEY}"}]}}}
    assert http.post("/api/v1/telemetry/", json=legacy).status_code == 202


def _agentmetrics(http) -> None:
    # A batch is redacted in a worker process (collector/receivers/workers.py), not in the server's.
    event = {"trace_id": "t-redact", "agent_id": "am-agent", "status": "failed",
             "metadata": {"note": f"rotate {AWS_KEY}", "owner": EMAIL}}
    assert http.post("/v1/events/batch", json={"events": [event]}).status_code == 201


def send_everything(collector) -> None:
    """A secret and an e-mail address through OTLP, AgentD, an agentmetrics batch and both Cylestio formats; every
    answer is a 2xx."""
    _otlp(collector.url)
    asyncio.run(_agentd(collector.url))
    _cylestio(collector.client())
    _agentmetrics(collector.client())


def stored_bytes(collector) -> bytes:
    """Everything on disk once the collector stopped: the database file, its write-ahead log and the landing log."""
    assert collector.stop() == 0
    wal = collector.db.with_name(collector.db.name + ".wal")
    landed = b"".join(path.read_bytes() for path in LandingLog(collector.db).segments())
    assert landed  # the segment being written stays
    return collector.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"") + landed


def query(collector, sql: str) -> list[tuple]:
    with duckdb.connect(str(collector.db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_redact_secrets_keeps_them_out_of_the_file(start_collector):
    collector = start_collector("--redact", "secrets")
    send_everything(collector)
    http = collector.client()
    (run,) = http.get("/v1/runs", params={"agent_id": "keeper"}).json()["data"]
    assert run["prompt"] == f"Deploy with [REDACTED:openai_api_key] and mail {EMAIL}"
    assert run["session_id"] == EMAIL  # personal data stays: only secrets were asked for
    (tool_call,) = [e for e in run["events"] if e["type"] == "tool_call"]
    assert tool_call["tool_input"] == {"path": "id_rsa", "content": "[REDACTED:private_key]"}
    # The secrets were found before they were replaced; findings show no more of them than their excerpts mask.
    found = http.get("/v1/security/findings", params={"category": "secret", "limit": 100}).json()["data"]
    assert sorted({f["rule"] for f in found}) == ["aws_access_key_id", "openai_api_key", "private_key"]
    assert {f["source"] for f in found} == {"agentd", "agentmetrics", "cylestio", "otlp"}

    data = stored_bytes(collector)
    assert [secret for secret in SECRETS if secret.encode() in data] == []
    assert EMAIL.encode() in data  # what the grep finds when a value is stored
    for table, column in TABLES_WITH_JSON.items():
        assert query(collector, f"SELECT count(*) FROM {table} WHERE NOT json_valid({column})") == [(0,)], table
    assert query(collector, "SELECT count(*) FROM spans WHERE attributes::VARCHAR LIKE "
                            "'%[REDACTED:aws_access_key_id]%'") == [(1,)]
    assert query(collector, "SELECT count(*) FROM events WHERE source = 'cylestio' AND data::VARCHAR LIKE "
                            "'%[REDACTED:%'") == [(2,)]
    assert query(collector, "SELECT data->>'$.metadata.note' FROM runs WHERE source = 'agentmetrics'") == [
        ("rotate [REDACTED:aws_access_key_id]",)]


def test_redact_all_takes_personal_data_and_renames_the_ids_that_hold_it(start_collector):
    collector = start_collector(env={"AGENT_COLLECTOR_REDACT": "secrets, pii"})
    send_everything(collector)
    http = collector.client()
    (run,) = http.get("/v1/runs", params={"agent_id": "keeper"}).json()["data"]
    # The session id is an id: renamed as a whole, the same way every time, so the session still groups its runs.
    assert (run["prompt"], run["session_id"]) == (
        "Deploy with [REDACTED:openai_api_key] and mail [REDACTED:email]", pseudonyms.derived(EMAIL))
    pii = http.get("/v1/security/findings", params={"category": "pii", "limit": 100}).json()["data"]
    assert sorted((f["source"], f["rule"]) for f in pii) == [("agentd", "email"), ("agentmetrics", "email"),
                                                              ("cylestio", "email"), ("otlp", "email")]
    # A filter takes the id as the client knows it.
    (agentd_pii,) = http.get("/v1/security/findings", params={"session_id": EMAIL, "category": "pii"}).json()["data"]
    assert (agentd_pii["run_id"], agentd_pii["data"]["count"]) == (run["run_id"], 1)  # the prompt

    data = stored_bytes(collector)
    assert [raw for raw in (*SECRETS, EMAIL) if raw.encode() in data] == []
    for table in ("runs", "events"):
        assert query(collector, f"SELECT DISTINCT session_id FROM {table} WHERE agent_id = 'keeper'") == [
            (pseudonyms.derived(EMAIL),)], table


def test_ids_that_hold_personal_data_stay_distinct_and_findable(start_collector):
    """A placeholder in the id made two runs one ([REDACTED:email]), the 202's run id 404, and findings' ids kept
    the address."""
    collector = start_collector("--redact", "all")
    http = collector.client()
    ids = ["run-alice.smith@example-corp.com", "run-bob.jones@example-corp.com"]
    for run_id in ids:
        body = {**sdk_run(), "run_id": run_id, "prompt": f"mail {EMAIL} with {AWS_KEY}"}
        body["events"] = [{**event, "event_id": f"{run_id}/{event['event_id']}"} for event in body["events"]]
        assert http.post("/v1/runs", json=body).json() == {"status": "accepted", "run_id": run_id}
        assert http.post(f"/v1/runs/{run_id}/events", json={**body["events"][0], "event_id": f"{run_id}/late"}
                         ).status_code == 202
    found = [http.get(f"/v1/runs/{run_id}").json() for run_id in ids]
    assert [run["run_id"] for run in found] == [pseudonyms.derived(run_id) for run_id in ids]
    assert [len(http.get(f"/v1/runs/{run_id}/events").json()) for run_id in ids] == [
        len(sdk_run()["events"]) + 1] * 2
    findings = http.get("/v1/security/findings", params={"run_id": ids[0]}).json()["data"]
    assert {f["rule"] for f in findings} == {"email", "aws_access_key_id"}
    assert http.delete(f"/v1/runs/{ids[1]}").status_code == 204
    assert http.get(f"/v1/runs/{ids[1]}").status_code == 404

    data = stored_bytes(collector)
    assert [raw for raw in ("alice.smith", "bob.jones", "example-corp", EMAIL, AWS_KEY) if raw.encode() in data] == []
    assert query(collector, "SELECT count(*) FROM runs") == [(1,)]


@pytest.mark.parametrize("option", [(), ("--redact", "pii")], ids=["no redaction", "pii only"])
def test_without_redacting_secrets_they_are_stored(start_collector, option):
    collector = start_collector(*option)
    send_everything(collector)
    data = stored_bytes(collector)
    assert [secret for secret in SECRETS if secret.encode() in data] == list(SECRETS)
    assert (EMAIL.encode() in data) is not bool(option)


def test_a_column_is_redacted_as_each_of_its_texts_would_be():
    """Redaction skips the cells where the scan found nothing, and a column whose texts, read together, hold nothing:
    a labelled text between benign ones, as sent and inside JSON, must still come out as redacting it alone does."""
    corpus = [json.loads(line)["text"] for line in (DATA / "security_corpus.jsonl").read_text().splitlines()]
    benign = [text for text in corpus if not detectors.scan(text)][:4]
    for text in corpus:
        for stored in (text, json.dumps({"content": text})):
            column = [*benign[:2], stored, None, *benign[2:]]
            batch = Batch.from_rows(events=[{"event_id": str(i), "type": "llm_call", "data": value}
                                            for i, value in enumerate(column)])
            expected = [value and detectors.redact(value, ("secret", "pii")) for value in column]
            # Redacting on its own, and with the scan that tells it which rows hold a match.
            for scanned in (None, scanner.scan(batch)):
                assert scanner.redact(batch, ("secret", "pii"), scanned).events["data"] == expected, stored


@pytest.mark.parametrize("args, env, phrase", [
    (["--redact", "keys"], {}, "argument --redact: must be one of secrets, pii, all, got 'keys'"),
    ([], {"AGENT_COLLECTOR_REDACT": "secrets,everything"},
     "AGENT_COLLECTOR_REDACT='secrets,everything': must be one of secrets, pii, all, got 'everything'"),
])
def test_unknown_redact_values_are_refused_before_starting(tmp_path, args, env, phrase):
    result = serve("--db", str(tmp_path / "c.duckdb"), *args, env=env)
    assert (result.returncode, phrase in result.stderr) == (2, True), result.stderr
    assert not (tmp_path / "c.duckdb").exists()
