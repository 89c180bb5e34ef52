"""The protobuf contract: its generated code is current, it mirrors the AgentD records, RunService stores as REST."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from analytics import runs
from collector.app import create_app
from collector.config import Config
from collector.contract import runs_pb2, runs_pb2_grpc
from collector.instants import format_instant, parse_instant
from collector.receivers import agentd, received
from collector.receivers.run_service import add_to_server
from collector.receivers.workers import Workers
from collector.store import Store
from collector.writer import Writer
from tests.conftest import captured_requests

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "collector" / "contract"
CAPTURE = captured_requests("agentd_cap.jsonl")
RUN = next(r["body"] for r in CAPTURE if r["path"] == "/v1/runs")
STREAMED = [r for r in CAPTURE if r["path"].endswith("/events")]


def test_generated_code_matches_the_proto(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "proto" / "generate.py"), str(tmp_path)], check=True)
    fresh = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_bytes() for path in CONTRACT.iterdir() if path.is_file()}
    stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
    used = re.search(rb"grpcio-tools (\S+);", committed["__init__.py"]).group(1).decode()
    installed = metadata.version("grpcio-tools")
    why = "" if used == installed else f" (or install grpcio-tools=={used}, which made them, not {installed})"
    assert not stale, f"collector/contract/{{{','.join(stale)}}} differ from proto/: run python proto/generate.py{why}"


@pytest.mark.parametrize(("message", "model"), [
    (runs_pb2.Run, agentd.AgentRun), (runs_pb2.RunEvent, agentd.RunEvent), (runs_pb2.TokenUsage, agentd.TokenUsage),
    (runs_pb2.ErrorInfo, agentd.ErrorInfo), (runs_pb2.ToolCallSummary, agentd.ToolCallSummary),
])
def test_messages_mirror_the_agentd_records_field_by_field(message, model):
    assert [field.name for field in message.DESCRIPTOR.fields] == list(model.model_fields)


@pytest.mark.parametrize(("enum", "prefix", "strings"), [
    (runs_pb2.RunStatus, "RUN_STATUS_", agentd.RunStatus), (runs_pb2.EventType, "EVENT_TYPE_", agentd.EventType),
])
def test_enums_name_the_receivers_strings(enum, prefix, strings):
    assert enum.keys() == [f"{prefix}UNSPECIFIED"] + [f"{prefix}{value.upper()}" for value in strings]


def _proto_json(body: dict) -> dict:
    """The AgentD JSON record in protobuf's JSON mapping: enum names and RFC 3339 timestamps."""
    record = copy.deepcopy(body)
    for key in ("started_at", "finished_at", "timestamp"):
        if key in record:
            record[key] = format_instant(parse_instant(record[key]))
    if "status" in record:
        record["status"] = f"RUN_STATUS_{record['status'].upper()}"
    if "type" in record:
        record["type"] = f"EVENT_TYPE_{record['type'].upper()}"
    if "events" in record:
        record["events"] = [_proto_json(event) for event in record["events"]]
    return record


def run_message(body: dict) -> runs_pb2.Run:
    return json_format.ParseDict(_proto_json(body), runs_pb2.Run())


def event_entry(run_id: str, body: dict) -> runs_pb2.RunEventEntry:
    return runs_pb2.RunEventEntry(run_id=run_id, event=json_format.ParseDict(_proto_json(body), runs_pb2.RunEvent()))


@pytest.fixture
def open_store(tmp_path):
    """Factory: a store on a temporary DuckDB file and its writer, both closed after the test."""
    opened: list[tuple[Store, Writer]] = []

    def open_store(name: str) -> tuple[Store, Writer]:
        store = Store(tmp_path / f"{name}.duckdb")
        opened.append((store, Writer(store, max_queued_rows=10_000, decode=received.decode)))
        return opened[-1]

    yield open_store
    for store, writer in opened:
        writer.close()
        store.close()


async def _export(writer: Writer, method: str, request):
    server = grpc.aio.server()
    add_to_server(server, writer)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            if isinstance(request, bytes):
                return await channel.unary_unary(f"/agent_collector.v1.RunService/{method}")(request)
            return await getattr(runs_pb2_grpc.RunServiceStub(channel), method)(request)
    finally:
        await server.stop(None)


def export(writer: Writer, method: str, request):
    """Call RunService.`method` on an in-process gRPC server holding only RunService; a request given as bytes is
    sent as it is."""
    return asyncio.run(_export(writer, method, request))


def post(writer: Writer, store: Store, requests: list[tuple[str, dict]]) -> None:
    """POST each (path, body) to the AgentD receiver routes, as the SDK does."""
    workers = Workers(1, ())
    try:
        client = TestClient(create_app(Config(), store, workers, writer))
        for path, body in requests:
            assert client.post(path, content=json.dumps(body)).status_code == 202
    finally:
        workers.close()


def test_export_runs_stores_what_post_v1_runs_stores(open_store):
    rest_store, rest_writer = open_store("rest")
    post(rest_writer, rest_store, [("/v1/runs", RUN)])
    store, writer = open_store("grpc")

    assert export(writer, "ExportRuns", runs_pb2.ExportRunsRequest(runs=[run_message(RUN)])).accepted_runs == 1

    with store.read() as con, rest_store.read() as rest:
        stored = runs.get_run(con, RUN["run_id"])
        assert stored == runs.get_run(rest, RUN["run_id"])
        assert (runs.stats(con), runs.tools(con), runs.agents(con)) == (runs.stats(rest), runs.tools(rest),
                                                                          runs.agents(rest))
    assert stored["tokens"] == {"input": 1500, "output": 320, "cache_read": 100, "cache_write": 0}
    assert (stored["status"], stored["cost_usd"], stored["num_turns"]) == ("completed", 0.0123, 3)
    assert stored["started_at"] == "2026-11-22T22:58:29.978815Z"
    assert stored["finished_at"] == "2026-11-22T22:58:30.113728Z"
    assert stored["tool_calls"] == RUN["tool_calls"]
    assert [event["type"] for event in stored["events"]] == [event["type"] for event in RUN["events"]]
    assert stored["events"][3]["tool_input"] == {"query": "ai agents"}
    assert json.dumps(stored["metadata"]) == '{"env": "test", "ticket": 7}'


def test_export_events_stores_what_post_v1_runs_events_stores(open_store):
    rest_store, rest_writer = open_store("rest")
    post(rest_writer, rest_store, [(request["path"], request["body"]) for request in STREAMED])
    store, writer = open_store("grpc")
    entries = [event_entry(request["path"].split("/")[3], request["body"]) for request in STREAMED]

    assert export(writer, "ExportEvents", runs_pb2.ExportEventsRequest(events=entries)).accepted_events == 16

    run_ids = {entry.run_id for entry in entries}
    with store.read() as con, rest_store.read() as rest:
        for run_id in run_ids:
            assert runs.run_events(con, run_id) == runs.run_events(rest, run_id)
            assert len(runs.run_events(con, run_id)) == 8


def _run(mutate) -> runs_pb2.Run:
    run = run_message({**RUN, "run_id": "bad"})
    mutate(run)
    return run


def _entry(mutate) -> runs_pb2.RunEventEntry:
    entry = event_entry(RUN["run_id"], RUN["events"][0])
    mutate(entry)
    return entry


INVALID = [
    ("ExportRuns", _run(lambda r: setattr(r.tokens, "input", -1)),
     "runs[1].tokens.input: Input should be greater than or equal to 0"),
    ("ExportRuns", _run(lambda r: r.ClearField("started_at")), "runs[1].started_at: Field required"),
    ("ExportRuns", _run(lambda r: setattr(r, "cost_usd", float("nan"))), "runs[1].cost_usd: Input should be a finite"),
    ("ExportRuns", _run(lambda r: setattr(r, "status", 99)), "runs[1].status: Input should be 'running', 'completed'"),
    ("ExportRuns", _run(lambda r: setattr(r.events[3], "type", runs_pb2.EVENT_TYPE_UNSPECIFIED)),
     "runs[1].events[3].type: Field required"),
    ("ExportRuns", _run(lambda r: setattr(r.events[2].timestamp, "seconds", 10**13)),
     "runs[1]: Failed to serialize timestamp field: Timestamp is not valid"),
    ("ExportRuns", _run(lambda r: r.metadata.update({"score": float("inf")})),
     "runs[1]: Failed to serialize metadata field"),
    ("ExportRuns", _run(lambda r: setattr(r, "run_id", "")), "runs[1].run_id: String should have at least 1 character"),
    ("ExportRuns", _run(lambda r: setattr(r, "cost_usd", 1e308)),
     "runs[1].cost_usd: Input should be less than or equal to 1000000000"),
    ("ExportEvents", _entry(lambda e: e.ClearField("event")), "events[1].event: Field required"),
    ("ExportEvents", _entry(lambda e: setattr(e, "run_id", "")), "events[1].run_id: must not be empty"),
]


@pytest.mark.parametrize(("method", "invalid", "message"), INVALID)
def test_invalid_record_refuses_the_whole_call_naming_the_field(open_store, method, invalid, message):
    store, writer = open_store("grpc")
    valid = run_message(RUN) if method == "ExportRuns" else event_entry(RUN["run_id"], RUN["events"][1])
    request = (runs_pb2.ExportRunsRequest(runs=[valid, invalid]) if method == "ExportRuns"
               else runs_pb2.ExportEventsRequest(events=[valid, invalid]))

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        export(writer, method, request)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith(message)
    with store.read() as con:
        assert (runs.get_run(con, RUN["run_id"]), runs.run_events(con, RUN["run_id"])) == (None, [])


@pytest.mark.parametrize("method", ["ExportRuns", "ExportEvents"])
def test_an_undecodable_message_is_invalid_argument(open_store, method):
    """As on the OTLP services: grpc's own deserializer answered UNKNOWN with the Python exception's class."""
    _, writer = open_store("grpc")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        export(writer, method, b"\xff\xff\xff\xff garbage")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith(f"request is not a valid protobuf {method}Request")


def test_a_stopping_writer_answers_unavailable_with_retry_info(open_store):
    _, writer = open_store("grpc")
    writer.close()

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        export(writer, "ExportRuns", runs_pb2.ExportRunsRequest(runs=[run_message(RUN)]))

    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert refused.value.details() == "the collector is shutting down; retry later"
    details = dict(refused.value.trailing_metadata())["grpc-status-details-bin"]
    retry_info = error_details_pb2.RetryInfo()
    assert status_pb2.Status.FromString(details).details[0].Unpack(retry_info)
    assert retry_info.retry_delay.seconds == 1


def test_run_service_is_served_on_the_grpc_port_behind_the_api_key(start_collector):
    collector = start_collector("--api-key", "k")
    with grpc.insecure_channel(collector.grpc_target) as channel:
        stub = runs_pb2_grpc.RunServiceStub(channel)
        request = runs_pb2.ExportRunsRequest(runs=[run_message(RUN)])
        with pytest.raises(grpc.RpcError) as refused:
            stub.ExportRuns(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert stub.ExportRuns(request, metadata=[("x-api-key", "k")], timeout=10).accepted_runs == 1
    stored = collector.client(headers={"X-API-Key": "k"}).get(f"/v1/runs/{RUN['run_id']}").json()
    assert (stored["tokens"]["input"], stored["cost_usd"], len(stored["events"])) == (1500, 0.0123, 10)
