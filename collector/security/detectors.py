"""Finds prompt injection, dangerous commands, secrets and personal data in text or JSON text; masks and redacts them.

A prefilter (prefilter.py) holds a relaxed copy of every rule that matches a superset of it, and tells in one linear
pass which rules can match; only those run their exact Python regex, in windows around where their relaxed copy
matched, and their confirming check. Benign text usually matches none, which is what keeps the scan cheap enough
for the writer thread. JSON text is scanned as it is stored: its escapes are read in place (offsets unchanged) and
spans are kept clear of quotes and escapes, so replacing a match leaves valid JSON.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate

from collector.security.prefilter import Prefilter, data, relaxed
from collector.security.rules import RULES, Rule

CATEGORIES = ("prompt_injection", "dangerous_command", "secret", "pii")
_HIDDEN = ("secret", "pii")  # never shown raw in an excerpt


@dataclass(frozen=True, slots=True)
class Match:
    category: str   # one of CATEGORIES
    rule: str       # stable snake_case rule id
    severity: str   # low | medium | high | critical
    start: int      # offsets into the scanned text
    end: int


# ---------------------------------------------------------------- the prefilter

@cache
def _prefilter() -> Prefilter:
    return Prefilter([relaxed(rule.regex) for rule in RULES])


def prepare() -> None:
    """Build (or load) the prefilter now, so that the first text scanned does not wait for it."""
    _prefilter()


# How far around a relaxed match its exact regex is run: what lookarounds can see, with room to spare.
_MARGIN = 256


# ---------------------------------------------------------------- JSON-safe spans

def _normalized(text: str) -> str:
    r"""JSON escapes read as what they stand for, offsets unchanged: \n (two characters) becomes a space and a
    newline, \" two quotes (so key = "value" patterns still see their quotes); also one level deeper, for JSON
    text held in a JSON string: \\n becomes two spaces and a newline, \\\" four quotes."""
    if "\\" not in text:
        return text
    if "\\\\" in text:
        text = (text.replace("\\\\n", "  \n").replace("\\\\r", "  \r").replace("\\\\t", "  \t")
                .replace('\\\\\\"', '""""'))
    return text.replace("\\n", " \n").replace("\\r", " \r").replace("\\t", " \t").replace('\\"', '""')


def _escape_around(text: str, pos: int) -> tuple[int, int] | None:
    """The backslash escape (\\n, \\", \\uXXXX) that pos falls strictly inside, as (start, end), if any."""
    for start in range(pos - 1, max(pos - 6, -1), -1):
        if text[start] != "\\":
            continue
        run = start
        while run > 0 and text[run - 1] == "\\":
            run -= 1
        if (start - run) % 2 == 0:  # this backslash opens an escape (it is not itself escaped)
            end = start + (6 if text[start + 1:start + 2] == "u" else 2)
            return (start, end) if start < pos < end else None
    return None


def _json_safe(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrinks a span so replacing it keeps JSON valid: no quote inside, no escape cut in two."""
    quote = text.find('"', start, end)
    if quote != -1:
        end = quote
    escape = _escape_around(text, end)
    end = escape[0] if escape else end
    escape = _escape_around(text, start)
    start = escape[1] if escape else start
    return start, end


# ---------------------------------------------------------------- scanning

_DELIMITERS = " \t\r\n=:\"'"


def _confirmed(rule: Rule, text: str, norm: str, found: re.Match[str]) -> tuple[int, int] | None:
    # A group is the value when only quotes (or the @ of user:pass@) follow it in the match: key = "value";
    # otherwise it is a prefix alternation such as detect-secrets' (ghp|gho|...)_ and the whole match is the secret.
    group = next((g for g in range(1, found.re.groups + 1)
                  if found.group(g) and not norm[found.end(g):found.end()].strip("\"'@")), 0)
    start, end = found.span(group)
    if rule.extend is not None:
        end = rule.extend(norm, end)
    if rule.category == "secret":
        while start < end and norm[start] in _DELIMITERS:
            start += 1
        if not rule.multiline:
            space = re.search(r"\s", norm[start:end])
            end = start + space.start() if space else end
        while end > start and norm[end - 1] in _DELIMITERS:
            end -= 1
    start, end = _json_safe(text, start, end)
    if rule.check is not None and start < end:
        end = start + rule.check(norm[start:end])
        start, end = _json_safe(text, start, end)
    return (start, end) if start < end else None


def _resolve(matches: list[Match]) -> tuple[Match, ...]:
    """One finding per thing found: no pii inside a secret (user:pass@host), none inside a bigger one of its kind."""
    secrets = sorted((m.start, m.end) for m in matches if m.category == "secret")
    starts, reach = [start for start, _ in secrets], list(accumulate((end for _, end in secrets), max))
    kept, furthest = [], dict.fromkeys(CATEGORIES, -1)
    for m in sorted(set(matches), key=lambda m: (m.start, -m.end, m.category, m.rule)):
        before = bisect_left(starts, m.end)  # secrets that start before m ends; do any reach past its start?
        if m.category == "pii" and before and reach[before - 1] > m.start:
            continue
        if furthest[m.category] >= m.end:  # an earlier one of its kind, starting no later, ends no sooner
            continue
        furthest[m.category] = m.end
        kept.append(m)
    return tuple(sorted(kept, key=lambda m: (m.start, m.end, m.category, m.rule)))


def _windows(spans: Iterator[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The stretches of the text around each place a relaxed regex matched, merged."""
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        low, high = max(0, start - _MARGIN), min(size, end + _MARGIN)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    return windows


def _find(rule: Rule, text: str, norm: str, low: int, high: int, matches: list[Match]) -> None:
    for found in rule.regex.finditer(norm, low, high):
        span = _confirmed(rule, text, norm, found)
        if span:
            matches.append(Match(rule.category, rule.name, rule.severity, *span))


@lru_cache(maxsize=16)  # mask() rescans the text its finding came from
def _scan(text: str) -> tuple[Match, ...]:
    norm = _normalized(text)
    read = data(norm)
    prefilter = _prefilter()
    matches: list[Match] = []
    for index in prefilter.matching(read):
        for low, high in _windows(prefilter.spans(index, read), len(norm)):
            _find(RULES[index], text, norm, low, high, matches)
    return _resolve(matches)


def scan(text: str) -> list[Match]:
    """Every match in text (plain or JSON), in order of position."""
    return list(_scan(text)) if text else []


def candidates(texts: Sequence[str | None]) -> set[int]:
    """Indexes of the texts that may hold a match: one pass of the prefilter over them all, one per line, instead
    of one per text; only these need scan(). Most texts hold nothing, so a column usually costs that one pass.

    Sound as a filter: no rule matches across a line break in a way that hides a match within a line (their
    character classes stop at it, or treat it as the white space or edge it stands for), so a text with a match
    makes the joined text have one too; a relaxed match is charged to every text it touches.
    """
    present = [i for i, text in enumerate(texts) if text]
    if not present:
        return set()
    distinct = list(dict.fromkeys(texts[i] for i in present))  # a resource's attributes repeat on every span
    read = data(_normalized("\n".join(distinct)))
    prefilter = _prefilter()
    entries = prefilter.matching(read)
    if not entries:
        return set()
    starts = [0, *accumulate(len(text) + 1 for text in distinct)]  # offset of each text; +1 for its line break
    flagged = set()
    for entry in entries:
        for start, end in prefilter.spans(entry, read):
            first, last = bisect_right(starts, start) - 1, bisect_right(starts, max(end - 1, 0)) - 1
            flagged.update(distinct[first:last + 1])
    return {i for i in present if texts[i] in flagged}


# ---------------------------------------------------------------- showing and removing

_CONTEXT = 24


def _hidden(value: str) -> str:
    """At most 4 leading characters (fewer for short values), then ***."""
    return value[:min(4, len(value) // 4)] + "***"


def mask(text: str, match: Match) -> str:
    """A short excerpt around match, with it and every secret or personal datum in the excerpt masked."""
    low, high = max(0, match.start - _CONTEXT), min(len(text), match.end + _CONTEXT)
    covered = {m for m in scan(text) if m.category in _HIDDEN and m.start < high and low < m.end}
    if match.category in _HIDDEN:
        covered.add(match)
    parts, cursor = [], low
    for m in sorted(covered, key=lambda m: (m.start, -m.end)):
        if m.start >= cursor:
            parts += [text[cursor:m.start], _hidden(text[m.start:m.end])]
        elif m.end > cursor:  # begins before the excerpt or overlaps the previous one: show none of it
            parts.append("***")
        cursor = max(cursor, m.end)
    parts.append(text[cursor:high])
    excerpt = re.sub(r"\s+", " ", "".join(parts)).strip()
    return ("…" if low else "") + excerpt + ("…" if high < len(text) else "")


def redact(text: str, categories: Collection[str]) -> str:
    """text with every match of those categories replaced by [REDACTED:<rule>]; JSON text stays valid JSON."""
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown categories: {sorted(unknown)}")
    spans: list[list] = []
    for m in scan(text):
        if m.category not in categories:
            continue
        if spans and m.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], m.end)
        else:
            spans.append([m.start, m.end, m.rule])
    if not spans:
        return text
    parts, cursor = [], 0
    for start, end, rule in spans:
        parts.append(text[cursor:start])
        parts.append(f"[REDACTED:{rule}]")
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
