"""The same hostile bodies on every JSON ingest route, and every hostile number in every numeric field."""

from __future__ import annotations

import json

from tests.reliability import hostile
from tests.reliability.cases import ACCEPTED_OR_4XX, ANY_4XX, JSON, Case, exactly, http
from tests.reliability.payloads import uid_of
from tests.reliability.rest_routes import (
    AGENT_END,
    AGENTD_EVENT,
    AGENTD_RUN,
    LEGACY,
    ROUTES,
    TELEMETRY,
    Document,
    JsonRoute,
)

GZIP = (*JSON, ("Content-Encoding", "gzip"))
DEFLATE = (*JSON, ("Content-Encoding", "deflate"))


def _first_object(document: Document) -> dict:
    return document if isinstance(document, dict) else document[0]


def _insert(fragment: bytes):
    """Put `fragment` (a `"key": value,` pair) at the start of the body's first object."""
    return lambda text: text.replace(b"{", b"{" + fragment, 1)


def _duplicate_first_key(route: JsonRoute) -> bytes:
    key = next(iter(_first_object(route.valid("x"))))
    return json.dumps(key).encode() + b': {"duplicate": true}, '


def route_cases(route: JsonRoute) -> list[Case]:
    """What any JSON route must survive; OTLP/JSON names its content type (415 for another), the REST receivers
    read JSON whatever it is labelled."""
    labelled = exactly(415) if route.otlp else ACCEPTED_OR_4XX
    empty = ACCEPTED_OR_4XX if route.otlp else ANY_4XX  # an empty OTLP/JSON body is an empty export
    c = route.case
    cases = [
        c("valid"),
        c("valid, gzip", body=hostile.gzipped, headers=GZIP),
        c("valid, deflate", body=hostile.deflated, headers=DEFLATE),
        c("valid, charset in the content type", headers=(("Content-Type", "application/json; charset=utf-8"),)),
        c("valid, upper-case content type", headers=(("Content-Type", "APPLICATION/JSON"),)),
        c("valid, text/plain", expect=labelled, headers=(("Content-Type", "text/plain"),)),
        c("valid, no content type", expect=labelled, headers=()),
        c("valid, form content type", expect=labelled,
          headers=(("Content-Type", "application/x-www-form-urlencoded"),)),
        c("valid, two content types", expect=ACCEPTED_OR_4XX,
          headers=(("Content-Type", "application/json"), ("Content-Type", "text/plain"))),
        c("valid, UTF-8 byte order mark first", expect=ACCEPTED_OR_4XX, body=lambda text: b"\xef\xbb\xbf" + text),
        c("valid, then garbage", expect=exactly(400), body=lambda text: text + b"}garbage", stores=False),
        c("truncated", expect=exactly(400), body=lambda text: text[: len(text) // 2], stores=False),
        c("empty body", expect=empty, body=lambda text: b"", stores=False),
        c("null", expect=ANY_4XX, body=lambda text: b"null", stores=False),
        c("a JSON string", expect=ANY_4XX, body=lambda text: b'"run"', stores=False),
        c("a 5000-digit number", expect=ANY_4XX, body=lambda text: b"1" + b"0" * 5000, stores=False),
        c("invalid UTF-8 in a string", expect=ANY_4XX, body=lambda text: text.replace(b'"', b'"\xff\xfe', 1)),
        c("a raw NUL byte first", expect=exactly(400), body=lambda text: b"\x00" + text, stores=False),
        c("a lone surrogate in an extra field", expect=ACCEPTED_OR_4XX,
          body=_insert(b'"reliability_note": "\\ud800", ')),
        c("the first key twice, a bogus value first", expect=ACCEPTED_OR_4XX,
          body=_insert(_duplicate_first_key(route))),
        c("arrays nested 100,000 deep", expect=ANY_4XX, body=lambda text: hostile.nested(100_000), stores=False),
        c("Content-Encoding br", expect=exactly(415), headers=(*JSON, ("Content-Encoding", "br"))),
        c("Content-Encoding gzip, plain body", expect=exactly(400), headers=GZIP),
        c("truncated gzip", expect=exactly(400), body=lambda text: hostile.gzipped(text)[:-12], headers=GZIP,
          stores=False),
        c("gzip bomb (128 MiB of zeros)", expect=exactly(413), body=lambda text: hostile.gzip_bomb(), headers=GZIP,
          stores=False),
        c("body one byte over the 64 MiB cap", expect=exactly(413), body=lambda text: hostile.over_the_cap(),
          stores=False),
    ]
    path = route.path.format(uid=uid_of(f"{route.label}: PUT"))
    return [*cases, http(f"{route.label}: PUT instead of POST", f"PUT {path}", b"{}", JSON, exactly(405))]


# (route, where the number goes, True for an integer field); each gets every spelling in hostile.NUMBERS.
NUMERIC_FIELDS = (
    (AGENTD_RUN, ("cost_usd",), False),
    (AGENTD_RUN, ("tokens", "input"), True),
    (AGENTD_RUN, ("duration_ms",), True),
    (AGENTD_RUN, ("events", 5, "tool_duration_ms"), True),
    (AGENTD_EVENT, ("sequence_number",), True),
    (AGENTD_EVENT, ("tool_duration_ms",), True),
    (AGENT_END, ("cost_usd",), False),
    (AGENT_END, ("input_tokens",), True),
    (AGENT_END, ("duration_ms",), False),
    (AGENT_END, ("ts",), True),
    (TELEMETRY, ("attributes", "llm.usage.input_tokens"), True),
    (TELEMETRY, ("attributes", "llm.response.duration_ms"), False),
    (LEGACY, ("data", "response", "usage", "input_tokens"), True),
    (LEGACY, ("data", "duration"), False),
)


def number_cases() -> list[Case]:
    cases = []
    for route, path, integer in NUMERIC_FIELDS:
        where = ".".join(map(str, path))
        for literal, (for_integer, for_float) in hostile.NUMBERS.items():
            shown = literal if len(literal) < 30 else f"{literal[:6]}... ({len(literal)} digits)"
            cases.append(route.case(f"{where} = {shown}", expect=for_integer if integer else for_float,
                                    body=lambda text, path=path, route=route, literal=literal: _spelled(
                                        text, path, literal)))
    return cases


def _spelled(text: bytes, path: tuple, literal: str) -> bytes:
    return hostile.raw_json(json.loads(text), path, literal)


def generic_cases() -> list[Case]:
    return [case for route in ROUTES for case in route_cases(route)] + number_cases()

