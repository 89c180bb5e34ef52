"""What an answer means for the items a case sent: an OTLP export answered 2xx / OK may still refuse some of them
in partial_success (the client must not retry those), which the battery counts as a refusal, not an
acknowledgement."""

from __future__ import annotations

import json

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from tests.reliability.cases import REJECTED, Case, Status, acknowledged
from tests.reliability.ingest import LOGS_EXPORT, METRICS_EXPORT, TRACE_EXPORT
from tests.reliability.wire import Answer

_RESPONSES: dict[str, type[Message]] = {
    TRACE_EXPORT: ExportTraceServiceResponse, "POST /v1/traces": ExportTraceServiceResponse,
    LOGS_EXPORT: ExportLogsServiceResponse, "POST /v1/logs": ExportLogsServiceResponse,
    METRICS_EXPORT: ExportMetricsServiceResponse, "POST /v1/metrics": ExportMetricsServiceResponse,
}


def _partially_rejected(response: Message) -> bool:
    partial = response.partial_success
    return any(getattr(partial, field.name) for field in partial.DESCRIPTOR.fields if field.name != "error_message")


def outcome(case: Case, answer: Answer) -> Status:
    """The answer's status, or REJECTED when an OTLP export refused items in partial_success."""
    response_type = _RESPONSES.get(case.route)
    if response_type is None or not acknowledged(answer.status):
        return answer.status
    try:
        if answer.headers.get("content-type", "").startswith("application/json"):
            response = json_format.ParseDict(json.loads(answer.body), response_type())
        else:
            response = response_type.FromString(answer.body)
    except (ValueError, DecodeError, json_format.ParseError):
        return answer.status  # an unreadable answer is judged by its status alone
    return REJECTED if _partially_rejected(response) else answer.status


def accepted(case: Case, answer: Answer) -> bool:
    """Acknowledged whole: every item of the case must now be stored."""
    return acknowledged(outcome(case, answer))
