"""Valid bodies of every ingest path, from the real clients' captures in tests/data, each made unique by a uid."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1.metrics_pb2 import Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from collector.contract import runs_pb2
from tests import test_contract
from tests.otlp_values import key_values
from tests.test_otlp_transports import otlp_json

DATA = Path(__file__).resolve().parents[1] / "data"
AGENT = "reliability-agent"
# The captures' day, so that every source's rows fall in one window of the query routes.
START_NS = 1_795_388_400_000_000_000


def _bodies(capture: str) -> list[dict[str, Any]]:
    return [json.loads(line)["body"] for line in (DATA / capture).read_text().splitlines() if line.strip()]


RUN = next(body for body in _bodies("agentd_cap.jsonl") if "run_id" in body)
STREAMED = next(body for body in _bodies("agentd_cap.jsonl") if body.get("type") == "tool_result")
AGENT_END = _bodies("am201.jsonl")[0]["events"][0]
TELEMETRY = next(body for body in _bodies("cylmon_cap.jsonl") if body["name"] == "llm.call.finish")
LEGACY = next(body for body in _bodies("cylmon014_cap.jsonl") if body["event_type"] == "LLM_call_finish")


def uid_of(name: str) -> str:
    """A short id that is the same for the same case name on every run."""
    return "r" + hashlib.sha1(name.encode()).hexdigest()[:15]


def hex_id(uid: str, size: int) -> str:
    """`size` bytes of hex derived from the uid: OTLP and Cylestio ids that are unique per item."""
    return hashlib.sha256(uid.encode()).hexdigest()[: 2 * size]


# ---------------------------------------------------------------- REST bodies

def agentd_run(uid: str) -> dict[str, Any]:
    # Event ids are unique across runs too: a re-used event_id would move the event to the newer run.
    events = [{**event, "event_id": f"{uid}:{i}"} for i, event in enumerate(RUN["events"])]
    return {**copy.deepcopy(RUN), "run_id": uid, "agent_id": AGENT, "trace_id": hex_id(uid, 16),
            "span_id": hex_id(uid, 8), "events": events}


def agentd_event(uid: str) -> dict[str, Any]:
    return {**copy.deepcopy(STREAMED), "event_id": uid}


def agent_end(uid: str) -> dict[str, Any]:
    return {**copy.deepcopy(AGENT_END), "event_id": uid, "trace_id": uid, "agent_id": AGENT}


def telemetry(uid: str) -> dict[str, Any]:
    """A cylestio-monitor 0.1.6+ llm.call.finish; its run is its trace."""
    event = copy.deepcopy(TELEMETRY)
    event["attributes"]["session.id"] = uid
    return {**event, "trace_id": hex_id(uid, 16), "span_id": hex_id(uid, 8), "agent_id": AGENT}


def legacy(uid: str) -> dict[str, Any]:
    """A cylestio-monitor 0.1.4 LLM_call_finish; its run is `<agent>:<session>`."""
    return {**copy.deepcopy(LEGACY), "agent_id": AGENT, "session_id": uid}


def legacy_run_id(uid: str) -> str:
    return f"{AGENT}:{uid}"


# ---------------------------------------------------------------- RunService messages

def run_message(uid: str) -> runs_pb2.Run:
    return test_contract.run_message(agentd_run(uid))


def event_entry(run_id: str, uid: str) -> runs_pb2.RunEventEntry:
    return test_contract.event_entry(run_id, agentd_event(uid))


# ---------------------------------------------------------------- OTLP messages

def _resource() -> Resource:
    return Resource(attributes=key_values({"service.name": "reliability"}))


def agent_span(uid: str, **attributes: Any) -> Span:
    """An invoke_agent span of its own trace: one span, one run `<trace_id>-<span_id>`."""
    fields = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT,
              "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 10,
              "gen_ai.usage.output_tokens": 5, **attributes}
    span = Span(trace_id=bytes.fromhex(hex_id(uid, 16)), span_id=bytes.fromhex(hex_id(uid, 8)),
                name="invoke_agent reliability", start_time_unix_nano=START_NS,
                end_time_unix_nano=START_NS + 1_000_000_000, attributes=key_values(fields))
    return span


def with_attribute(span: Span, key: str, value: AnyValue) -> Span:
    """The span with one more attribute given as an AnyValue, for values key_values cannot spell (bytes)."""
    span.attributes.append(KeyValue(key=key, value=value))
    return span


def traces(*spans: Span) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(resource=_resource(),
                                                                   scope_spans=[ScopeSpans(spans=spans)])])


def span_run_id(uid: str) -> str:
    return f"{hex_id(uid, 16)}-{hex_id(uid, 8)}"


def log_record(uid: str) -> LogRecord:
    """One log record, found again by its trace id."""
    return LogRecord(time_unix_nano=START_NS, severity_number=9, severity_text="INFO",
                     body=AnyValue(string_value=f"reliability log {uid}"), trace_id=bytes.fromhex(hex_id(uid, 16)),
                     span_id=bytes.fromhex(hex_id(uid, 8)))


def logs(*records: LogRecord) -> ExportLogsServiceRequest:
    return ExportLogsServiceRequest(resource_logs=[ResourceLogs(resource=_resource(),
                                                                scope_logs=[ScopeLogs(log_records=records)])])


def gauge(uid: str, value: float = 1.0) -> Metric:
    """One gauge point, found again by its metric name."""
    point = NumberDataPoint(time_unix_nano=START_NS, as_double=value)
    return Metric(name=f"reliability.{uid}", unit="1", gauge=Gauge(data_points=[point]))


def metrics(*items: Metric) -> ExportMetricsServiceRequest:
    return ExportMetricsServiceRequest(resource_metrics=[ResourceMetrics(resource=_resource(),
                                                                         scope_metrics=[ScopeMetrics(metrics=items)])])


def otlp_document(message: Message) -> dict[str, Any]:
    """OTLP/JSON as exporters write it: proto3 JSON, but ids in hex."""
    return json.loads(otlp_json(message))
