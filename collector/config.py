"""The collector's configuration: one frozen object built from flags and AGENT_COLLECTOR_* variables."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ENV_PREFIX = "AGENT_COLLECTOR_"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    db: Path = Path("agent-collector.duckdb")
    host: str = "127.0.0.1"
    http_port: int = 4318
    grpc_port: int = 4317
    api_keys: tuple[str, ...] = ()
    max_body_bytes: int = 64 * MIB
    queue_max_rows: int = 200_000


class ConfigError(ValueError):
    """A setting is invalid; the message names it."""


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, got {port}")
    return port


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of `serve`; each one's default comes from AGENT_COLLECTOR_<NAME>, then Config."""
    defaults = Config()
    parser.add_argument("--db", type=Path, default=defaults.db,
                        help="DuckDB file (created if missing); default %(default)s")
    parser.add_argument("--host", default=defaults.host,
                        help="address to listen on; default %(default)s")
    parser.add_argument("--http-port", type=_port, default=defaults.http_port,
                        help="port for every HTTP route (OTLP/HTTP and REST); 0 picks a free port; default %(default)s")
    parser.add_argument("--grpc-port", type=_port, default=defaults.grpc_port,
                        help="port for OTLP/gRPC; 0 picks a free port; default %(default)s")
    parser.add_argument("--api-key", dest="api_keys", action="append", default=None,
                        help="require this key (Authorization: Bearer or X-API-Key) on every route but /health; "
                             "repeatable; the environment variable takes a comma-separated list")
    parser.add_argument("--max-body-bytes", type=_positive, default=defaults.max_body_bytes,
                        help="largest request body accepted, after decompression; default %(default)s")
    parser.add_argument("--queue-max-rows", type=_positive, default=defaults.queue_max_rows,
                        help="rows waiting for the writer before ingest answers 503; default %(default)s")


def apply_environment(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Let AGENT_COLLECTOR_<NAME> set an option's default, so a flag still wins over the variable."""
    overrides = {}
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        name = action.option_strings[0].lstrip("-").replace("-", "_").upper()
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            continue
        try:
            if action.dest == "api_keys":
                overrides[action.dest] = [key.strip() for key in raw.split(",") if key.strip()]
            else:
                overrides[action.dest] = action.type(raw) if action.type else raw
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise ConfigError(f"{ENV_PREFIX}{name}={raw!r}: {exc}") from None
    parser.set_defaults(**overrides)


def from_namespace(args: argparse.Namespace) -> Config:
    keys = tuple(args.api_keys or ())
    if any(not key for key in keys):
        raise ConfigError("--api-key must not be empty")
    return Config(
        db=args.db,
        host=args.host,
        http_port=args.http_port,
        grpc_port=args.grpc_port,
        api_keys=keys,
        max_body_bytes=args.max_body_bytes,
        queue_max_rows=args.queue_max_rows,
    )

