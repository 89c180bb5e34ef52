"""Starts `agent-collector serve` as a real subprocess on free ports with its own database, for tests and benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

_LISTENING = re.compile(r"HTTP listening on (http://\S+)")
_GRPC_LISTENING = re.compile(r"gRPC listening on (\S+)")


class Collector:
    def __init__(self, db: Path, log: Path, *args: str, env: dict[str, str] | None = None):
        self.db = db
        self.log_path = log
        self.args = args
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.grpc_target = ""

    def start(self, timeout: float = 30.0) -> Collector:
        self._log = open(self.log_path, "ab")
        since = self._log.tell()  # a restart appends to the log: read only what this start writes
        command = [sys.executable, "-m", "collector", "serve", "--db", str(self.db),
                   "--http-port", "0", "--grpc-port", "0", *self.args]
        self.proc = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()[since:]
            found, grpc_found = _LISTENING.search(log), _GRPC_LISTENING.search(log)
            if found and grpc_found and self._healthy(found.group(1)):
                self.url, self.grpc_target = found.group(1), grpc_found.group(1)
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        raise RuntimeError(f"collector did not start within {timeout}s:\n{self.log()}")

    def _healthy(self, url: str) -> bool:
        try:
            return httpx.get(url + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        code, self.proc = self.proc.returncode, None
        return code

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)
