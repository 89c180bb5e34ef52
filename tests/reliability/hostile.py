"""Hostile values and bodies the corpus builds its cases from: numbers JSON encoders never write, odd strings,
bombs and bodies past the size cap. Large bodies are built once and shared by every case that sends them."""

from __future__ import annotations

import copy
import functools
import gzip
import json
import zlib
from typing import Any

from tests.reliability.cases import ACCEPTED_OR_4XX, ANY_4XX, Expect

MAX_BODY_BYTES = 64 << 20  # the collector's default --max-body-bytes
MARK = "__reliability_raw_value__"

# Numbers as a client may spell them, with what an integer field and a float field may answer. NaN and the
# infinities are not JSON and must be refused (README: a 422); so must integers a BIGINT cannot hold.
NUMBERS: dict[str, tuple[Expect, Expect]] = {
    "NaN": (ANY_4XX, ANY_4XX),
    "Infinity": (ANY_4XX, ANY_4XX),
    "-Infinity": (ANY_4XX, ANY_4XX),
    "1e400": (ANY_4XX, ANY_4XX),  # a parser reading it as a double gets infinity
    "1e308": (ANY_4XX, ACCEPTED_OR_4XX),
    "-1e308": (ANY_4XX, ACCEPTED_OR_4XX),
    "1e300": (ANY_4XX, ACCEPTED_OR_4XX),
    "-0": (ACCEPTED_OR_4XX, ACCEPTED_OR_4XX),
    "-0.0": (ACCEPTED_OR_4XX, ACCEPTED_OR_4XX),
    "5e-324": (ANY_4XX, ACCEPTED_OR_4XX),  # the smallest subnormal double
    str(2**63 - 1): (ACCEPTED_OR_4XX, ACCEPTED_OR_4XX),
    str(2**63): (ANY_4XX, ACCEPTED_OR_4XX),
    str(-(2**63) - 1): (ANY_4XX, ACCEPTED_OR_4XX),
    str(2**64): (ANY_4XX, ACCEPTED_OR_4XX),
    str(10**30): (ANY_4XX, ACCEPTED_OR_4XX),
    "1" + "0" * 4000: (ANY_4XX, ANY_4XX),  # past any integer and any double
    "1.5": (ANY_4XX, ACCEPTED_OR_4XX),
    '"12"': (ACCEPTED_OR_4XX, ACCEPTED_OR_4XX),
    "true": (ACCEPTED_OR_4XX, ACCEPTED_OR_4XX),
    "[]": (ANY_4XX, ANY_4XX),
}

# Strings that are valid JSON but odd: stored as sent, or refused, never a 500.
STRINGS: dict[str, str] = {
    "empty": "",
    "NUL": "a\u0000b",
    "RTL override": "evil\u202etxt.exe",
    "zero-width joiners": "\u200d\u200b\ufeff" * 50,
    "emoji sequence": "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" * 20,
    "combining marks": "e" + "\u0301" * 5000,
    "noncharacters": "\ufffe\uffff\U0010ffff",
    "path traversal": "../../../../etc/passwd",
    "SQL": "'; DROP TABLE runs; --",
    "10 KB": "k" * 10_000,
}


def raw_json(document: Any, path: tuple[str | int, ...], literal: str) -> bytes:
    """The document as JSON with the value at `path` spelled `literal` exactly: NaN, 1e400 or -0 are not what
    json.dumps writes for any Python value, and clients do send them."""
    document = copy.deepcopy(document)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = MARK
    return json.dumps(document).replace(json.dumps(MARK), literal).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


def deflated(body: bytes) -> bytes:
    return zlib.compress(body)


@functools.cache
def gzip_bomb() -> bytes:
    """128 MiB of zeros in about 128 KB of gzip: twice the cap once inflated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(128)) + packer.flush()


@functools.cache
def over_the_cap() -> bytes:
    """One byte more than the cap allows, as a JSON string so that only its size is wrong."""
    return b'"' + b"x" * (MAX_BODY_BYTES - 1) + b'"'


@functools.cache
def text_of(size: int) -> str:
    """`size` characters of plain text (compressible, cheap to scan): what size alone does to a route."""
    return ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
