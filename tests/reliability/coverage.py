"""Which routes and gRPC methods the corpus has no case for: every one the server describes must have one, so a
route added later without hostile cases shows up as a failure instead of going untested."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from collector.contract import runs_pb2
from tests.reliability.cases import Case

SERVICES = (trace_service_pb2.DESCRIPTOR.services_by_name["TraceService"],
            logs_service_pb2.DESCRIPTOR.services_by_name["LogsService"],
            metrics_service_pb2.DESCRIPTOR.services_by_name["MetricsService"],
            runs_pb2.DESCRIPTOR.services_by_name["RunService"])


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def uncovered(openapi: dict, cases: Iterable[Case]) -> list[str]:
    """'METHOD /path' of each route in the OpenAPI description, and '/Service/Method' of each gRPC method, that
    no case sends a request to."""
    sent = set()
    for case in cases:
        if case.transport == "grpc":
            sent.add(case.route)
        else:
            method, _, target = case.route.partition(" ")
            sent.add((method, unquote(urlsplit(target).path)))
    missing = []
    for path, operations in openapi.get("paths", {}).items():
        pattern = _template(path)
        for method in operations:
            if not any(pair[0] == method.upper() and pattern.match(pair[1]) for pair in sent if len(pair) == 2):
                missing.append(f"{method.upper()} {path}")
    methods = [f"/{service.full_name}/{method.name}" for service in SERVICES for method in service.methods]
    return missing + [method for method in methods if method not in sent]
