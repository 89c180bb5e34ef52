"""Which span attributes mean what: one table over the OTel GenAI (current and legacy), OpenInference,
Traceloop/OpenLLMetry, OpenLIT and Anthropic-native names. Adding a convention is adding a name to a row.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from collector.bounds import MAX_COST_USD, MAX_TOKENS

# Concept -> attribute names, first present wins. Kept in the priority order of the conventions' own docs:
# OTel GenAI current, OTel legacy, OpenInference, Traceloop, OpenLIT, vendor-native.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "operation": ("gen_ai.operation.name",),
    "openinference_kind": ("openinference.span.kind",),
    "traceloop_kind": ("traceloop.span.kind",),
    "llm_request_type": ("llm.request.type",),
    "agent_id": ("gen_ai.agent.id",),
    "agent_name": ("gen_ai.agent.name", "agent.name"),
    "workflow_name": ("gen_ai.workflow.name", "traceloop.workflow.name"),
    "entity_name": ("traceloop.entity.name",),
    "session_id": ("gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id",
                   "gen_ai.agent.session_id"),
    "provider": ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model", "llm.response.model_name", "llm.model_name",
              "llm.request.model_name"),
    "tool_name": ("gen_ai.tool.name", "tool.name"),
    "tool_call_id": ("gen_ai.tool.call.id", "tool.id", "tool_call.id"),
    "error_type": ("error.type", "gen_ai.framework.error.type"),
    "cost_usd": ("llm.cost.total", "gen_ai.usage.cost", "operation.cost"),
    "response_id": ("gen_ai.response.id", "llm.response.id"),
    "mcp_method": ("mcp.method.name",),
}

class TokenNames(NamedTuple):
    input: str
    output: str
    cache_read: tuple[str, ...]
    cache_write: tuple[str, ...]
    reasoning: tuple[str, ...]
    input_includes_cache: bool


# Token counts come in two accountings. "Inclusive" input counts cached tokens too (OTel GenAI, OpenInference,
# Traceloop, OpenLIT); Anthropic-native input does not. The first row whose input or output is present is used
# as a whole, so names from different accountings are never mixed.
TOKEN_CONVENTIONS = tuple(TokenNames(*row) for row in (
    ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
     ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
      "gen_ai.usage.prompt_tokens_details.cached_tokens"),
     ("gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
      "gen_ai.usage.cache_creation_input_tokens"),
     ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens"),
     True),
    ("gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens",
     ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
     ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
     ("gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens"),
     True),
    ("llm.token_count.prompt", "llm.token_count.completion",
     ("llm.token_count.prompt_details.cache_read",),
     ("llm.token_count.prompt_details.cache_write",),
     ("llm.token_count.completion_details.reasoning",),
     True),
    ("input_tokens", "output_tokens", ("cache_read_tokens", "cache_read_input_tokens"),
     ("cache_creation_tokens", "cache_creation_input_tokens"), (), False),
))

# What a span is, from whichever convention says so.
_ROLES_BY_OPERATION = {
    "invoke_agent": "agent", "create_agent": "agent", "invoke_workflow": "workflow",
    "chat": "llm", "text_completion": "llm", "generate_content": "llm", "embeddings": "llm",
    "execute_tool": "tool",
}
_ROLES_BY_OPENINFERENCE = {"AGENT": "agent", "CHAIN": "chain", "LLM": "llm", "EMBEDDING": "llm", "TOOL": "tool"}
_ROLES_BY_TRACELOOP = {"workflow": "workflow", "agent": "agent", "tool": "tool"}
_LLM_REQUEST_TYPES = frozenset({"chat", "completion", "embedding", "rerank"})  # Traceloop's llm.request.type
# Spans of these roles start a run; the outermost one in a trace wins.
RUN_ROLES = frozenset({"agent", "workflow", "chain"})


def first(attributes: dict[str, Any], concept: str) -> Any:
    for name in ATTRIBUTES[concept]:
        value = attributes.get(name)
        if value is not None and value != "":
            return value
    return None


def role(attributes: dict[str, Any]) -> str | None:
    """agent, workflow, chain, llm or tool; None for spans no convention describes."""
    operation = first(attributes, "operation")
    if operation in _ROLES_BY_OPERATION:
        return _ROLES_BY_OPERATION[operation]
    kind = first(attributes, "openinference_kind")
    if isinstance(kind, str) and kind.upper() in _ROLES_BY_OPENINFERENCE:
        return _ROLES_BY_OPENINFERENCE[kind.upper()]
    kind = first(attributes, "traceloop_kind")
    if kind in _ROLES_BY_TRACELOOP:
        return _ROLES_BY_TRACELOOP[kind]
    if first(attributes, "llm_request_type") in _LLM_REQUEST_TYPES:
        return "llm"
    method = first(attributes, "mcp_method")
    if method is not None:  # MCP: a tools/call is a tool call; initialize, tools/list and the like are not
        return "tool" if method == "tools/call" else None
    if first(attributes, "tool_name") is not None:
        return "tool"
    if any(attributes.get(c.input) is not None or attributes.get(c.output) is not None for c in TOKEN_CONVENTIONS):
        return "llm"
    return None


def agent_span_name(attributes: dict[str, Any], span_name: str, span_role: str | None) -> str | None:
    """The agent's name where the convention puts it in the span's own name (OpenInference AGENT spans; OTel GenAI
    `invoke_agent {name}`) or in Traceloop's entity name of an agent span."""
    if span_role != "agent":
        return None
    operation = first(attributes, "operation")
    if operation in ("invoke_agent", "create_agent"):
        prefix, _, rest = span_name.partition(" ")
        return rest.strip() or None if prefix == operation else None
    if first(attributes, "traceloop_kind") == "agent":
        return first(attributes, "entity_name")
    return span_name or None


def tool_name(attributes: dict[str, Any], span_name: str, span_role: str | None) -> str | None:
    """The tool a tool span ran: its attribute, else Traceloop's entity name, else an MCP `tools/call {name}`."""
    if span_role != "tool":
        return first(attributes, "tool_name")
    name = first(attributes, "tool_name") or first(attributes, "entity_name")
    if name is None and first(attributes, "mcp_method") == "tools/call":
        name = span_name.removeprefix("tools/call").strip() or None
    return name


def workflow_name(attributes: dict[str, Any], span_role: str | None) -> str | None:
    return first(attributes, "workflow_name") or (
        first(attributes, "entity_name") if span_role in ("workflow", "chain") else None)


class BadNumber(ValueError):
    """A count or cost attribute the store cannot hold or sum (NaN, infinite, or past collector.bounds)."""


def _count(attributes: dict[str, Any], names: tuple[str, ...]) -> int:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int | float):
            if not value <= MAX_TOKENS or value == -math.inf:  # NaN compares false
                raise BadNumber(f"{name} must be a token count from 0 to {MAX_TOKENS}, got {value}")
            return max(int(value), 0)
    return 0


def cost_usd(attributes: dict[str, Any]) -> Any:
    """The cost the span reports, if it is a number the store can sum."""
    value = first(attributes, "cost_usd")
    if isinstance(value, int | float) and not isinstance(value, bool) and not value <= MAX_COST_USD:
        raise BadNumber(f"the reported cost must be at most {MAX_COST_USD} USD, got {value}")
    return value


def tokens(attributes: dict[str, Any]) -> dict[str, int] | None:
    """Exclusive buckets, whatever the source's accounting: input excludes cache reads and writes. Raises BadNumber
    for a count that is NaN, infinite or larger than MAX_TOKENS."""
    for names in TOKEN_CONVENTIONS:
        if attributes.get(names.input) is None and attributes.get(names.output) is None:
            continue
        read, write = _count(attributes, names.cache_read), _count(attributes, names.cache_write)
        given = _count(attributes, (names.input,))
        return {
            "input": max(given - read - write, 0) if names.input_includes_cache else given,
            "output": _count(attributes, (names.output,)),
            "cache_read": read,
            "cache_write": write,
            "reasoning": _count(attributes, names.reasoning),
        }
    return None
