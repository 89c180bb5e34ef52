"""Against the server started with --api-key: every route without a key, and keys sent wrongly and rightly."""

from __future__ import annotations

import dataclasses

from tests.reliability import hostile
from tests.reliability.cases import ACCEPTED, JSON, PROTOBUF, Case, Expect, Headers, acknowledged, exactly, http
from tests.reliability.cases_query import READ_ROUTES
from tests.reliability.ingest import KINDS

KEY = "reliability-key"
BEARER = (("Authorization", f"Bearer {KEY}"),)
# (over HTTP, over gRPC)
REFUSED = (exactly(401), exactly("UNAUTHENTICATED"))
ALLOWED = (ACCEPTED, ACCEPTED)
EITHER = (Expect("accepted or 401", lambda status: acknowledged(status) or status == 401),
          Expect("OK or UNAUTHENTICATED", lambda status: status in ("OK", "UNAUTHENTICATED")))

# How a client may present a key: (what, headers, expectation); the first three go to every ingest path.
PRESENTED: list[tuple[str, Headers, tuple[Expect, Expect]]] = [
    ("no key", (), REFUSED),
    ("a wrong key", (("Authorization", "Bearer wrong"),), REFUSED),
    ("the key", BEARER, ALLOWED),
    ("Bearer without a key", (("Authorization", "Bearer"),), REFUSED),
    ("the key as Basic credentials", (("Authorization", f"Basic {KEY}"),), REFUSED),
    ("the key without a scheme", (("Authorization", KEY),), REFUSED),
    ("the key with one character more", (("Authorization", f"Bearer {KEY}x"),), REFUSED),
    # gRPC refuses metadata past 8 KB itself, before the collector sees the call.
    ("a 10 KB key", (("Authorization", "Bearer " + "k" * 10_000),),
     (exactly(401), exactly("UNAUTHENTICATED", "RESOURCE_EXHAUSTED"))),
    ("a key of non-ASCII bytes", (("Authorization", b"Bearer \xff\xfe"),), REFUSED),
    ("an empty X-API-Key", (("X-API-Key", ""),), REFUSED),
    ("a wrong X-API-Key", (("X-API-Key", "wrong"),), REFUSED),
    ("the key in lower-case bearer", (("Authorization", f"bearer {KEY}"),), ALLOWED),
    ("the key after three spaces", (("Authorization", f"Bearer   {KEY}"),), ALLOWED),
    ("the key as X-API-Key", (("X-API-Key", KEY),), ALLOWED),
    ("a wrong Bearer and a right X-API-Key", (("Authorization", "Bearer wrong"), ("X-API-Key", KEY)), EITHER),
    ("a wrong and a right Authorization", (("Authorization", "Bearer wrong"), *BEARER), EITHER),
]
EVERY_PATH = 3
# The paths every other way of presenting a key is tried on: REST, OTLP/HTTP and gRPC.
SAMPLE_PATHS = ("AgentD POST /v1/runs", "OTLP/HTTP protobuf traces", "OTLP/gRPC traces")


def _keyed(kind: str, what: str, headers: Headers, expect: tuple[Expect, Expect]) -> Case | None:
    case = KINDS[kind](f"auth {what} {kind}")
    if case.transport == "grpc":
        if any(isinstance(value, bytes) for _, value in headers):
            return None  # gRPC metadata carries bytes only under -bin keys
        headers = tuple((name.lower(), value) for name, value in headers)
    content = tuple(pair for pair in case.headers if pair[0].lower() == "content-type")
    return dataclasses.replace(case, name=f"--api-key, {kind}: {what}", headers=content + headers,
                               expect=expect[case.transport == "grpc"], keyed=True)


def auth_cases() -> list[Case]:
    tried = [(kind, presented) for presented in PRESENTED[:EVERY_PATH] for kind in KINDS]
    tried += [(kind, presented) for presented in PRESENTED[EVERY_PATH:] for kind in SAMPLE_PATHS]
    cases = [case for kind, presented in tried if (case := _keyed(kind, *presented)) is not None]
    for route in READ_ROUTES:
        cases.append(http(f"--api-key, GET {route}: no key", f"GET {route}", headers=(),
                          expect=exactly(200) if route == "/health" else exactly(401)))
        cases.append(http(f"--api-key, GET {route}: the key", f"GET {route}", headers=BEARER,
                          expect=exactly(200)))
    cases += [
        http("--api-key, POST /v1/runs: 64 MiB without a key", "POST /v1/runs", hostile.over_the_cap(), JSON,
             exactly(401)),
        http("--api-key, POST /v1/traces: a gzip bomb without a key", "POST /v1/traces", hostile.gzip_bomb(),
             (*PROTOBUF, ("Content-Encoding", "gzip")), exactly(401)),
        http("--api-key, DELETE /v1/runs/x: no key", "DELETE /v1/runs/x", headers=(), expect=exactly(401)),
    ]
    return [dataclasses.replace(case, keyed=True) for case in cases]
