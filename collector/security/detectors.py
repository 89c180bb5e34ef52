"""Finds prompt injection, dangerous commands, secrets and personal data in text or JSON text; masks and redacts them.

One RE2 set holds a relaxed copy of every rule (RE2 has no lookarounds: each becomes a consuming class or goes, so
the copy matches a superset) and tells in one linear pass which rules can match; only those run their exact Python
regex, in windows around where their relaxed copy matched, and their confirming check. Benign text usually matches
none, which is what keeps the scan cheap enough for the writer thread. JSON text is scanned as it is stored: its
escapes are read in place (offsets unchanged) and spans are kept clear of quotes and escapes, so replacing a match
leaves valid JSON.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import re2

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


def _consuming(body: str, behind: bool) -> str:
    """A negative lookaround of one character class as RE2 can say it: (?<![ab]) -> (?:^|[^ab]). Other
    lookarounds are dropped, which only widens the pattern."""
    if re.fullmatch(r"\\[wdsWDS]", body):
        negated = "\\" + body[1].swapcase()
    elif body.startswith("[") and _class_end(body, 0) == len(body):
        negated = "[" + body[2:] if body.startswith("[^") else "[^" + body[1:]
    else:
        return ""
    return f"(?:{'^' if behind else '$'}|{negated})"


def _without_lookarounds(pattern: str) -> str:
    """The pattern in RE2's syntax, which has no lookarounds: each becomes a consuming class or goes. What is left
    matches wherever the pattern did, which is all a prefilter needs."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif pattern[i] == "[":
            j = _class_end(pattern, i)
            out.append(pattern[i:j])
            i = j
        elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            j = _group_end(pattern, i)
            head = 4 if pattern[i + 2] == "<" else 3
            negative = pattern[i + head - 1] == "!"
            out.append(_consuming(pattern[i + head:j - 1], head == 4) if negative else "")
            i = j
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _relaxed(regex: re.Pattern[str]) -> str:
    flags = "".join(letter for flag, letter in ((re.I, "i"), (re.M, "m"), (re.S, "s")) if regex.flags & flag)
    # RE2 caps counted repetition at 1000; an open upper bound is the superset.
    pattern = re.sub(r"\{(\d+),(\d{4,})\}", r"{\1,}", _without_lookarounds(regex.pattern))
    return f"(?{flags}:{pattern})" if flags else pattern


def _prefilter(rules: tuple[Rule, ...]) -> tuple[re2.Set, list[tuple[int, re2._Regexp]], frozenset[int]]:
    """The RE2 set; for each of its entries the rule's index and its relaxed regex (which says where it matched);
    and the rules RE2 cannot express, which always run."""
    options = re2.Options()
    options.max_mem = 256 << 20  # a set never falls back from its DFA: give it room
    options.never_capture = True
    options.log_errors = False
    prefilter, entries, always = re2.Set.SearchSet(options), [], set()
    for index, rule in enumerate(rules):
        try:
            pattern = _relaxed(rule.regex)
            entries.append((index, re2.compile(pattern, options)))
            prefilter.Add(pattern)
        except re2.error:
            always.add(index)
            entries = [entry for entry in entries if entry[0] != index]
    prefilter.Compile()
    return prefilter, entries, frozenset(always)


_PREFILTER, _ENTRIES, _ALWAYS = _prefilter(RULES)
PREFILTERED_RULES = len(_ENTRIES)  # for the benchmark's report
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
    if "\\" in text:
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


def _windows(locator: re2._Regexp, data: bytes, norm: str) -> list[tuple[int, int]]:
    """The stretches of norm (character offsets) around each place the relaxed regex matched data, merged."""
    if len(data) == len(norm):
        spans = [found.span() for found in locator.finditer(data)]
    else:  # RE2 counts bytes: turn them into characters, decoding each stretch once
        spans, at_byte, at_char = [], 0, 0
        for found in locator.finditer(data):
            start = at_char + len(data[at_byte:found.start()].decode())
            at_byte, at_char = found.end(), start + len(data[found.start():found.end()].decode())
            spans.append((start, at_char))
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        low, high = max(0, start - _MARGIN), min(len(norm), end + _MARGIN)
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
    data = norm.encode()
    matches: list[Match] = []
    for entry in _PREFILTER.Match(data) or ():
        index, locator = _ENTRIES[entry]
        for low, high in _windows(locator, data, norm):
            _find(RULES[index], text, norm, low, high, matches)
    for index in _ALWAYS:
        _find(RULES[index], text, norm, 0, len(norm), matches)
    return _resolve(matches)


def scan(text: str) -> list[Match]:
    """Every match in text (plain or JSON), in order of position."""
    return list(_scan(text)) if text else []


def candidates(texts: Sequence[str | None]) -> set[int]:
    """Indexes of the texts that may hold a match: one pass of the RE2 set over them all, one per line, instead of
    one per text; only these need scan(). Most texts hold nothing, so a column usually costs that one pass.

    Sound as a filter: no rule matches across a line break in a way that hides a match within a line (their
    character classes stop at it, or treat it as the white space or edge it stands for), so a text with a match
    makes the joined text have one too; a relaxed match is charged to every text it touches.
    """
    present = [i for i, text in enumerate(texts) if text]
    if _ALWAYS or not present:
        return set(present)
    distinct = list(dict.fromkeys(texts[i] for i in present))  # a resource's attributes repeat on every span
    joined = "\n".join(distinct)
    data = _normalized(joined).encode()
    entries = _PREFILTER.Match(data)
    if not entries:
        return set()
    lengths = (len(text) if len(data) == len(joined) else len(text.encode()) for text in distinct)
    starts = [0, *accumulate(length + 1 for length in lengths)]  # byte offset of each text; +1 for its line break
    flagged = set()
    for entry in entries:
        for match in _ENTRIES[entry][1].finditer(data):
            first, last = bisect_right(starts, match.start()) - 1, bisect_right(starts, max(match.end() - 1, 0)) - 1
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
