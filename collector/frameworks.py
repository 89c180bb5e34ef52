"""Which framework or instrumentation sent a span, from its instrumentation scope: one table, a line a scope prefix.

A run's framework is then its outermost span's whose scope is recognised here and is not a transport's
(analytics/sql/ingest/write_spans.sql), so an httpx or grpc child span never names it.
"""

from __future__ import annotations

import re
from functools import lru_cache

NEXT = "*"  # the framework is the scope name's next dotted part: openinference.instrumentation.langchain -> langchain
PROVIDER = "provider"  # the framework is the provider the span names (gen_ai.provider.name, gen_ai.system)
TRANSPORT = ""  # instruments a transport or web server; names a run only when nothing else in it does

# Scope prefix -> framework; the longest prefix that matches wins. Prefixes match whole dotted (or dashed) parts.
SCOPES: dict[str, str] = {
    "openinference.instrumentation": NEXT,
    "opentelemetry.instrumentation": NEXT,
    "opentelemetry.instrumentation.openai_v2": "openai",
    "opentelemetry.instrumentation.google_genai": "google-genai",
    "opentelemetry.instrumentation.vertexai": "vertexai",
    "opentelemetry.util.genai": PROVIDER,
    "openlit.instrumentation": NEXT,
    "traceloop": "traceloop",
    "com.anthropic.sdk": "anthropic",
    "pydantic-ai": "pydantic-ai",
    "pydantic_ai": "pydantic-ai",
    "logfire": "logfire",
    "openai.agents": "openai-agents",
    "agents": "openai-agents",
    "langchain": "langchain",
    "langgraph": "langgraph",
    "llama_index": "llama_index",
    "crewai": "crewai",
    "autogen": "autogen",
    "autogen-core": "autogen",
    "google.adk": "google-adk",
    "gcp.vertex.agent": "google-adk",
    "strands": "strands",
    "strands-agents": "strands",
    "semantic_kernel": "semantic_kernel",
    "Microsoft.SemanticKernel": "semantic_kernel",
    **{f"opentelemetry.instrumentation.{name}": TRANSPORT for name in (
        "httpx", "requests", "urllib", "urllib3", "aiohttp_client", "aiohttp_server", "grpc", "asgi", "wsgi",
        "fastapi", "starlette", "flask", "django", "tornado", "botocore", "boto3sqs", "redis", "sqlalchemy",
        "psycopg", "psycopg2", "asyncpg", "pymongo", "celery", "threading", "asyncio", "logging")},
}

_PART = re.compile(r"[^.]+")


@lru_cache(maxsize=4096)
def _match(scope: str) -> tuple[str, str] | None:
    """(the prefix's rule, the rest of the scope name) for the longest prefix matching scope, or None."""
    matches = [prefix for prefix in SCOPES
               if scope == prefix or (scope.startswith(prefix) and scope[len(prefix)] in ".-_/")]
    if not matches:
        return None
    prefix = max(matches, key=len)
    return SCOPES[prefix], scope[len(prefix):].lstrip(".-_/")


def framework(scope: str | None, provider: object = None) -> tuple[str | None, bool]:
    """(framework, is a transport) of a span from its scope name; (None, False) for scopes not in the table."""
    found = _match(scope) if scope else None
    if found is None:
        return None, False
    rule, rest = found
    if rule == TRANSPORT:
        return None, True
    if rule == NEXT:
        part = _PART.match(rest)
        return (part.group(0) if part else None), False
    if rule == PROVIDER:
        return (provider if isinstance(provider, str) and provider else None), False
    return rule, False
