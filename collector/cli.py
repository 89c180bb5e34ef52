"""The `agent-collector` command line."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from collector import __version__, server
from collector.config import ConfigError, add_serve_arguments, apply_environment, from_namespace


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="agent-collector", description="Collector for AI-agent telemetry.")
    parser.add_argument("--version", action="version", version=f"agent-collector {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the collector",
                                description="Start the collector. Every option can also be set by "
                                            "the environment variable AGENT_COLLECTOR_<OPTION>, e.g. "
                                            "AGENT_COLLECTOR_HTTP_PORT=4318.")
    add_serve_arguments(serve)
    try:
        apply_environment(serve, os.environ)
        config = from_namespace(parser.parse_args(argv))
    except ConfigError as exc:
        parser.exit(2, f"agent-collector: error: {exc}\n")
    sys.exit(server.run(config))
