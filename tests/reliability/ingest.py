"""Every ingest path as a function from a uid to one valid, acknowledgeable case and the rows it must leave."""

from __future__ import annotations

import json
from collections.abc import Callable

from google.protobuf.message import Message

from collector.contract import runs_pb2
from tests.reliability import payloads
from tests.reliability.cases import JSON, PROTOBUF, Case, Lookup, grpc, http

TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
LOGS_EXPORT = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
METRICS_EXPORT = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
EXPORT_RUNS = "/agent_collector.v1.RunService/ExportRuns"
EXPORT_EVENTS = "/agent_collector.v1.RunService/ExportEvents"


def run_rows(run_id: str) -> tuple[Lookup, ...]:
    return (("runs", "run_id", run_id),)


def span_rows(uid: str) -> tuple[Lookup, ...]:
    return ("spans", "span_id", payloads.hex_id(uid, 8)), *run_rows(payloads.span_run_id(uid))


def log_rows(uid: str) -> tuple[Lookup, ...]:
    return (("logs", "trace_id", payloads.hex_id(uid, 16)),)


def metric_rows(uid: str) -> tuple[Lookup, ...]:
    return (("metrics", "name", f"reliability.{uid}"),)


def telemetry_rows(uid: str) -> tuple[Lookup, ...]:
    trace = payloads.hex_id(uid, 16)
    return ("events", "run_id", trace), *run_rows(trace)


def legacy_rows(uid: str) -> tuple[Lookup, ...]:
    run_id = payloads.legacy_run_id(uid)
    return ("events", "run_id", run_id), *run_rows(run_id)


# The three OTLP signals: (name, gRPC method, HTTP path, uid -> request, uid -> rows).
SIGNALS: tuple[tuple[str, str, str, Callable[[str], Message], Callable[[str], tuple[Lookup, ...]]], ...] = (
    ("traces", TRACE_EXPORT, "/v1/traces", lambda uid: payloads.traces(payloads.agent_span(uid)), span_rows),
    ("logs", LOGS_EXPORT, "/v1/logs", lambda uid: payloads.logs(payloads.log_record(uid)), log_rows),
    ("metrics", METRICS_EXPORT, "/v1/metrics", lambda uid: payloads.metrics(payloads.gauge(uid)), metric_rows),
)


def _otlp_kinds() -> dict[str, Callable[[str], Case]]:
    kinds: dict[str, Callable[[str], Case]] = {}
    for signal, method, path, request, rows in SIGNALS:
        def over_grpc(uid: str, method=method, request=request, rows=rows, signal=signal) -> Case:
            return grpc(f"OTLP/gRPC {signal} {uid}", method, request(uid).SerializeToString(), lookups=rows(uid))

        def over_protobuf(uid: str, path=path, request=request, rows=rows, signal=signal) -> Case:
            return http(f"OTLP/HTTP protobuf {signal} {uid}", f"POST {path}", request(uid).SerializeToString(),
                        PROTOBUF, lookups=rows(uid))

        def over_json(uid: str, path=path, request=request, rows=rows, signal=signal) -> Case:
            body = json.dumps(payloads.otlp_document(request(uid))).encode()
            return http(f"OTLP/HTTP JSON {signal} {uid}", f"POST {path}", body, JSON, lookups=rows(uid))

        kinds |= {f"OTLP/gRPC {signal}": over_grpc, f"OTLP/HTTP protobuf {signal}": over_protobuf,
                  f"OTLP/HTTP JSON {signal}": over_json}
    return kinds


def _rest(name: str, path: str, document: object, lookups: tuple[Lookup, ...]) -> Case:
    return http(name, f"POST {path}", json.dumps(document).encode(), lookups=lookups)


def _agentmetrics_batch(uid: str) -> Case:
    uids = [f"{uid}b{i}" for i in range(3)]
    return _rest(f"agentmetrics batch {uid}", "/v1/events/batch", {"events": [payloads.agent_end(u) for u in uids]},
                 tuple(row for u in uids for row in run_rows(u)))


KINDS: dict[str, Callable[[str], Case]] = {
    **_otlp_kinds(),
    "AgentD POST /v1/runs": lambda uid: _rest(f"AgentD run {uid}", "/v1/runs", payloads.agentd_run(uid),
                                              run_rows(uid)),
    "AgentD streamed event": lambda uid: _rest(f"AgentD event {uid}", f"/v1/runs/{uid}/events",
                                               payloads.agentd_event(uid), (("events", "event_id", uid),)),
    "RunService ExportRuns": lambda uid: grpc(
        f"RunService run {uid}", EXPORT_RUNS,
        runs_pb2.ExportRunsRequest(runs=[payloads.run_message(uid)]).SerializeToString(), lookups=run_rows(uid)),
    "RunService ExportEvents": lambda uid: grpc(
        f"RunService event {uid}", EXPORT_EVENTS,
        runs_pb2.ExportEventsRequest(events=[payloads.event_entry(uid, uid)]).SerializeToString(),
        lookups=(("events", "event_id", uid),)),
    "agentmetrics /v1/events": lambda uid: _rest(f"agentmetrics event {uid}", "/v1/events",
                                                 payloads.agent_end(uid), run_rows(uid)),
    "agentmetrics /v1/events/batch": _agentmetrics_batch,
    "Cylestio /v1/telemetry": lambda uid: _rest(f"Cylestio event {uid}", "/v1/telemetry", payloads.telemetry(uid),
                                                telemetry_rows(uid)),
    "Cylestio /v1/telemetry/batch": lambda uid: _rest(f"Cylestio batch {uid}", "/v1/telemetry/batch",
                                                      {"events": [payloads.telemetry(uid)]}, telemetry_rows(uid)),
    "Cylestio /api/v1/telemetry": lambda uid: _rest(f"Cylestio 0.1.4 event {uid}", "/api/v1/telemetry",
                                                    payloads.legacy(uid), legacy_rows(uid)),
    "Cylestio /api/v1/telemetry/batch": lambda uid: _rest(f"Cylestio 0.1.4 batch {uid}", "/api/v1/telemetry/batch",
                                                          [payloads.legacy(uid)], legacy_rows(uid)),
}
