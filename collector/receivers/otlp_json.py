"""OTLP/JSON into protobuf request messages: hex ids, integer enums, lowerCamelCase, int64 as string or number.

Plain proto3 JSON parsing reads the hex ids as base64 and silently stores garbage ids, so ids are converted first.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from collector.receivers.otlp import SIGNALS, OtlpDecodeError

# OTLP/JSON spells these ids as hex where proto3 JSON expects base64; everything else is plain proto3 JSON.
_ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"})


def _ids_to_base64(node: Any, path: str) -> None:
    if isinstance(node, dict):
        for key, item in node.items():
            where = f"{path}.{key}"
            if key in _ID_FIELDS and isinstance(item, str):
                try:
                    node[key] = base64.b64encode(bytes.fromhex(item)).decode()
                except ValueError:
                    raise OtlpDecodeError(f"{where} must be a hex string, got {item[:40]!r}") from None
            elif key not in ("attributes", "body", "value"):  # attribute values are data, never ids
                _ids_to_base64(item, where)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _ids_to_base64(item, f"{path}[{index}]")


def decode_json(signal: str, body: bytes) -> Message:
    """OTLP/JSON: hex ids, integer enums, lowerCamelCase keys, int64 as string or number, unknown fields ignored."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError) as exc:
        raise OtlpDecodeError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise OtlpDecodeError("request body must be a JSON object")
    try:
        _ids_to_base64(data, "$")
        return json_format.ParseDict(data, SIGNALS[signal].request(), ignore_unknown_fields=True)
    except (json_format.ParseError, binascii.Error, RecursionError) as exc:
        raise OtlpDecodeError(f"request body is not valid OTLP/JSON: {exc}") from None
