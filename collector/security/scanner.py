"""Security findings for a batch, and redaction of its text: run once per batch before it is committed, in the
writer's scan thread or, for OTLP, in the worker process that decoded it.

The detectors read the stored text itself (a JSON column as its JSON text), so no row is parsed here; their rules
are built not to fire on the ids, timestamps and numbers such JSON holds. One finding per row and rule, with an id
derived from the row, so a re-posted row replaces its findings instead of adding to them. Redaction reads the text
columns the scan did not, and rewrites only the cells where a match was found.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from analytics.tables import SCHEMAS
from collector.batch import Batch, Columns
from collector.security import detectors, pseudonyms

log = logging.getLogger(__name__)

DETECTOR = "collector"
# The columns whose text the detectors read, per table; the other columns hold ids, names, times and numbers.
CONTENT = {
    "runs": ("data", "error_message"),
    "events": ("data", "error_message"),
    "spans": ("attributes", "events", "status_message"),
    "logs": ("body", "attributes"),
}
# A Cylestio security alert carries the client's sample of content that its LLM event carries too, already a
# client finding; scanning it again would report the same text twice.
SKIPPED_EVENT_TYPES = frozenset({"security_alert"})
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass
class _Hit:
    """Every match of one rule in one row; the first one is shown in the excerpt."""

    first: detectors.Match
    text: str
    column: str
    count: int = 0
    severity: str = "info"
    columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    """What a finding in a row points at."""

    key: str
    source: str | None
    timestamp: datetime | None
    run_id: str | None = None
    event_id: str | None = None
    agent_id: str | None = None
    session_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _run(columns: Columns, i: int) -> _Row:
    return _Row(columns["run_id"][i], columns["source"][i], columns["started_at"][i] or columns["finished_at"][i],
                run_id=columns["run_id"][i], agent_id=columns["agent_id"][i], session_id=columns["session_id"][i])


def _event(columns: Columns, i: int) -> _Row | None:
    if columns["type"][i] in SKIPPED_EVENT_TYPES:
        return None
    event_id = columns["event_id"][i]
    return _Row(event_id, columns["source"][i], columns["timestamp"][i], run_id=columns["run_id"][i],
                event_id=event_id, agent_id=columns["agent_id"][i], session_id=columns["session_id"][i])


def _span(columns: Columns, i: int) -> _Row:
    # An LLM or tool span becomes the event of this id, a run span the run; the writer's SQL finds which.
    trace_id, span_id = columns["trace_id"][i], columns["span_id"][i]
    key = f"{trace_id}-{span_id}"
    return _Row(key, "otlp", columns["start_time"][i], event_id=key, agent_id=columns["agent_id"][i],
                session_id=columns["session_id"][i], extra={"trace_id": trace_id, "span_id": span_id})


def _log(columns: Columns, i: int) -> _Row:
    # Log records have no id: a hash of the record, so a re-sent one replaces its findings.
    identity = [columns[name][i] for name in ("time", "observed_time", "trace_id", "span_id", "event_name", "body",
                                              "attributes")]
    digest = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:32]
    trace_id, span_id = columns["trace_id"][i], columns["span_id"][i]
    return _Row(f"log-{digest}", "otlp", columns["time"][i] or columns["observed_time"][i],
                event_id=f"{trace_id}-{span_id}" if trace_id and span_id else None,
                extra={"trace_id": trace_id, "span_id": span_id, "event_name": columns["event_name"][i]})


LOCATE: dict[str, Callable[[Columns, int], _Row | None]] = {"runs": _run, "events": _event, "spans": _span,
                                                             "logs": _log}


def _in_json(value: str, data: str) -> bool:
    """Whether the JSON text holds this string, escaped either way JSON writers escape it."""
    return any(json.dumps(value, ensure_ascii=ascii_only)[1:-1] in data for ascii_only in (False, True))


def _texts(columns: Columns, names: tuple[str, ...], i: int) -> list[tuple[str, str]]:
    """(column, text) of a row; an error message its JSON record already holds is read once."""
    texts = [(name, value) for name in names if (value := columns[name][i])]
    if len(texts) > 1 and texts[0][0] == "data":
        data = texts[0][1]
        texts = [texts[0], *((name, value) for name, value in texts[1:]
                             if name != "error_message" or not _in_json(value, data))]
    return texts


def _hits(texts: list[tuple[str, str]]) -> dict[str, _Hit]:
    hits: dict[str, _Hit] = {}
    for column, text in texts:
        for match in detectors.scan(text):
            hit = hits.get(match.rule)
            if hit is None:
                hit = hits[match.rule] = _Hit(match, text, column)
            hit.count += 1
            if SEVERITY_RANK.get(match.severity, 0) >= SEVERITY_RANK.get(hit.severity, 0):
                hit.severity = match.severity
            if column not in hit.columns:
                hit.columns.append(column)
    return hits


def _finding(table: str, row: _Row, rule: str, hit: _Hit, now: datetime) -> dict[str, Any]:
    category = hit.first.category
    return {
        "finding_id": f"{row.key}:{rule}", "source": row.source, "detector": DETECTOR, "run_id": row.run_id,
        "event_id": row.event_id, "agent_id": row.agent_id, "session_id": row.session_id,
        "timestamp": row.timestamp or now, "category": category, "severity": hit.severity, "rule": rule,
        "excerpt": detectors.mask(hit.text, hit.first),
        "description": f"{category.replace('_', ' ')} ({rule}) in {table}.{hit.column}",
        "data": json.dumps({"count": hit.count, "columns": [f"{table}.{c}" for c in hit.columns], **row.extra},
                           separators=(",", ":")),
    }


@dataclass
class Scan:
    """What reading a batch found: its findings, and per content column read in every row, the rows holding a
    match (any category), so that redaction need not read those columns again."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    matched: dict[tuple[str, str], set[int]] = field(default_factory=dict)


def scan(batch: Batch) -> Scan:
    """The collector's findings in every row of the batch (security_findings rows), and where the matches are."""
    now = datetime.now(UTC)
    result = Scan()
    for table, names in CONTENT.items():
        columns = getattr(batch, table)
        if not columns:
            continue
        # An error message is not read when its record holds it, so only redaction knows whether it matches.
        matched = {name: result.matched.setdefault((table, name), set()) for name in names if name != "error_message"}
        locate = LOCATE[table]
        for i in sorted(set().union(*(detectors.candidates(columns[name]) for name in names))):
            texts = _texts(columns, names, i)
            hits = _hits(texts) if texts else None
            if not hits:
                continue
            for hit in hits.values():
                for column in hit.columns:
                    if column in matched:
                        matched[column].add(i)
            if (row := locate(columns, i)) is not None:
                result.findings.extend(_finding(table, row, rule, hit, now) for rule, hit in hits.items())
    return result


def with_findings(batch: Batch, found: list[dict[str, Any]]) -> Batch:
    """The batch plus these findings rows."""
    if not found:
        return batch
    names = SCHEMAS["security_findings"].names
    mine = {name: [row.get(name) for row in found] for name in names}
    theirs = batch.security_findings
    merged = {name: [*theirs[name], *mine[name]] for name in names} if theirs else mine
    return replace(batch, security_findings=merged)


def _redacted(values: list[Any], categories: Collection[str], rows: set[int] | None) -> list[Any]:
    """The column redacted; `rows`, when known from the scan, are the only ones that can hold a match."""
    rows = detectors.candidates(values) if rows is None else rows
    if not rows:
        return values
    return [detectors.redact(value, categories) if i in rows else value for i, value in enumerate(values)]


def redact(batch: Batch, categories: Collection[str], scanned: Scan | None = None) -> Batch:
    """Every text column of every table but the ids (pseudonyms.py renames those), with matches of those categories
    replaced by a placeholder. With the batch's scan, the content columns it read are not read again."""
    matched = scanned.matched if scanned else {}
    tables: dict[str, Any] = {}
    for table, schema in SCHEMAS.items():
        columns = getattr(batch, table)
        if columns:
            tables[table] = {name: _redacted(values, categories, matched.get((table, name)))
                             if pa.types.is_string(schema.field(name).type) and not name.endswith("_id") else values
                             for name, values in columns.items()}
    return replace(batch, **tables)


def inspect(batch: Batch, categories: Collection[str]) -> Batch:
    """The batch with its findings added and, with categories, its ids renamed and text redacted. Raises when the
    redaction fails, as then the batch's raw text must not be stored."""
    if categories:
        batch = pseudonyms.pseudonymize(batch, categories)
    scanned = None
    try:
        scanned = scan(batch)
        batch = with_findings(batch, scanned.findings)
    except Exception:
        # A detector's bug costs the batch its findings, not its data.
        log.exception("security scan of a batch of %d rows failed; stored without findings", batch.rows)
    return redact(batch, categories, scanned) if categories else batch
