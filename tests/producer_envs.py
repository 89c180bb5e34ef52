"""Virtual environments for the instrumentation libraries that tests/test_instrumentations.py drives.

Their pins fight each other (Traceloop and OpenLIT need openai<3 and OTel 1.45.1; pydantic-ai pulls openai 3.x), so
each producer gets its own small environment, built from `tests/producers/<name>.txt`. An environment lives in
`<repo>/.producer-envs/<name>-<hash>` (gitignored; `AGENT_COLLECTOR_PRODUCER_ENVS` names another directory), the
hash covering the requirements and the Python version, so it is reused across runs until either changes. Builds run
in threads, all started together (`start_all()`, called from conftest once the session collects a test that needs
them); `environment(name)` waits for one and raises `BuildError` with pip's output if it failed.

`python -m tests.producer_envs [name…]` builds them by hand and prints how long each took.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PRODUCERS = Path(__file__).with_name("producers")
REPO = Path(__file__).resolve().parent.parent
NAMES = ("pydantic_ai", "openinference_openai", "openai_v2", "traceloop", "openlit")
BUILD_TIMEOUT = 1200.0


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class Environment:
    name: str
    path: Path
    python: Path
    seconds: float  # how long this session waited for it: the build, or a few ms when reused
    reused: bool

    def run(self, script: str, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120.0) -> subprocess.CompletedProcess:
        """Run `tests/producers/<script>` with this environment's Python."""
        return subprocess.run([str(self.python), str(PRODUCERS / script), *args], capture_output=True, text=True,
                              timeout=timeout, env={**_clean_env(), **(env or {})}, cwd=PRODUCERS)


def root() -> Path:
    return Path(os.environ.get("AGENT_COLLECTOR_PRODUCER_ENVS") or REPO / ".producer-envs")


def requirements(name: str) -> Path:
    return PRODUCERS / f"{name}.txt"


def key(name: str) -> str:
    digest = hashlib.sha256()
    digest.update(requirements(name).read_bytes())
    digest.update(f"{sys.implementation.name}-{sys.version_info[:3]}-{sys.platform}".encode())
    return digest.hexdigest()[:16]


def _clean_env() -> dict[str, str]:
    """The test process's environment without what would leak its own venv or OTel settings into a producer."""
    return {k: v for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("OTEL_")}


def _build(name: str) -> Environment:
    began = time.monotonic()
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"{name}-{key(name)}"
    python = path / "bin" / "python"
    marker = path / ".complete"
    with open(base / f"{name}.lock", "w") as lock:  # two sessions (or xdist workers) build one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and python.exists():
            return Environment(name, path, python, time.monotonic() - began, True)
        shutil.rmtree(path, ignore_errors=True)  # a build that was cut off
        log: list[str] = []

        def step(*command: str) -> None:
            done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                                  env={**_clean_env(), "PIP_NO_INPUT": "1"})
            log.append(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}")
            if done.returncode != 0:
                raise BuildError(f"building the {name} environment failed (exit {done.returncode}):\n"
                                 + "\n".join(log))

        try:
            step(sys.executable, "-m", "venv", "--without-pip", str(path))
            # the test venv's pip installs into the new one: no ensurepip, no second pip
            step(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input",
                 "--progress-bar", "off", "-r", str(requirements(name)))
        except subprocess.TimeoutExpired as e:
            raise BuildError(f"building the {name} environment took over {BUILD_TIMEOUT}s:\n" + "\n".join(log)
                             + f"\n{e.stdout or ''}{e.stderr or ''}") from e
        seconds = time.monotonic() - began
        marker.write_text(json.dumps({"seconds": round(seconds, 1), "requirements": requirements(name).read_text()}))
        _prune(base, name, path)
        return Environment(name, path, python, seconds, False)


def _prune(base: Path, name: str, keep: Path) -> None:
    """Environments of older requirement sets of this producer go: each is a few hundred MB."""
    for other in base.glob(f"{name}-*"):
        if other != keep and other.is_dir() and other.name[len(name) + 1:].isalnum():
            shutil.rmtree(other, ignore_errors=True)


_futures: dict[str, Future] = {}
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def start_all(names: tuple[str, ...] = NAMES) -> None:
    """Start building (or finding) every environment in the background; returns at once."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=len(NAMES), thread_name_prefix="producer-env")
        for name in names:
            if name not in _futures:
                _futures[name] = _pool.submit(_build, name)


def environment(name: str, timeout: float = BUILD_TIMEOUT) -> Environment:
    start_all((name,))
    return _futures[name].result(timeout)


def main(argv: list[str]) -> int:
    names = tuple(argv) or NAMES
    began = time.monotonic()
    start_all(names)
    failed = 0
    for name in names:
        try:
            env = environment(name)
            print(f"{name}: {'reused' if env.reused else 'built'} in {env.seconds:.1f}s -> {env.path}")
        except BuildError as e:
            failed += 1
            print(e)
    print(f"all: {time.monotonic() - began:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
