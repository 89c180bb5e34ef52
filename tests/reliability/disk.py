"""Part (c): a full disk. The collector's file lives on a 24 MB filesystem the battery mounts (tmpfs, else a
loop-mounted ext4 image) and fills; while full every ingest answer must be back-pressure (503/507 with Retry-After,
gRPC UNAVAILABLE or RESOURCE_EXHAUSTED), never a 500, and /health must say so; once space is freed, ingest and
/health must recover, and every item acknowledged before, during and after must be in the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.reliability import servers, stored
from tests.reliability.cases import Case, acknowledged, http
from tests.reliability.ingest import KINDS, run_rows
from tests.reliability.outcome import accepted
from tests.reliability.payloads import agentd_run
from tests.reliability.report import Part
from tests.reliability.wire import Answer, Target

SIZE = "24m"
# What the filler leaves for the collector: a few dozen commits of FILL_RUN before writes fail.
LEFT_BYTES = 2 << 20
FILL_SECONDS = 30
RECOVER_SECONDS = 20

ACCEPTED_BEFORE = "every path accepted before the disk fills"
FILLS = "writes fail once the disk is full"
BACK_PRESSURE = "every answer while full is 503/507 + Retry-After (gRPC UNAVAILABLE / RESOURCE_EXHAUSTED)"
HEALTH_FULL = "/health reports failing writes while full"
RECOVERS = "every path accepted again once space is freed"
HEALTH_AFTER = "/health healthy once space is freed"
CLEAN_STOP = "clean stop after the episode"
STORED = "every acknowledged item stored"


class Unavailable(Exception):
    """No small filesystem can be made here (not root, no loop devices); the part is skipped."""


def _run(*command: str) -> str | None:
    """None if the command succeeded, else what it said."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{command[0]}: {exc}"
    return None if result.returncode == 0 else f"{' '.join(command)}: {result.stderr.strip() or result.returncode}"


def _mount(where: Path, image: Path) -> str:
    """Mount a small filesystem at `where`; its kind, or Unavailable with every reason it could not be."""
    failed_tmpfs = _run("mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(where))
    if failed_tmpfs is None:
        return "tmpfs"
    with open(image, "wb") as file:
        file.truncate(int(SIZE[:-1]) << 20)
    failed_ext4 = _run("mkfs.ext4", "-q", "-F", str(image)) or _run("mount", "-o", "loop", str(image), str(where))
    if failed_ext4 is None:
        return "loop-mounted ext4"
    raise Unavailable(f"cannot mount a small filesystem: {failed_tmpfs}; {failed_ext4}")


@contextlib.contextmanager
def small_filesystem(where: Path, image: Path) -> Iterator[str]:
    """A SIZE filesystem at `where` for the block, unmounted and removed afterwards whatever happened."""
    where.mkdir()
    try:
        kind = _mount(where, image)
        try:
            yield kind
        finally:
            # Lazily if something still holds it open: the part must never leave a mount behind.
            _run("umount", str(where)) and _run("umount", "-l", str(where))
    finally:
        image.unlink(missing_ok=True)
        where.rmdir()


def _fill(filler: Path) -> None:
    """Write zeros until LEFT_BYTES are free (tmpfs and ext4 both allocate them)."""
    chunk = bytes(1 << 20)
    with open(filler, "wb") as file:
        while (free := shutil.disk_usage(filler.parent).free) > LEFT_BYTES:
            try:
                file.write(chunk[: min(len(chunk), free - LEFT_BYTES)])
                file.flush()
                os.fsync(file.fileno())
            except OSError:
                return


def _fill_run(uid: str) -> Case:
    # Hex is what costs the security scan least per byte (tests/reliability/stall.py shows what base64 costs).
    body = {**agentd_run(uid), "prompt": os.urandom(16 << 10).hex()}
    return http(f"AgentD run {uid} with a 32 KB prompt", "POST /v1/runs", json.dumps(body).encode(),
                lookups=run_rows(uid))


def _healthy(url: str) -> tuple[bool, str]:
    try:
        response = httpx.get(url + "/health", timeout=10)
    except httpx.HTTPError as exc:
        return False, f"no answer: {exc}"
    healthy = response.status_code == 200 and response.json().get("status") == "healthy"
    return healthy, f"{response.status_code} {response.text[:200]}"


class _Episode:
    def __init__(self, collector, part: Part):
        self.collector, self.part = collector, part
        self.target = Target.of(collector, keepalive=False)
        self.acked: list[Case] = []

    def send(self, case: Case, check: str) -> Answer:
        """Send and count the answer; answers that are neither accepted nor back-pressure fail `check`."""
        answer = self.target.send(case)
        self.part.saw(case.route, answer)
        if accepted(case, answer):
            self.acked.append(case)
        elif not answer.backing_off:
            self.part.fail(check, case.route, f"{case.name}: not accepted, and not back-pressure", answer)
        return answer

    def every_path(self, phase: str, check: str) -> list[tuple[str, Answer]]:
        """One item of every ingest path: (path, answer)."""
        return [(kind, self.send(make(f"d{phase}{n}"), check)) for n, (kind, make) in enumerate(KINDS.items())]

    def fill_until_refused(self) -> bool:
        deadline = time.monotonic() + FILL_SECONDS
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if not acknowledged(self.send(_fill_run(f"dfill{n}"), BACK_PRESSURE).status):
                return True
        return False

    def recover(self) -> bool:
        """Retry a write until it is accepted; until then the disk counts as full."""
        deadline = time.monotonic() + RECOVER_SECONDS
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if acknowledged(self.send(_fill_run(f"dretry{n}"), BACK_PRESSURE).status):
                return True
            time.sleep(0.5)
        return False


def _episode(fs: Path, workdir: Path, part: Part) -> None:
    db = fs / "disk.duckdb"
    collector = servers.start(db, workdir / "disk.log")  # the log stays off the small filesystem
    episode = _Episode(collector, part)
    try:
        servers.warm(collector)
        episode.every_path("before", ACCEPTED_BEFORE)
        filler = fs / "filler"
        _fill(filler)
        if not episode.fill_until_refused():
            part.fail(FILLS, "POST /v1/runs", f"every write was still accepted after {FILL_SECONDS} s")
        episode.every_path("full", BACK_PRESSURE)
        healthy, said = _healthy(collector.url)
        if healthy:
            part.fail(HEALTH_FULL, "GET /health", f"reports healthy while writes fail: {said}")
        filler.unlink()
        if not episode.recover():
            part.fail(RECOVERS, "POST /v1/runs", f"still refused {RECOVER_SECONDS} s after the space was freed")
        for kind, answer in episode.every_path("after", RECOVERS):
            if answer.backing_off:  # anything else but an acceptance was already reported by send
                part.fail(RECOVERS, kind, "still answered with back-pressure after the space was freed", answer)
        healthy, said = _healthy(collector.url)
        if not healthy:
            part.fail(HEALTH_AFTER, "GET /health", f"not healthy after the space was freed: {said}")
    finally:
        episode.target.close()
        code = collector.stop()
    if code != 0:
        part.fail(CLEAN_STOP, "SIGTERM", f"exited with {code}: {servers.last_lines(collector)}")
    owner = {lookup: case for case in episode.acked for lookup in case.lookups}
    lost = stored.missing(db, owner)
    for table, column, value in sorted(lost):
        part.fail(STORED, owner[table, column, value].route,
                  f"acknowledged {owner[table, column, value].name}, but {table}.{column} = {value!r} is not stored")
    part.lost = len({owner[lookup].name for lookup in lost})
    part.notes.append(f"{len(episode.acked)} items acknowledged around the episode, {part.lost} lost")


def run(workdir: Path, *, short: bool, seed: int) -> Part:
    """The same size in both modes: filling 24 MB takes seconds."""
    part = Part("disk")
    try:
        with small_filesystem(workdir / "small-fs", workdir / "small-fs.img") as kind:
            part.cases = 8
            part.notes.append(f"the file on a {SIZE} {kind} filesystem")
            _episode(workdir / "small-fs", workdir, part)
    except Unavailable as exc:
        part.skipped = str(exc)
    return part
