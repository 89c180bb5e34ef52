"""What the battery sends: a case, the answers it may get, and the rows it must leave behind once acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# An HTTP status, a gRPC status code name, or why no answer came ("timeout", "closed", "refused").
Status = int | str
# (table, column, value): a row the collector's file must hold once the case was acknowledged.
Lookup = tuple[str, str, str]
# HTTP headers or gRPC metadata as pairs: abuse cases repeat names and send raw bytes.
Headers = tuple[tuple[str, str | bytes], ...]
# An OTLP export answered 2xx / OK that refused items in partial_success (see outcome.py).
REJECTED = "rejected in partial_success"

JSON = (("Content-Type", "application/json"),)
PROTOBUF = (("Content-Type", "application/x-protobuf"),)


@dataclass(frozen=True)
class Expect:
    """The answers a case may get, with the words the report uses for them."""

    text: str
    allows: Callable[[Status], bool]


def acknowledged(status: Status) -> bool:
    return status == "OK" or (isinstance(status, int) and 200 <= status < 300)


def _client_error(status: Status) -> bool:
    """Refused as the client's fault: a 4xx, or items an OTLP export refused in partial_success."""
    return status == REJECTED or (isinstance(status, int) and 400 <= status < 500)


def exactly(*statuses: Status) -> Expect:
    return Expect(" or ".join(map(str, statuses)), lambda status: status in statuses)


ACCEPTED = Expect("accepted", acknowledged)
ANY_4XX = Expect("any 4xx", _client_error)
ACCEPTED_OR_4XX = Expect("accepted or any 4xx", lambda status: acknowledged(status) or _client_error(status))
INVALID_ARGUMENT = exactly("INVALID_ARGUMENT")
OK_OR_INVALID = exactly("OK", "INVALID_ARGUMENT", REJECTED)


@dataclass(frozen=True)
class Case:
    name: str
    transport: str  # "http" or "grpc"
    route: str  # "POST /v1/runs?x=1", or the gRPC method "/package.Service/Method"
    body: bytes | None = None
    headers: Headers = ()
    expect: Expect = ACCEPTED
    lookups: tuple[Lookup, ...] = ()
    keyed: bool = False  # sent to the server started with --api-key


def http(name: str, route: str, body: bytes | None = None, headers: Headers = JSON, expect: Expect = ACCEPTED,
         lookups: tuple[Lookup, ...] = ()) -> Case:
    return Case(name, "http", route, body, headers, expect, lookups)


def grpc(name: str, method: str, body: bytes, expect: Expect = ACCEPTED, lookups: tuple[Lookup, ...] = (),
         metadata: Headers = ()) -> Case:
    return Case(name, "grpc", method, body, metadata, expect, lookups)
