"""The `agent-collector` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from collector import __version__, server
from collector.config import ConfigError, add_arguments, from_arguments


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="agent-collector", description="Collector for AI-agent telemetry.")
    parser.add_argument("--version", action="version", version=f"agent-collector {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the collector",
                                description="Start the collector. Every option can also be set by its "
                                            "AGENT_COLLECTOR_<OPTION> environment variable; a flag wins.")
    add_arguments(serve)
    args = parser.parse_args(argv)
    try:
        config = from_arguments(args, os.environ)
    except ConfigError as exc:
        serve.error(str(exc))
    sys.exit(server.run(config))
