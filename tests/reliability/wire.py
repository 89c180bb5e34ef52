"""One case on the wire and what came back, in the same shape for HTTP and gRPC."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import grpc
import httpx

from tests.reliability.cases import Case, Status

SLOW_SECONDS = 2.0
# Codes that say the server broke, not that the request was wrong or the server is busy.
GRPC_SERVER_ERRORS = frozenset({"UNKNOWN", "INTERNAL", "DATA_LOSS"})
# The documented back-pressure answers: retry later, nothing is lost.
BACK_PRESSURE = frozenset({503, 507})


@dataclass(frozen=True)
class Answer:
    status: Status
    seconds: float
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # HTTP headers (lower-case) or gRPC trailers

    @property
    def server_error(self) -> bool:
        """A 5xx other than a 503/507 with Retry-After, or a gRPC code of a broken server."""
        if isinstance(self.status, int):
            return self.status >= 500 and not self.backing_off
        return self.status in GRPC_SERVER_ERRORS

    @property
    def backing_off(self) -> bool:
        """Refused for now, to be retried: a 503/507 with Retry-After, or UNAVAILABLE / RESOURCE_EXHAUSTED with
        the RetryInfo detail the collector attaches."""
        if isinstance(self.status, int):
            return self.status in BACK_PRESSURE and "retry-after" in self.headers
        return self.status in ("UNAVAILABLE", "RESOURCE_EXHAUSTED") and "grpc-status-details-bin" in self.headers

    @property
    def slow(self) -> bool:
        return self.seconds > SLOW_SECONDS

    @property
    def no_answer(self) -> bool:
        """The connection failed: the server is gone, hung up, or did not answer in time."""
        # The collector's own UNAVAILABLE carries a RetryInfo detail; grpc's for a lost connection has none.
        return self.status in ("timeout", "closed", "refused", "DEADLINE_EXCEEDED") or (
            self.status == "UNAVAILABLE" and "grpc-status-details-bin" not in self.headers)

    def snippet(self) -> str:
        return self.body[:400].decode(errors="replace")[:200]


class Target:
    """One collector as one client thread sees it: an HTTP client and a gRPC channel of its own."""

    def __init__(self, http_url: str, grpc_target: str, timeout: float = 10.0, keepalive: bool = True):
        """Without `keepalive` every request gets a connection of its own: the server drops a connection after a
        500, and the next request on it would fail for what the one before did."""
        self.timeout = timeout
        limits = httpx.Limits() if keepalive else httpx.Limits(max_keepalive_connections=0)
        self.http = httpx.Client(base_url=http_url, timeout=timeout, limits=limits)
        # Unbounded on the client side: the server's own limits are what the cases probe.
        self.channel = grpc.insecure_channel(grpc_target, options=[("grpc.max_send_message_length", -1),
                                                                   ("grpc.max_receive_message_length", -1)])

    @classmethod
    def of(cls, collector, timeout: float = 10.0, keepalive: bool = True) -> Target:
        return cls(collector.url, collector.grpc_target, timeout, keepalive)

    def close(self) -> None:
        self.http.close()
        self.channel.close()

    def send(self, case: Case) -> Answer:
        return self._http(case) if case.transport == "http" else self._grpc(case)

    def _http(self, case: Case) -> Answer:
        method, _, path = case.route.partition(" ")
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, content=case.body, headers=list(case.headers))
        except httpx.TimeoutException as exc:
            return Answer("timeout", time.perf_counter() - started, str(exc).encode())
        except httpx.LocalProtocolError as exc:  # the client would not send it: a bug in the case, not the server
            return Answer("unsendable", time.perf_counter() - started, str(exc).encode())
        except httpx.ConnectError as exc:
            return Answer("refused", time.perf_counter() - started, str(exc).encode())
        except httpx.TransportError as exc:
            return Answer("closed", time.perf_counter() - started, f"{type(exc).__name__}: {exc}".encode())
        return Answer(response.status_code, time.perf_counter() - started, response.content,
                      {name.lower(): value for name, value in response.headers.items()})

    def _grpc(self, case: Case) -> Answer:
        # No serializers: the body goes out as the bytes it is, so garbage reaches the server as garbage.
        call = self.channel.unary_unary(case.route)
        started = time.perf_counter()
        try:
            response, done = call.with_call(case.body or b"", metadata=case.headers, timeout=self.timeout)
            return Answer("OK", time.perf_counter() - started, response, dict(done.trailing_metadata() or ()))
        except grpc.RpcError as exc:
            seconds = time.perf_counter() - started
            return Answer(exc.code().name, seconds, (exc.details() or "").encode(),
                          dict(exc.trailing_metadata() or ()))
