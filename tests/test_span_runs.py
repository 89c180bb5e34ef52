"""How spans become runs, in-process on a real store and writer: partial traces, sub-agents, errors, bad parents."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from analytics import runs
from collector.receivers.otlp import export_traces
from collector.store import Store
from collector.writer import Writer
from tests.otlp_values import key_values

TRACE = "0af7651916cd43dd8448eb211c80319c"
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in nanoseconds


def span(span_id: str, parent: str | None, start_ms: int, end_ms: int, error: str | None = None, events=(),
         **attributes):
    """A span of TRACE; `error` (a status message, possibly empty) gives it an ERROR status."""
    return Span(trace_id=bytes.fromhex(TRACE), span_id=bytes.fromhex(span_id),
                parent_span_id=bytes.fromhex(parent) if parent else b"", name=span_id,
                start_time_unix_nano=T0 + start_ms * 10**6, end_time_unix_nano=T0 + end_ms * 10**6,
                attributes=key_values({k.replace("__", "."): v for k, v in attributes.items()}),
                status=Status(code=Status.STATUS_CODE_UNSET if error is None else Status.STATUS_CODE_ERROR,
                              message=error or ""),
                events=list(events))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "spans.duckdb")
    writer = Writer(store, 10_000)

    def send(*spans: Span) -> None:
        request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(
            resource={"attributes": key_values({"service.name": "svc"})}, scope_spans=[ScopeSpans(spans=spans)])])
        writer.submit(export_traces(request).batch).result()

    store.send = send
    yield store
    writer.close()
    store.close()


def run_list(store: Store) -> list[dict]:
    with store.read() as con:
        return runs.list_runs(con)["data"]


AGENT = "a000000000000001"
CHAT = dict(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o-mini",
            gen_ai__usage__input_tokens=100, gen_ai__usage__output_tokens=10)


def test_calls_of_an_agent_still_running_wait_for_it(store):
    store.send(span("c000000000000001", AGENT, 1, 2, **CHAT), span("c000000000000002", AGENT, 3, 4, **CHAT))
    assert run_list(store) == []
    store.send(span(AGENT, None, 0, 5, gen_ai__operation__name="invoke_agent", gen_ai__agent__name="planner"))
    (run,) = run_list(store)
    assert (run["run_id"], run["agent_id"], run["tokens"]["input"], len(run["events"])) == (
        f"{TRACE}-{AGENT}", "planner", 200, 2)


def test_a_sub_agents_id_does_not_name_the_run(store):
    store.send(span(AGENT, None, 0, 9, gen_ai__operation__name="invoke_agent", gen_ai__agent__name="planner"),
               span("b000000000000001", AGENT, 1, 8, gen_ai__operation__name="invoke_agent",
                    gen_ai__agent__id="asst_123", gen_ai__agent__name="searcher"),
               span("c000000000000001", "b000000000000001", 2, 3, **CHAT))
    (run,) = run_list(store)
    assert (run["agent_id"], run["tokens"]["input"]) == ("planner", 100)


def test_a_traceloop_llm_span_without_usage_is_still_a_call(store):
    store.send(span(AGENT, None, 0, 9, traceloop__span__kind="workflow", traceloop__entity__name="flow"),
               span("c000000000000001", AGENT, 1, 2, llm__request__type="chat", gen_ai__request__model="gpt-4o"))
    (run,) = run_list(store)
    assert (run["agent_id"], run["model"], [e["type"] for e in run["events"]]) == ("flow", "gpt-4o", ["llm_call"])


def test_a_failure_recorded_as_an_exception_event_names_its_type_and_message(store):
    exception = Span.Event(name="exception", time_unix_nano=T0, attributes=key_values(
        {"exception.type": "TimeoutError", "exception.message": "took too long"}))
    store.send(span(AGENT, None, 0, 9, events=[exception], openinference__span__kind="AGENT"))
    (run,) = run_list(store)
    assert (run["status"], run["error"]) == ("completed", None)  # an exception that was handled
    store.send(span(AGENT, None, 0, 9, error="", events=[exception], openinference__span__kind="AGENT"))
    (run,) = run_list(store)
    assert (run["status"], run["error"]) == (
        "failed", {"type": "TimeoutError", "message": "took too long", "stack": None})


def test_a_parent_cycle_ends_and_makes_no_run(store):
    store.send(span("d000000000000001", "d000000000000002", 0, 1, **CHAT),
               span("d000000000000002", "d000000000000001", 0, 1, **CHAT))
    assert run_list(store) == []
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM spans").fetchone()[0] == 2
