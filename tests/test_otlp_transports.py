"""OTLP over gRPC, HTTP protobuf and HTTP JSON against the real server: real exporters, exact protocol answers."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import grpc
import httpx
import pytest
from google.protobuf import json_format
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status
from grpc_status import rpc_status
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    Histogram,
    HistogramDataPoint,
    Metric,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, LogRecordExportResult, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricExportResult
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
STUBS = {
    "traces": (trace_service_pb2_grpc.TraceServiceStub, ExportTraceServiceResponse),
    "logs": (logs_service_pb2_grpc.LogsServiceStub, ExportLogsServiceResponse),
    "metrics": (metrics_service_pb2_grpc.MetricsServiceStub, ExportMetricsServiceResponse),
}
TRANSPORTS = ["grpc", "http-protobuf", "http-json"]
SMALL_CAP = 65536


def span(trace: int, span_id: int, name: str = "step") -> Span:
    return Span(trace_id=trace.to_bytes(16, "big"), span_id=span_id.to_bytes(8, "big"), name=name,
                start_time_unix_nano=1_790_000_000_000_000_000, end_time_unix_nano=1_790_000_001_000_000_000)


def traces(*spans: Span) -> ExportTraceServiceRequest:
    service = KeyValue(key="service.name", value=AnyValue(string_value="transport-test"))
    resource_spans = ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])
    resource_spans.resource.attributes.append(service)
    return ExportTraceServiceRequest(resource_spans=[resource_spans])


def _hex_ids(node) -> None:
    if isinstance(node, dict):
        for key, item in node.items():
            if key in ("traceId", "spanId", "parentSpanId"):
                node[key] = base64.b64decode(item).hex()
            else:
                _hex_ids(item)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)


def otlp_json(message) -> bytes:
    """OTLP/JSON as exporters write it: proto3 JSON, but ids in hex."""
    data = json_format.MessageToDict(message)
    _hex_ids(data)
    return json.dumps(data).encode()


def send(collector, transport: str, signal: str, message):
    """The Export*ServiceResponse the collector answers over `transport`; anything but success fails the test."""
    stub, response_type = STUBS[signal]
    if transport == "grpc":
        with grpc.insecure_channel(collector.grpc_target) as channel:
            return stub(channel).Export(message, timeout=10)
    if transport == "http-protobuf":
        media, body = PROTOBUF, message.SerializeToString()
    else:
        media, body = JSON, otlp_json(message)
    response = httpx.post(f"{collector.url}/v1/{signal}", content=body, headers={"Content-Type": media})
    assert (response.status_code, response.headers["content-type"]) == (200, media), response.content
    if media == JSON:
        return json_format.ParseDict(response.json(), response_type())
    return response_type.FromString(response.content)


def stored(collector, query: str) -> set[tuple]:
    """Rows in the collector's file, read after it has stopped."""
    assert collector.stop() == 0
    with duckdb.connect(str(collector.db), read_only=True) as con:
        return set(con.execute(query).fetchall())


def status_message(response: httpx.Response) -> str:
    if response.headers["content-type"] == JSON:
        return json_format.ParseDict(response.json(), Status()).message
    return Status.FromString(response.content).message


def raw_export(channel: grpc.Channel, signal: str):
    """Export that sends bytes as given, to put undecodable messages on the wire."""
    service = {"traces": "trace.v1.TraceService", "logs": "logs.v1.LogsService", "metrics": "metrics.v1.MetricsService"}
    return channel.unary_unary(f"/opentelemetry.proto.collector.{service[signal]}/Export",
                               response_deserializer=STUBS[signal][1].FromString)


def healthy(collector) -> bool:
    return httpx.get(collector.url + "/health").json()["status"] == "healthy"


# ---------------------------------------------------------------- the OpenTelemetry SDK's own exporters

def exporters(collector, transport: str):
    if transport == "grpc":
        target = collector.grpc_target
        return (GrpcSpanExporter(endpoint=target, insecure=True, compression=grpc.Compression.Gzip),
                GrpcLogExporter(endpoint=target, insecure=True), GrpcMetricExporter(endpoint=target, insecure=True))
    return (HttpSpanExporter(endpoint=collector.url + "/v1/traces", compression=Compression.Gzip),
            HttpLogExporter(endpoint=collector.url + "/v1/logs"),
            HttpMetricExporter(endpoint=collector.url + "/v1/metrics"))


def test_sdk_exporters_deliver_traces_logs_and_metrics_over_grpc_and_http(collector):
    expected_spans, expected_logs = set(), set()
    for transport in ("grpc", "http"):
        resource = Resource({"service.name": f"svc-{transport}"})
        finished, records, reader = InMemorySpanExporter(), InMemoryLogRecordExporter(), InMemoryMetricReader()
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(SimpleSpanProcessor(finished))
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(records))
        tracer = tracer_provider.get_tracer("transport-test")
        with tracer.start_as_current_span("invoke_agent") as parent, tracer.start_as_current_span("chat") as child:
            logger_provider.get_logger("transport-test").emit(body=f"hello over {transport}",
                                                              severity_number=SeverityNumber.INFO)
        MeterProvider(resource=resource, metric_readers=[reader]).get_meter("t").create_counter("agent.calls").add(3)

        span_exporter, log_exporter, metric_exporter = exporters(collector, transport)
        assert span_exporter.export(finished.get_finished_spans()) == SpanExportResult.SUCCESS
        assert log_exporter.export(records.get_finished_logs()) == LogRecordExportResult.SUCCESS
        assert metric_exporter.export(reader.get_metrics_data()) == MetricExportResult.SUCCESS
        for exporter in (span_exporter, log_exporter, metric_exporter):
            exporter.shutdown()

        trace_id, parent_id, child_id = (f"{parent.get_span_context().trace_id:032x}",
                                         f"{parent.get_span_context().span_id:016x}",
                                         f"{child.get_span_context().span_id:016x}")
        expected_spans |= {(f"svc-{transport}", trace_id, parent_id, None, "invoke_agent"),
                           (f"svc-{transport}", trace_id, child_id, parent_id, "chat")}
        expected_logs.add((f"svc-{transport}", json.dumps(f"hello over {transport}"), trace_id, child_id))

    spans = stored(collector, "SELECT service_name, trace_id, span_id, parent_span_id, name FROM spans")
    assert spans == expected_spans
    with duckdb.connect(str(collector.db), read_only=True) as con:
        logs = set(con.execute("SELECT service_name, body::VARCHAR, trace_id, span_id FROM logs").fetchall())
        metrics = set(con.execute("SELECT service_name, name, type, value FROM metrics").fetchall())
    assert logs == expected_logs
    assert metrics == {("svc-grpc", "agent.calls", "sum", 3.0), ("svc-http", "agent.calls", "sum", 3.0)}


# ---------------------------------------------------------------- protocol answers, by value

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_partial_success_only_when_something_is_refused(collector, transport):
    accepted = send(collector, transport, "traces", traces(span(0xA1, 0x1, "first")))
    assert not accepted.HasField("partial_success")
    partial = send(collector, transport, "traces", traces(span(0xA2, 0x2, "second"), span(0, 0x3, "zero trace id")))
    assert partial.partial_success.rejected_spans == 1
    assert "trace_id must be 16 bytes and not all zero" in partial.partial_success.error_message
    for signal, empty in (("traces", ExportTraceServiceRequest()), ("logs", ExportLogsServiceRequest()),
                          ("metrics", ExportMetricsServiceRequest())):
        assert not send(collector, transport, signal, empty).HasField("partial_success")

    assert stored(collector, "SELECT trace_id, span_id, name FROM spans") == {
        (f"{0xA1:032x}", f"{0x1:016x}", "first"), (f"{0xA2:032x}", f"{0x2:016x}", "second")}


def llm_span(trace: int, span_id: int, **counts: AnyValue) -> Span:
    llm = span(trace, span_id, "chat")
    llm.attributes.append(KeyValue(key="gen_ai.request.model", value=AnyValue(string_value="gpt-4o")))
    for name, value in counts.items():
        key = "gen_ai.usage.cost" if name == "cost" else f"gen_ai.usage.{name}"
        llm.attributes.append(KeyValue(key=key, value=value))
    return llm


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_numbers_the_store_cannot_sum_reject_only_their_span(collector, transport):
    """They were a 500 over HTTP and UNKNOWN over gRPC (an OverflowError), which exporters take as a reason to drop
    the good spans of the batch too; two spans of 2^63-1 tokens in one run overflowed its total."""
    largest = AnyValue(int_value=10**10)
    good = [llm_span(0xB1, 1, input_tokens=largest, output_tokens=AnyValue(int_value=5)),
            llm_span(0xB1, 2, input_tokens=largest, output_tokens=AnyValue(double_value=7.0))]
    root = span(0xB1, 9, "agent")  # one run of both (siblings: an LLM span under an LLM span is the same call)
    for llm in good:
        llm.parent_span_id = root.span_id
    good.append(root)
    bad = [llm_span(0xB1, 3, input_tokens=AnyValue(double_value=float("inf"))),
           llm_span(0xB1, 4, output_tokens=AnyValue(double_value=float("nan"))),
           llm_span(0xB1, 5, input_tokens=AnyValue(double_value=1e300)),
           llm_span(0xB1, 8, input_tokens=AnyValue(double_value=float("-inf"))),
           llm_span(0xB1, 6, input_tokens=AnyValue(int_value=2**63 - 1)),
           llm_span(0xB1, 7, input_tokens=AnyValue(int_value=1), cost=AnyValue(double_value=1e308))]
    answer = send(collector, transport, "traces", traces(*good, *bad))
    assert answer.partial_success.rejected_spans == len(bad)
    assert answer.partial_success.error_message.startswith(
        f"6 spans rejected: span {3:016x}: gen_ai.usage.input_tokens must be a token count from 0 to 10000000000, "
        "got inf")
    stats = httpx.get(collector.url + "/v1/stats").json()
    assert (stats["total_runs"], stats["total_tokens_input"]) == (1, 2 * 10**10), stats
    assert stored(collector, "SELECT span_id FROM spans") == {(f"{1:016x}",), (f"{2:016x}",), (f"{9:016x}",)}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_count_beyond_bigint_rejects_only_its_data_point(collector, transport):
    histogram = Metric(name="latency", histogram=Histogram(data_points=[
        HistogramDataPoint(count=3, sum=1.5, time_unix_nano=1_790_000_000_000_000_000),
        HistogramDataPoint(count=2**64 - 1, time_unix_nano=1_790_000_000_000_000_000)]))
    request = ExportMetricsServiceRequest(resource_metrics=[ResourceMetrics(scope_metrics=[
        ScopeMetrics(metrics=[histogram])])])
    answer = send(collector, transport, "metrics", request)
    assert answer.partial_success.rejected_data_points == 1
    assert answer.partial_success.error_message == (
        f"1 data points rejected: latency: count must be at most {2**63 - 1}, got {2**64 - 1}")
    assert stored(collector, "SELECT name, count FROM metrics") == {("latency", 3)}


def test_http_answers_in_the_encoding_it_was_sent(collector):
    http = collector.client()
    partial = traces(span(0xB1, 0x1), span(0xB2, 0))
    response = http.post("/v1/traces", content=otlp_json(partial),
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert (response.status_code, response.headers["content-type"]) == (200, JSON)
    answer = response.json()
    assert list(answer) == ["partialSuccess"] and answer["partialSuccess"]["rejectedSpans"] == "1"
    assert "span_id must be 8 bytes and not all zero" in answer["partialSuccess"]["errorMessage"]
    response = http.post("/v1/traces", content=b"", headers={"Content-Type": PROTOBUF})
    assert (response.status_code, response.headers["content-type"], response.content) == (200, PROTOBUF, b"")
    response = http.post("/v1/logs", content=b"{}", headers={"Content-Type": "Application/JSON"})
    assert (response.status_code, response.headers["content-type"], response.json()) == (200, JSON, {})


def test_grpc_accepts_gzip_and_both_key_headers(start_collector):
    collector = start_collector("--api-key", "k1")
    with grpc.insecure_channel(collector.grpc_target, compression=grpc.Compression.Gzip) as channel:
        export = trace_service_pb2_grpc.TraceServiceStub(channel).Export
        for n, metadata in enumerate([(("authorization", "Bearer k1"),), (("x-api-key", "k1"),)]):
            assert export(traces(span(0xC0 + n, 0x1)), metadata=metadata) == ExportTraceServiceResponse()
        for metadata in [(), (("authorization", "Bearer k2"),), (("x-api-key", "nope"),), (("authorization", "k1"),)]:
            with pytest.raises(grpc.RpcError) as refused:
                export(traces(span(0xCF, 0x1)), metadata=metadata)
            assert (refused.value.code(), refused.value.details()) == (
                grpc.StatusCode.UNAUTHENTICATED, "Invalid or missing API key")
    response = httpx.post(collector.url + "/v1/traces", content=traces(span(0xCF, 0x2)).SerializeToString(),
                          headers={"Content-Type": PROTOBUF})
    assert response.status_code == 401
    exporter = GrpcSpanExporter(endpoint=collector.grpc_target, insecure=True, headers={"authorization": "Bearer k1"})
    assert exporter.export([]) == SpanExportResult.SUCCESS
    exporter.shutdown()
    assert healthy(collector)
    assert stored(collector, "SELECT trace_id FROM spans") == {(f"{0xC0:032x}",), (f"{0xC1:032x}",)}


# ---------------------------------------------------------------- bad input, table-driven

def gzip_of_zeros(size: int) -> bytes:
    return gzip.compress(bytes(size), compresslevel=9)


BAD_UTF8_NAME = traces(span(0xD1, 0x1, "x")).SerializeToString().replace(b"\x2a\x01x", b"\x2a\x01\xff")
BASE64_IDS = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
    "traceId": base64.b64encode(bytes(range(1, 17))).decode(), "spanId": "AQIDBAUGBwg=", "name": "b64"}]}]}]}).encode()

# (name, path, body, request headers, status, response Content-Type, a phrase the Status message must contain)
HTTP_CASES = [
    ("garbage protobuf", "/v1/traces", b"\xff\xff\xff", {"Content-Type": PROTOBUF}, 400, PROTOBUF,
     "not a valid protobuf ExportTraceServiceRequest"),
    ("garbage protobuf logs", "/v1/logs", b"\x0a\x05\x0a", {"Content-Type": PROTOBUF}, 400, PROTOBUF,
     "not a valid protobuf ExportLogsServiceRequest"),
    ("invalid UTF-8 in a string", "/v1/traces", BAD_UTF8_NAME, {"Content-Type": PROTOBUF}, 400, PROTOBUF,
     "not a valid protobuf"),
    ("invalid JSON", "/v1/metrics", b'{"resourceMetrics": [', {"Content-Type": JSON}, 400, JSON, "not valid JSON"),
    ("JSON that is not an object", "/v1/traces", b"[]", {"Content-Type": JSON}, 400, JSON, "must be a JSON object"),
    ("base64 ids in JSON", "/v1/traces", BASE64_IDS, {"Content-Type": JSON}, 400, JSON, "must be a hex string"),
    ("JSON of the wrong shape", "/v1/logs", b'{"resourceLogs": 5}', {"Content-Type": JSON}, 400, JSON,
     "not valid OTLP/JSON"),
    ("text content type", "/v1/traces", b"spans", {"Content-Type": "text/plain"}, 415, PROTOBUF,
     "Content-Type 'text/plain' is not supported; use application/x-protobuf or application/json"),
    ("no content type", "/v1/logs", b"logs", {}, 415, PROTOBUF, "Content-Type '' is not supported"),
    ("oversize protobuf", "/v1/traces", bytes(SMALL_CAP + 1), {"Content-Type": PROTOBUF}, 413, PROTOBUF,
     f"request body is larger than {SMALL_CAP} bytes"),
    ("oversize JSON", "/v1/traces", b" " * (SMALL_CAP + 1), {"Content-Type": JSON}, 413, JSON,
     f"request body is larger than {SMALL_CAP} bytes"),
    ("gzip bomb", "/v1/metrics", gzip_of_zeros(16 << 20), {"Content-Type": PROTOBUF, "Content-Encoding": "gzip"},
     413, PROTOBUF, f"request body inflates to more than {SMALL_CAP} bytes"),
    ("corrupt gzip", "/v1/traces", b"not gzip", {"Content-Type": JSON, "Content-Encoding": "gzip"}, 400, JSON,
     "not valid gzip"),
    ("unsupported encoding", "/v1/traces", b"x", {"Content-Type": PROTOBUF, "Content-Encoding": "br"}, 415, PROTOBUF,
     "Content-Encoding 'br' is not supported"),
]

# (name, signal, bytes on the wire, compression, status code, a phrase the details must contain)
GRPC_CASES = [
    ("garbage protobuf", "traces", b"\xff\xff\xff", None, grpc.StatusCode.INVALID_ARGUMENT,
     "not a valid protobuf ExportTraceServiceRequest"),
    ("garbage protobuf metrics", "metrics", b"\x0a\x05\x0a", None, grpc.StatusCode.INVALID_ARGUMENT,
     "not a valid protobuf ExportMetricsServiceRequest"),
    ("invalid UTF-8 in a string", "traces", BAD_UTF8_NAME, None, grpc.StatusCode.INVALID_ARGUMENT,
     "not a valid protobuf"),
    ("oversize", "logs", b"\x0a\x82\x80\x04" + bytes(SMALL_CAP + 2), None, grpc.StatusCode.RESOURCE_EXHAUSTED,
     "larger than max"),
    ("oversize once inflated", "traces", b"\x0a\x80\x80\x40" + bytes(1 << 20), grpc.Compression.Gzip,
     grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than max"),
]


def test_bad_http_input_gets_a_status_body_naming_the_problem(start_collector):
    collector = start_collector("--max-body-bytes", str(SMALL_CAP))
    http = collector.client()
    failures = []
    for name, path, body, headers, status, media, phrase in HTTP_CASES:
        response = http.post(path, content=body, headers=headers)
        got = (response.status_code, response.headers.get("content-type"))
        if got != (status, media) or phrase not in status_message(response):
            failures.append(f"{name}: {got} {response.content[:200]!r}")
    assert failures == []
    assert healthy(collector)
    assert not send(collector, "http-protobuf", "traces", traces(span(0xE1, 0x1))).HasField("partial_success")
    assert stored(collector, "SELECT trace_id FROM spans") == {(f"{0xE1:032x}",)}


def test_bad_grpc_input_gets_the_otlp_status_code(start_collector):
    collector = start_collector("--max-body-bytes", str(SMALL_CAP))
    failures = []
    with grpc.insecure_channel(collector.grpc_target, options=[("grpc.max_send_message_length", -1)]) as channel:
        for name, signal, body, compression, code, phrase in GRPC_CASES:
            try:
                raw_export(channel, signal)(body, compression=compression, timeout=10)
                failures.append(f"{name}: accepted")
            except grpc.RpcError as exc:
                if exc.code() != code or phrase not in exc.details():
                    failures.append(f"{name}: {exc.code()} {exc.details()}")
    assert failures == []
    assert healthy(collector)
    assert not send(collector, "grpc", "traces", traces(span(0xE2, 0x1))).HasField("partial_success")
    assert stored(collector, "SELECT trace_id FROM spans") == {(f"{0xE2:032x}",)}


# ---------------------------------------------------------------- overload, startup, shutdown

def test_full_queue_is_503_with_retry_after_and_unavailable_with_retry_info(start_collector):
    # One row of room: while a commit runs, any other request finds the queue occupied.
    collector = start_collector("--queue-max-rows", "1")

    def post(n: int) -> tuple[int, httpx.Response]:
        with httpx.Client(base_url=collector.url, timeout=30) as http:
            return n, http.post("/v1/traces", content=traces(span(n, 1)).SerializeToString(),
                                headers={"Content-Type": PROTOBUF})

    with grpc.insecure_channel(collector.grpc_target) as channel, ThreadPoolExecutor(32) as pool:
        export = trace_service_pb2_grpc.TraceServiceStub(channel).Export
        calls = {n: export.future(traces(span(n, 1)), timeout=30) for n in range(1000, 1200)}
        answers = list(pool.map(post, range(1, 201)))
        grpc_errors = {n: call.exception() for n, call in calls.items()}

    accepted = {n for n, response in answers if response.status_code == 200}
    refused = [response for _, response in answers if response.status_code != 200]
    assert refused, "no HTTP request found the queue full"
    for response in refused:
        assert (response.status_code, response.headers["retry-after"], response.headers["content-type"]) == (
            503, "1", PROTOBUF)
        assert status_message(response).startswith("the writer queue is full (")
    accepted |= {n for n, error in grpc_errors.items() if error is None}
    unavailable = [error for error in grpc_errors.values() if error is not None]
    assert unavailable, "no gRPC call found the queue full"
    for error in unavailable:
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        status = rpc_status.from_call(error)
        retry = RetryInfo()
        assert status.details[0].Unpack(retry) and retry.retry_delay.seconds == 1
        assert status.message.startswith("the writer queue is full (")
    assert stored(collector, "SELECT trace_id FROM spans") == {(f"{n:032x}",) for n in accepted}


def test_a_taken_grpc_port_is_refused_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "collector", "serve", "--db", str(tmp_path / "c.duckdb"),
                                 "--http-port", "0", "--grpc-port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line == f"agent-collector: gRPC port 127.0.0.1:{port} is already in use; choose another with --grpc-port"


def test_stop_lets_grpc_calls_finish_and_keeps_what_they_acknowledged(collector):
    acknowledged: list[int] = []
    stop = threading.Event()

    def export_spans(worker: int) -> None:
        with grpc.insecure_channel(collector.grpc_target) as channel:
            export = trace_service_pb2_grpc.TraceServiceStub(channel).Export
            for n in range(worker << 16, (worker << 16) + 10_000):
                if stop.is_set():
                    return
                try:
                    export(traces(span(n, 1)), timeout=10)
                except grpc.RpcError:
                    return
                acknowledged.append(n)

    workers = [threading.Thread(target=export_spans, args=(w + 1,)) for w in range(4)]
    for worker in workers:
        worker.start()
    while len(acknowledged) < 100:
        stop.wait(0.01)
    kept = stored(collector, "SELECT trace_id FROM spans")
    stop.set()
    for worker in workers:
        worker.join()
    assert {(f"{n:032x}",) for n in acknowledged} <= kept


def test_every_error_on_an_otlp_path_is_a_google_rpc_status(collector):
    response = collector.client().get("/v1/traces", headers={"Content-Type": PROTOBUF})
    assert (response.status_code, response.headers["content-type"]) == (405, PROTOBUF)
    assert Status.FromString(response.content).message == "Method Not Allowed"
    response = collector.client().get("/v1/runs", params={"limit": 0})
    assert response.status_code == 422 and "detail" in response.json()  # other routes keep their own shape
