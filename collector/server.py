"""The collector's lifecycle: open the store, bind, start the writer and gRPC, serve; on a signal, stop in reverse."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import sys

import uvicorn

from collector.app import create_app
from collector.config import Config
from collector.receivers import otlp_grpc
from collector.receivers.workers import Workers, processes
from collector.security import detectors
from collector.store import Store, StoreError
from collector.writer import Writer

log = logging.getLogger("agent-collector")

# How long gRPC calls in flight at a stop may take to finish; they only wait for the writer's next commit.
GRPC_GRACE_SECONDS = 10


class StartupError(RuntimeError):
    """Something the collector needs is not available; the message is one line for the operator."""


def bind(host: str, port: int, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Naming the protocol matters: asyncio sets TCP_NODELAY on accepted sockets only when the listener says
    # IPPROTO_TCP, and without it every answer after the first on a kept-alive connection waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        raise StartupError(f"{what} port {host}:{port} {reason}; choose another with --{what.lower()}-port") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _already_handled(signum: int, frame: object) -> None:
    log.info("received %s; finishing shutdown", signal.Signals(signum).name)


async def _serve(config: Config, workers: Workers, writer: Writer, http: uvicorn.Server,
                 http_socket: socket.socket, http_address: str) -> None:
    """gRPC starts in uvicorn's loop and stops, letting its calls finish, once HTTP has stopped on a signal."""
    grpc_server, grpc_address = await otlp_grpc.start(config, workers, writer)
    log.info("gRPC listening on %s (OTLP/gRPC, RunService)", grpc_address)
    log.info("HTTP listening on %s (OTLP/HTTP, AgentD, agentmetrics and Cylestio ingest, query API)", http_address)
    try:
        await http.serve(sockets=[http_socket])
    finally:
        await grpc_server.stop(GRPC_GRACE_SECONDS)


def run(config: Config) -> int:
    """Serve until SIGINT or SIGTERM; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The ports first: a start that fails on one leaves no database file behind.
    try:
        http_socket = bind(config.host, config.http_port, "HTTP")
        # grpc only logs why it cannot bind a port; asking the OS first turns a taken port into one line.
        try:
            bind(config.host, config.grpc_port, "gRPC").close()
        except StartupError:
            http_socket.close()
            raise
    except StartupError as exc:
        print(f"agent-collector: {exc}", file=sys.stderr)
        return 1
    # The workers first: their start (1.4 s, most of it imports) overlaps opening the file.
    workers = Workers(processes(), config.redacted_categories)
    try:
        store = Store(config.db, config.memory_limit)
    except StoreError as exc:
        workers.close()
        http_socket.close()
        print(f"agent-collector: {exc}", file=sys.stderr)
        return 1
    detectors.prepare()
    writer = Writer(store, config.queue_max_rows, workers.received, config.redacted_categories)
    try:
        host, port = http_socket.getsockname()[:2]
        log.info("database %s opened", config.db)
        if config.redact:
            log.info("redacting %s before anything is stored", ", ".join(sorted(config.redacted_categories)))
        app = create_app(config, store, workers, writer)
        # uvicorn stops accepting on SIGINT/SIGTERM and lets in-flight requests finish; they wait on the writer.
        # Once shut down it re-raises the signal to the handler it found, which must not end the process
        # before the writer has drained and the file is checkpointed below.
        for handled in (signal.SIGINT, signal.SIGTERM):
            signal.signal(handled, _already_handled)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
        # Connections wait in the listening socket's backlog until everything can answer them: /health is ready
        # only then (it was answered 1.4 s before the workers could take an OTLP export).
        workers.wait_started()
        asyncio.run(_serve(config, workers, writer, server, http_socket, f"http://{host}:{port}"))
    except otlp_grpc.BindError as exc:
        print(f"agent-collector: gRPC port {exc}; choose another with --grpc-port", file=sys.stderr)
        return 1
    finally:
        writer.close()  # before the workers: deriving what landed as received needs them
        workers.close()
        store.close()
        log.info("stopped; every acknowledged batch is committed")
    return 0
