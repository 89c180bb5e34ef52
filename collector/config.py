"""The collector's configuration: one frozen object built from flags and AGENT_COLLECTOR_* variables."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "AGENT_COLLECTOR_"
# --redact words -> the detector categories whose matches are replaced before anything is stored.
REDACT = {"secrets": ("secret",), "pii": ("pii",), "all": ("secret", "pii")}


@dataclass(frozen=True)
class Config:
    db: Path = Path("agent-collector.duckdb")
    host: str = "127.0.0.1"
    http_port: int = 4318
    grpc_port: int = 4317
    api_keys: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024 * 1024
    read_timeout: float = 30.0
    queue_max_rows: int = 200_000
    memory_limit: str = "512MB"
    redact: tuple[str, ...] = ()

    @property
    def redacted_categories(self) -> frozenset[str]:
        return frozenset(category for word in self.redact for category in REDACT[word])


class ConfigError(ValueError):
    """A setting is invalid; the message names it."""


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"must be an integer, got {value!r}") from None


def _port(value: str) -> int:
    port = _integer(value)
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0..65535, got {port}")
    return port


def _positive(value: str) -> int:
    number = _integer(value)
    if number < 1:
        raise ValueError(f"must be at least 1, got {number}")
    return number


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not 0 < seconds < 86_400:
        raise ValueError(f"must be more than 0 and less than a day, got {value!r}")
    return seconds


def _size(value: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B)", value.strip(), re.IGNORECASE):
        raise ValueError(f"must be a size such as 512MB or 2GiB, got {value!r}")
    return value.strip()


def _redact(value: str) -> str:
    word = value.strip().lower()
    if word not in REDACT:
        raise ValueError(f"must be one of {', '.join(REDACT)}, got {value!r}")
    return word


def _key(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


@dataclass(frozen=True)
class Setting:
    flag: str
    field: str
    parse: Callable[[str], Any]
    metavar: str
    help: str
    repeatable: bool = False

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.flag.removeprefix("--").replace("-", "_").upper()


SETTINGS = (
    Setting("--db", "db", Path, "PATH", "DuckDB file, created and upgraded on start"),
    Setting("--host", "host", str, "ADDRESS", "address to listen on"),
    Setting("--http-port", "http_port", _port, "PORT", "port of every HTTP route; 0 picks a free port"),
    Setting("--grpc-port", "grpc_port", _port, "PORT", "port of OTLP/gRPC; 0 picks a free port"),
    Setting("--api-key", "api_keys", _key, "KEY", "require this key (Authorization: Bearer or X-API-Key) on every "
            "route but /health; repeatable; the variable takes a comma-separated list", repeatable=True),
    Setting("--max-body-bytes", "max_body_bytes", _positive, "BYTES",
            "largest request body accepted, after decompression"),
    Setting("--read-timeout", "read_timeout", _seconds, "SECONDS",
            "longest a request body may take to arrive; a slower one is answered 408"),
    Setting("--queue-max-rows", "queue_max_rows", _positive, "ROWS",
            "rows waiting for the writer before ingest answers 503"),
    Setting("--memory-limit", "memory_limit", _size, "SIZE",
            "most memory DuckDB may use for caching and queries; larger sorts and joins spill to disk"),
    Setting("--redact", "redact", _redact, "|".join(REDACT),
            "replace secrets, PII or both with [REDACTED:<rule>] in everything stored; repeatable; the variable "
            "takes a comma-separated list", repeatable=True),
)


def _argument_type(setting: Setting) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            return setting.parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = setting.field  # argparse names the type in its messages
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Config()
    for s in SETTINGS:
        default = getattr(defaults, s.field)
        shown = ", ".join(default) if s.repeatable else default
        parser.add_argument(s.flag, dest=s.field, type=_argument_type(s), metavar=s.metavar,
                            action="append" if s.repeatable else "store",
                            help=f"{s.help} (default {shown or 'none'}; variable {s.variable})")


def from_arguments(args: argparse.Namespace, environ: Mapping[str, str]) -> Config:
    """A flag wins over its variable, a variable over the default; every value is checked before anything opens."""
    values: dict[str, Any] = {}
    for s in SETTINGS:
        given = getattr(args, s.field)
        if given is not None:
            values[s.field] = tuple(given) if s.repeatable else given
            continue
        raw = environ.get(s.variable)
        if raw is None:
            continue
        try:
            if s.repeatable:
                values[s.field] = tuple(s.parse(part) for part in raw.split(",") if part.strip())
            else:
                values[s.field] = s.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{s.variable}={raw!r}: {exc}") from None
    return Config(**values)
