"""Which detector rules can match a text, in one linear pass of Hyperscan over it, and where (RE2).

Each rule's Python regex is rewritten into a relaxed copy that matches a superset of it in a syntax both engines
read: lookarounds become consuming classes or go, anchors become the line break that also brackets every scanned
text, and a character outside ASCII is read as one byte of the upper half (its code point modulo 128), so that byte
offsets are character offsets and a literal such as 忽略 still needs two characters that share its bytes.
Hyperscan runs all the copies at once in time linear in the text, whatever the text looks like; an RE2 set did the
same work with a DFA built lazily for each new text, which on text it had not seen cost 3-4 ms per KB (seconds for
a base64 image). Compiling the Hyperscan database takes seconds, so it is kept in the user's cache directory, keyed
by the patterns and the Hyperscan version, and loaded in milliseconds on every later start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import hyperscan
import re2

log = logging.getLogger(__name__)

_SPACE = r"\t\n\x0b\x0c\r "  # Python's \s (re.ASCII); RE2's lacks \x0b


def _byte(code: int) -> int:
    """What a character outside ASCII is read as, in the text and in the patterns."""
    return 0x80 + code % 128


# Bytes 1 and 2 of a code point in UTF-32: any but 0 mark a character outside Latin-1.
_ABOVE_LATIN1 = bytes([0] + [0x80] * 255)


# ---------------------------------------------------------------- rewriting a rule

def _class_end(pattern: str, i: int) -> int:
    """Where the character class opening at pattern[i] ends (just past its ])."""
    j = i + 1 + (pattern[i + 1] == "^")
    j += pattern[j] == "]"  # a ] first in a class is a literal
    while pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _group_end(pattern: str, i: int) -> int:
    """Where the group opening at pattern[i] ends (just past its closing parenthesis)."""
    depth, j = 0, i
    while True:
        char = pattern[j]
        if char == "\\":
            j += 2
            continue
        if char == "[":
            j = _class_end(pattern, j)
            continue
        depth += (char == "(") - (char == ")")
        j += 1
        if depth == 0:
            return j


def _escaped(code: int) -> str:
    return f"\\x{_byte(code):02x}"


def _class(pattern: str) -> str:
    """A character class as the engines read it: \\s spelt out, members outside ASCII as their bytes; a negated
    class loses those members, so it matches every byte of the upper half. Both only widen the class."""
    negated = pattern.startswith("[^")
    body, members, i = pattern[2 if negated else 1:-1], [], 0
    while i < len(body):
        if body[i] == "\\":
            item, i = body[i:i + 2], i + 2
            members.append(_SPACE if item == "\\s" else item)
            continue
        ranged = i + 2 < len(body) and body[i + 1] == "-"
        low, high = body[i], body[i + 2] if ranged else body[i]
        i += 3 if ranged else 1
        if ord(high) < 128:
            members.append(f"{low}-{high}" if ranged else low)
            continue
        if ord(low) < 128:
            members.append(f"{low}-\\x7f")
        if not negated:  # a range of 128 or more characters outside ASCII reads as any byte of the upper half
            codes = range(max(ord(low), 128), ord(high) + 1)
            members += ["\\x80-\\xff"] if len(codes) >= 128 else [_escaped(code) for code in codes]
    return ("[^" if negated else "[") + "".join(members) + "]"


def _consuming(body: str, behind: bool) -> str:
    """A negative lookaround of one character class as a consuming one: (?<![ab]) -> (?:\\n|[^ab]), the line break
    standing for the text's edge. Other lookarounds are dropped, which only widens the pattern."""
    if re.fullmatch(r"\\[wdsWDS]", body):
        negated = {"\\s": f"[^{_SPACE}]", "\\S": f"[{_SPACE}]"}.get(body, "\\" + body[1].swapcase())
    elif body.startswith("[") and _class_end(body, 0) == len(body):
        negated = _class("[" + body[2:] if body.startswith("[^") else "[^" + body[1:])
    else:
        return ""
    return f"(?:\\n|{negated})"


def _superset(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            item = pattern[i:i + 2]
            out.append({"\\s": f"[{_SPACE}]", "\\S": f"[^{_SPACE}]"}.get(item, item))
            i += 2
        elif char == "[":
            j = _class_end(pattern, i)
            out.append(_class(pattern[i:j]))
            i = j
        elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            j = _group_end(pattern, i)
            head = 4 if pattern[i + 2] == "<" else 3
            negative = pattern[i + head - 1] == "!"
            out.append(_consuming(pattern[i + head:j - 1], head == 4) if negative else "")
            i = j
        else:
            # Every scanned text starts and ends with a line break, so an edge is a line break too.
            out.append("\\n" if char in "^$" else _escaped(ord(char)) if ord(char) > 127 else char)
            i += 1
    return "".join(out)


def relaxed(regex: re.Pattern[str]) -> str:
    """The rule's regex as a pattern both engines read, matching wherever the regex does in the same text once
    read by `data`."""
    flags = "".join(letter for flag, letter in ((re.I, "i"), (re.S, "s")) if regex.flags & flag)
    # RE2 caps counted repetition at 1000; an open upper bound is the superset.
    pattern = re.sub(r"\{(\d+),(\d{4,})\}", r"{\1,}", _superset(regex.pattern))
    return f"(?{flags}:{pattern})" if flags else pattern


def data(text: str) -> bytes:
    """The text as the prefilter reads it: one byte per character, bracketed by line breaks."""
    if text.isascii():
        return b"\n" + text.encode("ascii") + b"\n"
    # The low byte of each code point, with the upper half's bit set for every character outside ASCII: whole
    # strings at a time (str.translate builds its output a character at a time, 70 times slower).
    wide = text.encode("utf-32-le", "surrogatepass")
    low = int.from_bytes(wide[0::4], "little")
    above = int.from_bytes(wide[1::4].translate(_ABOVE_LATIN1), "little")
    above |= int.from_bytes(wide[2::4].translate(_ABOVE_LATIN1), "little")
    return b"\n" + (low | above).to_bytes(len(text), "little") + b"\n"


# ---------------------------------------------------------------- the database

def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agent-collector"


def _compiled(patterns: Sequence[str]) -> hyperscan.Database:
    """The database of these patterns, from the cache when it holds one this Hyperscan built for them."""
    key = hashlib.sha256("\n".join([hyperscan.__version__, *patterns]).encode()).hexdigest()[:24]
    path = _cache_dir() / f"prefilter-{key}.hsdb"
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except (OSError, hyperscan.error):
        pass  # not built yet on this machine, or built for another CPU
    log.info("compiling the security detectors' prefilter (once per machine and version)")
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[pattern.encode("ascii") for pattern in patterns], ids=list(range(len(patterns))),
                     flags=hyperscan.HS_FLAG_SINGLEMATCH)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(hyperscan.dumpb(database))
        partial.replace(path)  # whole or not at all, when processes build it at once
    except OSError as exc:
        log.warning("cannot keep the prefilter in %s (%s); every start compiles it", path.parent, exc.strerror)
    return database


class Prefilter:
    """The relaxed patterns, in one Hyperscan database and one RE2 regex each; safe to use from any thread."""

    def __init__(self, patterns: Sequence[str]):
        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.never_capture = True
        options.log_errors = False
        self._locators = [re2.compile(pattern.encode("ascii"), options) for pattern in patterns]
        self._database = _compiled(patterns)
        self._scratch = hyperscan.Scratch(self._database)
        self._local = threading.local()  # a scan needs scratch space no other scan uses meanwhile

    def matching(self, data: bytes) -> list[int]:
        """Indexes of the patterns that match somewhere in data (from `data`)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._scratch.clone()
        found: list[int] = []
        self._database.scan(data, match_event_handler=lambda index, *_: found.append(index), scratch=scratch)
        return sorted(found)

    def spans(self, index: int, data: bytes) -> Iterator[tuple[int, int]]:
        """Where pattern `index` matches data, as character offsets into the text `data` read."""
        size = len(data) - 2
        for found in self._locators[index].finditer(data):
            start, end = found.span()
            yield max(0, start - 1), min(size, end - 1)
