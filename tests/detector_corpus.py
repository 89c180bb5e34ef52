"""The labelled security corpus (tests/data/security_corpus.jsonl) and per-category precision and recall over it.

One JSON object a line: {"text", "labels": [categories], "note"?, "holdout"?, "batch"?}. Every secret in it is FAKE,
made at random once. How texts are labelled (a text carries a category when it contains the thing itself):
- secret: a string in a real credential format of a provider (documented examples such as AKIAIOSFODNN7EXAMPLE
  included: nothing tells them from a live key), or a private key block. Not: placeholders (sk-..., <your-key>,
  AKIAXXXXXXXXXXXXXXXX), prefixes named in prose, certificates and public keys, hashes, ids, Stripe test-mode keys.
- pii: an e-mail address (support and example addresses too), a valid phone number (libphonenumber) written with
  a + or the separators of a phone number, a payment card number that passes Luhn with a known issuer prefix, a
  valid IBAN (mod 97), a US SSN, a UK National Insurance number. Not: ssh remotes (git@host:path), file names
  (logo@2x.png), order numbers, versions, timestamps, 16-digit ids that fail Luhn.
- prompt_injection: an instruction addressed to a model to drop its instructions, take an unrestricted persona, or
  reveal its system prompt, including such a payload quoted in a security text. Not: a user revising their own
  request ("ignore my previous instructions about the colours"), ignoring errors or warnings, prose about injection.
- dangerous_command: a destructive shell or SQL command of the listed kinds (rm -r of /, ~, a system directory or
  *, mkfs/dd/redirection onto a disk device, fork bombs, DROP TABLE/DATABASE, TRUNCATE, DELETE without WHERE,
  curl|wget piped to a shell, chmod -R 777 /, shutdown/reboot, format c:, rd /s C:\\, find / -delete,
  kill -9 -1), also when quoted. Not: rm of relative or temporary paths, DELETE with WHERE, natural language
  ("drop the table from the report", "reboot the box?").
Rows marked holdout were written with the rest before any rule was tuned, and were never looked at while tuning.
Batch blind-4 (60 prompt injections, 40 benign near-misses) was written later without reading the rules or the
other rows, and scored before any change; its misses were then read to name the phrase families the prompt
injection rules lacked, so since then it is a holdout no longer: its figures are no longer blind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from collector.security.detectors import CATEGORIES, scan

CORPUS = Path(__file__).parent / "data" / "security_corpus.jsonl"


@dataclass(frozen=True)
class Row:
    text: str
    labels: frozenset[str]
    holdout: bool
    note: str | None
    batch: str | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)   # texts labelled with the category but not detected
    false: list[str] = field(default_factory=list)    # texts detected but not labelled

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load() -> list[Row]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Row(r["text"], frozenset(r["labels"]), bool(r.get("holdout")), r.get("note"), r.get("batch")) for r in rows]


def evaluate(rows: list[Row], as_json: bool = False) -> dict[str, Score]:
    """Per category, over texts: a text counts as detected when scan finds at least one match of the category.
    as_json scans each text as a JSON document holding it ({"content": text}), as the stored columns do."""
    scores = {category: Score() for category in CATEGORIES}
    for row in rows:
        text = json.dumps({"content": row.text}) if as_json else row.text
        found = {m.category for m in scan(text)}
        for category, score in scores.items():
            labelled, detected = category in row.labels, category in found
            if labelled and detected:
                score.tp += 1
            elif detected:
                score.fp += 1
                score.false.append(row.text)
            elif labelled:
                score.fn += 1
                score.misses.append(row.text)
    return scores
