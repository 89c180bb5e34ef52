"""OTLP traces, logs and metrics with hostile content, each over gRPC, HTTP protobuf and HTTP JSON; broken
protobuf on both protobuf transports; OTLP/JSON spellings the protobuf mapping cannot hold."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValueList
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    Sum,
    Summary,
    SummaryDataPoint,
)

from tests.reliability import hostile, payloads
from tests.reliability.cases import (
    ACCEPTED,
    ACCEPTED_OR_4XX,
    INVALID_ARGUMENT,
    JSON,
    OK_OR_INVALID,
    PROTOBUF,
    REJECTED,
    Case,
    Expect,
    exactly,
    grpc,
    http,
)
from tests.reliability.ingest import SIGNALS
from tests.reliability.payloads import START_NS, agent_span, gauge, log_record, traces, uid_of, with_attribute

MAX_U64 = 2**64 - 1
# What a case may be answered, per transport: (HTTP, gRPC).
ACCEPT = (ACCEPTED, ACCEPTED)
EITHER = (ACCEPTED_OR_4XX, OK_OR_INVALID)
REFUSE = (exactly(400), INVALID_ARGUMENT)
OVER_CAP = (exactly(413), exactly("RESOURCE_EXHAUSTED"))
PARTIAL = (exactly(REJECTED), exactly(REJECTED))


def _deep_value(depth: int) -> AnyValue:
    value = AnyValue(string_value="leaf")
    for _ in range(depth):
        value = AnyValue(kvlist_value=KeyValueList(values=[{"key": "a", "value": value}]))
    return value


def _varint(number: int) -> bytes:
    out = bytearray()
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    return bytes(out) + bytes([number])


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field, written by hand."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _too_deep(depth: int) -> bytes:
    """A trace export whose span has an attribute nested `depth` kvlists deep: the protobuf library will not build
    a message deeper than its own limit, so its bytes are written by hand (AnyValue.kvlist_value is field 6,
    KeyValueList.values 1, KeyValue key 1 and value 2, Span.attributes 9)."""
    value = AnyValue(string_value="leaf").SerializeToString()
    for _ in range(depth):
        value = _field(6, _field(1, _field(1, b"a") + _field(2, value)))
    span = agent_span("too-deep").SerializeToString() + _field(9, _field(1, b"deep") + _field(2, value))
    return _field(1, _field(2, _field(2, span)))  # resource_spans, scope_spans, spans


def _span(**attributes: Any) -> Callable[[str], Message]:
    return lambda uid: traces(agent_span(uid, **attributes))


def _changed_span(change: Callable[[Any], None]) -> Callable[[str], Message]:
    def build(uid: str) -> Message:
        span = agent_span(uid)
        change(span)
        return traces(span)
    return build


def _log(change: Callable[[Any], None]) -> Callable[[str], Message]:
    def build(uid: str) -> Message:
        record = log_record(uid)
        change(record)
        return payloads.logs(record)
    return build


def _metric(data: Callable[[], dict[str, Any]]) -> Callable[[str], Message]:
    return lambda uid: payloads.metrics(Metric(name=f"reliability.{uid}", **data()))


def _point(**fields: Any) -> dict[str, Any]:
    return {"time_unix_nano": START_NS, **fields}


# (signal, what, uid -> request, (HTTP, gRPC) expectation, whether the uid's rows must be stored if accepted).
CONTENT: list[tuple[str, str, Callable[[str], Message], tuple[Expect, Expect], bool]] = [
    *(("traces", f"gen_ai.usage.input_tokens = {name}", _span(**{"gen_ai.usage.input_tokens": value}), EITHER, True)
      for name, value in {"Inf": float("inf"), "-Inf": float("-inf"), "NaN": float("nan"), "1e300": 1e300,
                          "-1e300": -1e300, "1.5": 1.5, "-1": -1, "2**63-1": 2**63 - 1, "'lots'": "lots"}.items()),
    ("traces", "input and output tokens 2**63-1",
     _span(**{"gen_ai.usage.input_tokens": 2**63 - 1, "gen_ai.usage.output_tokens": 2**63 - 1}), EITHER, True),
    ("traces", "OpenInference llm.token_count.prompt = Inf",
     _span(**{"openinference.span.kind": "LLM", "llm.token_count.prompt": float("inf")}), EITHER, True),
    *(("traces", f"gen_ai.usage.cost = {name}", _span(**{"gen_ai.usage.cost": value}), EITHER, True)
      for name, value in {"1e308": 1e308, "Inf": float("inf"), "NaN": float("nan"), "-1e308": -1e308}.items()),
    ("traces", "start time 2**64-1", _changed_span(lambda s: setattr(s, "start_time_unix_nano", MAX_U64)), EITHER,
     True),
    ("traces", "end before start", _changed_span(lambda s: setattr(s, "end_time_unix_nano", 1)), ACCEPT, True),
    ("traces", "no start time (refused in partial_success)",
     _changed_span(lambda s: setattr(s, "start_time_unix_nano", 0)), PARTIAL, False),
    ("traces", "a 15-byte trace id (refused in partial_success)",
     _changed_span(lambda s: setattr(s, "trace_id", b"\x01" * 15)), PARTIAL, False),
    ("traces", "an all-zero span id (refused in partial_success)",
     _changed_span(lambda s: setattr(s, "span_id", bytes(8))), PARTIAL, False),
    ("traces", "kind and status code 99", _changed_span(lambda s: (setattr(s, "kind", 99),
                                                                    setattr(s.status, "code", 99))), ACCEPT, True),
    ("traces", "20,000 attributes", _span(**{f"a{i}": i for i in range(20_000)}), ACCEPT, True),
    ("traces", "an attribute of 10 MB", _span(**{"reliability.text": hostile.text_of(10 << 20)}), ACCEPT, True),
    ("traces", "a name of 1 MB", _changed_span(lambda s: setattr(s, "name", hostile.text_of(1 << 20))), ACCEPT, True),
    ("traces", "an attribute nested 25 deep",
     lambda uid: traces(with_attribute(agent_span(uid), "deep", _deep_value(25))), ACCEPT, True),
    ("traces", "2,000 spans in one export",
     lambda uid: traces(agent_span(uid), *(agent_span(f"{uid}-{i}") for i in range(2_000))), ACCEPT, True),
    ("logs", "time 2**64-1", _log(lambda r: setattr(r, "time_unix_nano", MAX_U64)), EITHER, True),
    ("logs", "severity number 2**31-1", _log(lambda r: setattr(r, "severity_number", 2**31 - 1)), EITHER, True),
    ("logs", "a body of 10 MB", _log(lambda r: r.body.CopyFrom(AnyValue(string_value=hostile.text_of(10 << 20)))),
     ACCEPT, True),
    ("logs", "a body nested 25 deep", _log(lambda r: r.body.CopyFrom(_deep_value(25))), ACCEPT, True),
    ("logs", "a 3-byte trace id", _log(lambda r: setattr(r, "span_id", b"abc")), EITHER, True),
    *(("metrics", f"gauge {name}", lambda uid, value=value: payloads.metrics(gauge(uid, value)), EITHER, True)
      for name, value in {"NaN": float("nan"), "Inf": float("inf"), "-Inf": float("-inf"), "1e308": 1e308}.items()),
    ("metrics", "sum of -2**63", _metric(lambda: {"sum": Sum(data_points=[NumberDataPoint(
        **_point(as_int=-(2**63)))], aggregation_temporality=2, is_monotonic=True)}), EITHER, True),
    ("metrics", "histogram count 2**64-1", _metric(lambda: {"histogram": Histogram(data_points=[HistogramDataPoint(
        **_point(count=MAX_U64, sum=float("nan"), bucket_counts=[MAX_U64], explicit_bounds=[]))],
        aggregation_temporality=1)}), EITHER, True),
    ("metrics", "exponential histogram at the scale's ends", _metric(lambda: {
        "exponential_histogram": ExponentialHistogram(data_points=[ExponentialHistogramDataPoint(
            **_point(count=1, scale=2**31 - 1, zero_count=MAX_U64,
                     positive={"offset": -(2**31), "bucket_counts": [MAX_U64]}))])}), EITHER, True),
    ("metrics", "summary with a NaN quantile and an infinite sum", _metric(lambda: {"summary": Summary(
        data_points=[SummaryDataPoint(**_point(count=1, sum=float("inf"), quantile_values=[
            {"quantile": float("nan"), "value": 1}]))])}), EITHER, True),
    ("metrics", "summary count 2**64-1", _metric(lambda: {"summary": Summary(data_points=[SummaryDataPoint(
        **_point(count=MAX_U64, sum=1.0))])}), EITHER, True),
    ("metrics", "a metric without data", lambda uid: payloads.metrics(Metric(name=f"reliability.{uid}")), ACCEPT,
     False),
    ("metrics", "10,000 points", lambda uid: payloads.metrics(Metric(name=f"reliability.{uid}", gauge={
        "data_points": [{"time_unix_nano": START_NS + i, "as_double": i} for i in range(10_000)]})), ACCEPT, True),
]


def _over_transports(signal: str, what: str, build: Callable[[str], Message], outcome: tuple[Expect, Expect],
                     stores: bool) -> list[Case]:
    _, method, path, _, rows = next(entry for entry in SIGNALS if entry[0] == signal)
    cases = []
    for transport in ("gRPC", "HTTP protobuf", "HTTP JSON"):
        name = f"OTLP/{transport} {signal}: {what}"
        uid = uid_of(name)
        message = build(uid)
        lookups = rows(uid) if stores else ()
        if transport == "gRPC":
            cases.append(grpc(name, method, message.SerializeToString(), outcome[1], lookups))
        elif transport == "HTTP protobuf":
            cases.append(http(name, f"POST {path}", message.SerializeToString(), PROTOBUF, outcome[0], lookups))
        else:
            body = json.dumps(payloads.otlp_document(message)).encode()
            cases.append(http(name, f"POST {path}", body, JSON, outcome[0], lookups))
    return cases


def _broken(signal: str, rng: random.Random) -> list[Case]:
    """Bodies that are not the signal's request, on both protobuf transports."""
    _, method, path, request, rows = next(entry for entry in SIGNALS if entry[0] == signal)
    valid = request("shape").SerializeToString()
    other = next(entry[3] for entry in SIGNALS if entry[0] != signal)("other").SerializeToString()
    bad_utf8 = valid.replace(b"reliability", b"reliabilit\xff", 1)
    bodies = {
        "empty": (b"", ACCEPT),
        "1 KB of random bytes": (rng.randbytes(1024), REFUSE),
        "truncated": (valid[: len(valid) // 2], REFUSE),
        "a length prefix past the end": (b"\x0a\xff\xff\xff\xff\x0f", REFUSE),
        "invalid UTF-8 in a string": (bad_utf8, EITHER),
        "another signal's request": (other, EITHER),
        "an unknown field appended": (valid + b"\xf8\x06\x01", EITHER),
        "an attribute nested 200 deep": (_too_deep(200), EITHER),
        "one byte over the 64 MiB cap": (hostile.over_the_cap(), OVER_CAP),
    }
    cases = []
    for what, (body, (over_http, over_grpc)) in bodies.items():
        cases.append(grpc(f"OTLP/gRPC {signal}: {what}", method, body, over_grpc))
        cases.append(http(f"OTLP/HTTP protobuf {signal}: {what}", f"POST {path}", body, PROTOBUF, over_http))
    big_metadata = (("x-reliability", "m" * 20_000),)
    many_metadata = tuple((f"x-reliability-{i}", "m") for i in range(2000))
    for what, metadata in {"20 KB of metadata": big_metadata, "2,000 metadata entries": many_metadata}.items():
        name = f"OTLP/gRPC {signal}: {what}"
        cases.append(grpc(name, method, request(uid_of(name)).SerializeToString(), exactly("OK", "RESOURCE_EXHAUSTED"),
                          rows(uid_of(name)), metadata))
    labels = {"application/grpc": exactly(415), "text/plain": exactly(415), "": exactly(415),
              "application/x-protobuf; charset=binary": ACCEPTED, "application/json": exactly(400)}
    for label, expect in labels.items():
        name = f"OTLP/HTTP protobuf {signal}: labelled {label or 'with no content type'!r}"
        headers = (("Content-Type", label),) if label else ()
        cases.append(http(name, f"POST {path}", request(uid_of(name)).SerializeToString(), headers, expect,
                          rows(uid_of(name))))
    gzip = (*PROTOBUF, ("Content-Encoding", "gzip"))
    name = f"OTLP/HTTP protobuf {signal}: gzip"
    cases.append(http(name, f"POST {path}", hostile.gzipped(request(uid_of(name)).SerializeToString()), gzip,
                      lookups=rows(uid_of(name))))
    cases.append(http(f"OTLP/HTTP protobuf {signal}: gzip bomb", f"POST {path}", hostile.gzip_bomb(), gzip,
                      exactly(413)))
    return cases


def _json_document(change: Callable[[dict], None]) -> bytes:
    """A one-span OTLP/JSON export with the span changed; hostile.MARK, where the change puts it, becomes 1e400
    (a number no JSON encoder writes)."""
    document = payloads.otlp_document(traces(agent_span("json-shape")))
    change(document["resourceSpans"][0]["scopeSpans"][0]["spans"][0])
    return json.dumps(document).replace(json.dumps(hostile.MARK), "1e400").encode()


def _attribute(key: str, value: Any) -> Callable[[dict], None]:
    return lambda span: span["attributes"].append({"key": key, "value": value})


# OTLP/JSON spellings: (what, the first span changed, expectation).
JSON_SPELLINGS = [
    ("base64 ids, not hex", lambda s: s.update(traceId="AAECAwQFBgcICQoLDA0ODw==", spanId="AAECAwQFBgc="),
     exactly(400)),
    ("a 31-digit trace id", lambda s: s.update(traceId="0" * 31), exactly(400)),
    ("a trace id of z's", lambda s: s.update(traceId="z" * 32), exactly(400)),
    ("intValue 2**63 as a string", _attribute("gen_ai.usage.input_tokens", {"intValue": str(2**63)}), exactly(400)),
    ("intValue 'abc'", _attribute("gen_ai.usage.input_tokens", {"intValue": "abc"}), exactly(400)),
    ("doubleValue 'Infinity'", _attribute("gen_ai.usage.input_tokens", {"doubleValue": "Infinity"}), ACCEPTED_OR_4XX),
    ("doubleValue 'NaN'", _attribute("gen_ai.usage.output_tokens", {"doubleValue": "NaN"}), ACCEPTED_OR_4XX),
    ("doubleValue 1e400", _attribute("gen_ai.usage.input_tokens", {"doubleValue": hostile.MARK}), ACCEPTED_OR_4XX),
    ("startTimeUnixNano -1", lambda s: s.update(startTimeUnixNano="-1"), exactly(400)),
    ("startTimeUnixNano 2**64", lambda s: s.update(startTimeUnixNano=str(2**64)), exactly(400)),
    ("kind as its name", lambda s: s.update(kind="SPAN_KIND_SERVER"), ACCEPTED),
    ("kind 99", lambda s: s.update(kind=99), ACCEPTED_OR_4XX),
    ("a lone surrogate in a string attribute", _attribute("note", {"stringValue": "\ud800"}), ACCEPTED_OR_4XX),
    ("attributes null", lambda s: s.update(attributes=None), ACCEPTED_OR_4XX),
    ("unknown fields", lambda s: s.update(reliabilityExtra={"a": [1, 2]}), ACCEPTED),
    ("an attribute nested 200 deep", _attribute("deep", json.loads(
        '{"kvlistValue":{"values":[{"key":"a","value":' * 200 + '{"stringValue":"x"}' + "}]}}" * 200)),
     ACCEPTED_OR_4XX),
]


def otlp_cases(seed: int) -> list[Case]:
    rng = random.Random(f"{seed}:otlp")
    cases = [case for signal, *rest in CONTENT for case in _over_transports(signal, *rest)]
    cases += [case for signal, *_ in SIGNALS for case in _broken(signal, rng)]
    cases += [http(f"OTLP/HTTP JSON traces: {what}", "POST /v1/traces", _json_document(change), JSON, expect)
              for what, change, expect in JSON_SPELLINGS]
    return cases
