"""The database file and its write-ahead log as they are on disk, checked before DuckDB opens them.

DuckDB replays a write-ahead log left by a crash when it opens the file, but drops a log whose header is damaged,
or the part of one after a damaged length, without a word (from a 57 KB log of 50 commits: 0 or 24 of them), and
then truncates the log at its next commit. It deletes a log that has no database beside it. So a log is copied
aside before DuckDB reads it, and the copy is deleted only once DuckDB says it replayed the whole log.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

# Bytes 8..11 of every DuckDB database file; others (SQLite's "SQLite format 3") are refused before DuckDB tries
# the extension that would read them.
MAGIC = b"DUCK"
_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


class FileError(RuntimeError):
    """The file cannot be opened as it is; the message says why and what to do, in one line."""


def wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def check(path: Path) -> None:
    """Refuse what DuckDB would misread: a file of another kind, or a log without its database."""
    if wal(path).exists() and not path.exists():
        raise FileError(f"{wal(path)} is the write-ahead log of a database that is not there ({path}); DuckDB would "
                        f"delete it: restore {path}, or move the log away to start a new database")
    if not path.exists():
        return
    with path.open("rb") as file:
        head = file.read(16)
    if head[8:12] != MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format 3") else "empty" if not head else \
            "not a DuckDB database"
        raise FileError(f"{path} is {kind}; point --db at a new file or one this collector created")


class KeptLog:
    """A copy of a write-ahead log, kept until DuckDB has replayed the whole of it."""

    def __init__(self, path: Path):
        self.path = wal(path)
        self.size = self.path.stat().st_size
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.copy = self.path.with_name(f"{self.path.name}.{stamp}")
        try:
            shutil.copyfile(self.path, self.copy)
        except OSError as exc:
            self.copy.unlink(missing_ok=True)
            raise FileError(f"cannot copy {self.path} aside before replaying it ({exc.strerror}); free some space "
                            "and start again") from None

    def discard(self) -> None:
        self.copy.unlink(missing_ok=True)

    def settle(self, replayed_shown: str) -> None:
        """Delete the copy if DuckDB replayed the whole log (its size of the log, as PRAGMA database_size shows it,
        right after opening), else say what was left out and where the log is kept."""
        replayed, unit = _bytes(replayed_shown)
        if self.size - replayed < unit:
            self.discard()
            return
        log.error("%s held %d bytes and DuckDB replayed about %d of them (none is left to replay if the crash came "
                  "during a checkpoint; else commits were lost to damage): the log is kept as %s", self.path,
                  self.size, replayed, self.copy)


def _bytes(shown: str) -> tuple[int, int]:
    """DuckDB's "436.1 KiB" as bytes, and the size of its last digit: DuckDB cuts the count down to it."""
    number, unit = shown.split()
    decimals = len(number.partition(".")[2])
    return round(float(number) * _UNITS[unit]), max(1, _UNITS[unit] // 10 ** decimals)


def keep_log(path: Path) -> KeptLog | None:
    """A copy of the file's write-ahead log, if a crash left one with anything in it."""
    log_path = wal(path)
    return KeptLog(path) if log_path.exists() and log_path.stat().st_size else None


def open_error(path: Path, exc: Exception) -> str:
    """One line for the operator about why DuckDB would not open the file."""
    text = str(exc)
    if "lock" in text.lower():
        holder = text.split("Conflicting lock is held in", 1)[-1].split(". See also", 1)[0].strip()
        return f"database {path} is locked by another process ({holder}); stop it or use another --db"
    replay = re.search(r'replaying WAL file "[^"]*":\s*(.*)', text, re.S)
    if replay:
        reason = re.sub(r"\s+", " ", replay.group(1)).strip()
        return (f"cannot open {path}: its write-ahead log {wal(path)} cannot be replayed ({reason}); both files are "
                f"unchanged. To start from the last checkpoint without the commits the log holds, move it aside "
                f"(mv {wal(path)} {wal(path)}.bad)")
    return f"cannot open database {path}: {text}"
