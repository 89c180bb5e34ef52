"""Cylestio telemetry, either wire format, as event and finding rows: one table of event names, one row shape.

Both receivers (cylestio_legacy for the mini server's format, cylestio for cylestio-local-server's) read their
format into a `CylestioEvent`; everything after that is shared. Which run an event belongs to is the receiver's
guess; the writer's SQL (analytics/sql/ingest/write_events.cylestio.sql) settles it and derives the runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collector import pricing
from collector.batch import Batch
from collector.bounds import MAX_DURATION_MS, MAX_TOKENS
from collector.instants import format_instant

SOURCE = "cylestio"

# Event name as the client sent it -> normalized type; a name not listed keeps its own name.
TYPES: dict[str, str] = {
    # cylestio-monitor 0.1.6 and later (cylestio-local-server format)
    "llm.call.start": "llm_request",
    "llm.call.finish": "llm_call",
    "llm.call.end": "llm_call",
    "llm.call.error": "error",
    "tool.execution": "tool_call",
    "tool.start": "tool_call",
    "agent_tool.start": "tool_call",
    "tool.result": "tool_result",
    "tool.end": "tool_result",
    "agent_tool.end": "tool_result",
    "tool.error": "tool_result",
    "agent_tool.error": "tool_result",
    "monitoring.start": "run_start",
    "monitoring.stop": "run_end",
    "framework.patch": "framework_patch",
    # cylestio-monitor up to 0.1.4 (mini-server format)
    "LLM_call_start": "llm_request",
    "LLM_call_finish": "llm_call",
    "LLM_call_blocked": "llm_blocked",
    "LLM_call_error": "error",
    "mcp_error": "error",
    "call_start": "tool_call",
    "MCP_tool_call_start": "tool_call",
    "call_finish": "tool_result",
    "MCP_tool_call_finish": "tool_result",
    "call_error": "tool_result",
    "MCP_tool_call_blocked": "tool_blocked",
    "security_alert": "security_alert",
    "monitor_init": "run_start",
    "monitoring_enabled": "run_start",
    "monitor_finish": "run_end",
    "monitoring_disabled": "run_end",
    "framework_patch": "framework_patch",
    "LLM_patch": "framework_patch",
    "MCP_patch": "framework_patch",
}
# Each kind of security alert the client detected is its own name: security.content.dangerous, ...suspicious.
SECURITY_PREFIX = "security.content."
# Tool events that report a call that raised.
FAILED_TOOL_NAMES = frozenset({"tool.error", "agent_tool.error", "call_error"})
# Types that report a failure whatever their level.
FAILURE_TYPES = frozenset({"error", "llm_blocked", "tool_blocked"})
# Levels that mean the event reports a failure (the run's status is derived from these in SQL too).
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
SEVERITIES = frozenset({"critical", "high", "medium", "low", "info"})
ALERT_SEVERITY = {"dangerous": "high", "critical": "critical", "suspicious": "medium"}
# The client's categories that mean one of the collector's (0.1.4 raises `dangerous` on its dangerous-command
# keywords); others are kept as sent. Its rule is the client's own word, as "client:<word>".
CATEGORIES = {"dangerous_commands": "dangerous_command", "dangerous": "dangerous_command",
              "prompt_manipulation": "prompt_injection"}
# `sensitive_data` is PII when a keyword names personal data (cylestio-monitor sends "email_address:b*b@x.com",
# "credit_card:****", "ssn", ...), else a secret (password, api_key, token, openai_api_key, ...).
PII_KEYWORDS = ("email", "phone", "ssn", "credit", "card", "passport", "driver", "bank", "iban", "birth")

def finding_category(category: str, keywords: Any) -> str:
    """The collector's category for a category the client reported, where the two mean the same."""
    if category == "sensitive_data":
        names = [str(k).split(":", 1)[0].lower() for k in keywords] if isinstance(keywords, list) else []
        return "pii" if any(word in name for name in names for word in PII_KEYWORDS) else "secret"
    return CATEGORIES.get(category, category)


def event_type(name: str) -> str:
    if name.startswith(SECURITY_PREFIX):
        return "security_alert"
    return TYPES.get(name, name)


class BadValue(ValueError):
    """A value the collector stores in a typed column has the wrong type or range; `where` names the field."""

    def __init__(self, where: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.where = where
        self.message = message


def text(value: Any) -> str | None:
    """A free-form field used as a name or id: strings as sent, numbers spelled out, anything else absent."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def count(value: Any, where: tuple[str | int, ...]) -> int | None:
    """A token count: a whole number from 0 to MAX_TOKENS, or absent (null)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TOKENS:
        raise BadValue(where, f"must be a whole number from 0 to {MAX_TOKENS}, got {json.dumps(value)[:40]}")
    return value


def milliseconds(value: Any, where: tuple[str | int, ...], *, scale: float = 1.0) -> float | None:
    """A duration as milliseconds (`scale` 1000 for seconds): a number from 0 to MAX_DURATION_MS, or absent."""
    if value is None:
        return None
    try:
        ms = float(value) * scale if isinstance(value, int | float) and not isinstance(value, bool) else -1.0
    except OverflowError:  # an integer beyond a double
        ms = -1.0
    if not 0 <= ms <= MAX_DURATION_MS:
        raise BadValue(where, f"must be a duration from 0 to {MAX_DURATION_MS} ms, got {json.dumps(value)[:40]}")
    return ms


def tokens(usage: Mapping[str, Any], where: tuple[str | int, ...], *, prefix: str = "") -> dict[str, int] | None:
    """Exclusive token buckets from Anthropic-style (input excludes cache) or OpenAI-style (prompt includes the
    cached part) usage; None when the usage holds neither input nor output."""
    def read(*names: str) -> int | None:
        for name in names:
            found = count(usage.get(prefix + name), (*where, prefix + name))
            if found is not None:
                return found
        return None

    fresh, output = read("input_tokens"), read("output_tokens", "completion_tokens")
    prompt = None if fresh is not None else read("prompt_tokens")
    if fresh is None and prompt is None and output is None:
        return None
    cache_read = read("cache_read_input_tokens")
    details = usage.get(prefix + "prompt_tokens_details")
    if prompt is not None and cache_read is None and isinstance(details, Mapping):
        cache_read = count(details.get("cached_tokens"), (*where, prefix + "prompt_tokens_details", "cached_tokens"))
    cache_read = cache_read or 0
    if fresh is None:
        fresh = max((prompt or 0) - cache_read, 0)
    return {"input": fresh, "output": output or 0, "cache_read": cache_read,
            "cache_write": read("cache_creation_input_tokens") or 0}


@dataclass
class CylestioEvent:
    """One event as either format says it, before it becomes rows."""

    format: str                       # "legacy" (mini server) | "current" (cylestio-local-server)
    name: str                         # the event name as sent (event_type or name)
    timestamp: datetime
    level: str
    agent_id: str | None
    session_id: str | None            # the session the event itself names; None lets the writer assign its run
    run_id: str                       # the receiver's guess; see write_events.cylestio.sql for legacy ones
    identity: tuple[Any, ...]         # what makes a re-sent event the same event
    sent: dict[str, Any]              # the rest of the body as sent: attributes or data, ids, channel, ...
    model: str | None = None
    provider: str | None = None
    tokens: dict[str, int] | None = None
    duration_ms: float | None = None
    tool_name: str | None = None
    tool_id: str | None = None
    tool_success: bool | None = None
    error_type: str | None = None
    error_message: str | None = None
    framework: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def type(self) -> str:
        return event_type(self.name)

    @property
    def event_id(self) -> str:
        # The client sends no id: a hash of what identifies the event, so a re-sent event replaces itself.
        digest = hashlib.sha256(json.dumps(self.identity, separators=(",", ":")).encode()).hexdigest()
        return f"cylestio-{digest[:32]}"

    def add_finding(self, category: str, severity: str, alert_level: str | None, description: str | None,
                    data: dict[str, Any], *, keywords: Any = None, excerpt: str | None = None) -> None:
        """A finding the client reported under its own category word; `excerpt` is its masked sample."""
        self.findings.append({"category": finding_category(category, keywords), "rule": f"client:{category}",
                              "severity": severity, "alert_level": alert_level, "description": description,
                              "excerpt": excerpt, "data": data})

    def rows(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(the events row, the findings rows)."""
        event_id, kind = self.event_id, self.type
        cost, cost_source = (pricing.cost(None, self.tokens, self.model, self.provider) if kind == "llm_call"
                             else (None, None))
        tool_ms = round(self.duration_ms) if self.duration_ms is not None and kind.startswith("tool_") else None
        error = ({"type": self.error_type, "message": self.error_message, "stack": None}
                 if self.error_type or self.error_message else None)
        record = {
            "event_id": event_id, "type": kind, "timestamp": format_instant(self.timestamp), "sequence_number": 0,
            "tool_name": self.tool_name, "tool_id": self.tool_id, "tool_duration_ms": tool_ms,
            "tool_success": self.tool_success, "tokens": self.tokens, "error": error, "model": self.model,
            "provider": self.provider, "cost_usd": cost, "cost_source": cost_source, "duration_ms": self.duration_ms,
            "framework": self.framework, "name": self.name, "level": self.level, "agent_id": self.agent_id,
            "session_id": self.session_id, "format": self.format,
        }
        record.update(self.sent)
        counts = self.tokens or {}
        row = {
            "event_id": event_id, "run_id": self.run_id, "source": SOURCE, "type": kind,
            "timestamp": self.timestamp, "sequence_number": 0,
            "tool_name": self.tool_name, "tool_id": self.tool_id, "tool_duration_ms": tool_ms,
            "tool_success": self.tool_success,
            "tokens_input": counts.get("input"), "tokens_output": counts.get("output"),
            "tokens_cache_read": counts.get("cache_read"), "tokens_cache_write": counts.get("cache_write"),
            "model": self.model, "cost_usd": cost,
            "agent_id": self.agent_id, "session_id": self.session_id, "level": self.level,
            "duration_ms": self.duration_ms, "error_type": self.error_type, "error_message": self.error_message,
            "data": _json(record),
        }
        findings = [{
            "finding_id": f"{event_id}:{index}", "source": SOURCE, "detector": "client", "run_id": self.run_id,
            "event_id": event_id, "agent_id": self.agent_id, "session_id": self.session_id,
            "timestamp": self.timestamp, **finding, "data": _json(finding["data"]),
        } for index, finding in enumerate(self.findings)]
        return row, findings


def severity(value: Any, alert_level: str | None) -> str:
    """The client's severity when it is one of ours, else what its alert level means."""
    if isinstance(value, str) and value.lower() in SEVERITIES:
        return value.lower()
    return ALERT_SEVERITY.get(alert_level or "", "low")


def first(*values: Any) -> Any:
    """The first value that is present (not None): 0 and "" count as present."""
    return next((value for value in values if value is not None), None)


def batch(rows: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> Batch:
    """One Batch from the `CylestioEvent.rows()` of every event of a request."""
    return Batch.from_rows(events=[event for event, _ in rows],
                           security_findings=[finding for _, findings in rows for finding in findings])


def _json(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        # The JSON parser reads 1e400 as infinity, which the store cannot hold.
        raise BadValue((), "a number in the event is beyond the range of a double (about 1.8e308)") from None
