"""The attribute table: every convention's names give the same concepts, and tokens the same exclusive buckets."""

from __future__ import annotations

import json

import pytest

from collector import semconv
from collector.receivers.otlp import OtlpDecodeError
from collector.receivers.otlp_json import decode_json

EXCLUSIVE = {"input": 800, "output": 100, "cache_read": 150, "cache_write": 50, "reasoning": 20}


@pytest.mark.parametrize("attributes", [
    {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
     "gen_ai.usage.cache_read.input_tokens": 150, "gen_ai.usage.cache_write.input_tokens": 50,
     "gen_ai.usage.reasoning.output_tokens": 20},
    {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
     "gen_ai.usage.cache_read.input_tokens": 150, "gen_ai.usage.cache_creation.input_tokens": 50,
     "gen_ai.usage.reasoning_tokens": 20},
    {"gen_ai.usage.prompt_tokens": 1000, "gen_ai.usage.completion_tokens": 100,
     "gen_ai.usage.cache_read_input_tokens": 150, "gen_ai.usage.cache_creation_input_tokens": 50,
     "llm.usage.reasoning_tokens": 20},
    {"llm.token_count.prompt": 1000, "llm.token_count.completion": 100,
     "llm.token_count.prompt_details.cache_read": 150, "llm.token_count.prompt_details.cache_write": 50,
     "llm.token_count.completion_details.reasoning": 20},
    {"input_tokens": 800, "output_tokens": 100, "cache_read_tokens": 150, "cache_creation_tokens": 50},
], ids=["otel", "otel-cache-creation", "legacy", "openinference", "anthropic-native"])
def test_tokens_come_out_as_exclusive_buckets(attributes):
    # Anthropic-native input already excludes the cache, and that convention has no reasoning count.
    expected = dict(EXCLUSIVE, reasoning=0) if "input_tokens" in attributes else EXCLUSIVE
    assert semconv.tokens(attributes) == expected


def test_counts_sent_as_strings_or_floats_are_read_and_negative_ones_are_zero():
    assert semconv.tokens({"gen_ai.usage.input_tokens": "12", "gen_ai.usage.output_tokens": 3.0}) == {
        "input": 12, "output": 3, "cache_read": 0, "cache_write": 0, "reasoning": 0}
    assert semconv.tokens({"gen_ai.usage.input_tokens": -5})["input"] == 0
    assert semconv.tokens({"service.name": "x"}) is None


@pytest.mark.parametrize("attributes, role", [
    ({"gen_ai.operation.name": "invoke_agent"}, "agent"),
    ({"gen_ai.operation.name": "invoke_workflow"}, "workflow"),
    ({"gen_ai.operation.name": "chat"}, "llm"),
    ({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}, "tool"),
    ({"openinference.span.kind": "AGENT"}, "agent"),
    ({"openinference.span.kind": "CHAIN"}, "chain"),
    ({"openinference.span.kind": "LLM"}, "llm"),
    ({"openinference.span.kind": "TOOL", "tool.name": "search"}, "tool"),
    ({"traceloop.span.kind": "workflow"}, "workflow"),
    ({"traceloop.span.kind": "agent"}, "agent"),
    ({"traceloop.span.kind": "tool"}, "tool"),
    ({"gen_ai.tool.name": "search"}, "tool"),
    ({"gen_ai.usage.input_tokens": 3}, "llm"),
    ({"input_tokens": 3}, "llm"),
    ({"http.method": "GET"}, None),
])
def test_roles(attributes, role):
    assert semconv.role(attributes) == role


def test_first_name_present_wins_in_priority_order():
    attributes = {"gen_ai.request.model": "requested", "gen_ai.response.model": "served", "llm.model_name": "oi"}
    assert semconv.first(attributes, "model") == "served"
    assert semconv.first({"gen_ai.system": "openai", "llm.provider": "x"}, "provider") == "openai"
    assert semconv.first({"session.id": "", "traceloop.association.properties.session_id": "s"}, "session_id") == "s"


def test_otlp_json_ids_are_hex_and_base64_ids_are_refused():
    span = {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174", "name": "x",
            "kind": 2, "startTimeUnixNano": "1544712660000000000", "endTimeUnixNano": 1544712661000000000,
            "attributes": [{"key": "traceId", "value": {"stringValue": "not an id"}}], "unknownField": 1}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    request = decode_json("traces", json.dumps(body).encode())
    decoded = request.resource_spans[0].scope_spans[0].spans[0]
    assert (decoded.trace_id.hex(), decoded.span_id.hex(), decoded.kind) == (
        "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", 2)
    assert decoded.end_time_unix_nano - decoded.start_time_unix_nano == 10**9
    assert decoded.attributes[0].value.string_value == "not an id"
    span["traceId"] = "W47/95gDgQPSabYzgT/GDA=="
    with pytest.raises(OtlpDecodeError, match=r"\$\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId"):
        decode_json("traces", json.dumps(body).encode())
