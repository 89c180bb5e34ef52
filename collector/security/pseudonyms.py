"""Identifiers that hold a secret or personal datum, stored under a name derived from them when those are redacted.

A placeholder in place of the datum would rewrite the id (run-[REDACTED:email]): two runs would share it, and the
client's own id would find nothing. The derived name is the same for the same id, so re-posts still replace and
a lookup by the id the client knows still finds it (`stored`), while the datum itself is not in the file. It is a
hash: a value someone guesses can be checked against it, as with any unsalted digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import replace
from typing import Any

import pyarrow as pa

from analytics.tables import SCHEMAS
from collector.batch import Batch
from collector.security import detectors

PREFIX = "redacted-"


def derived(value: str) -> str:
    return PREFIX + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _holds(value: str, categories: Collection[str]) -> bool:
    return any(match.category in categories for match in detectors.scan(value))


def stored(value: str, categories: Collection[str]) -> str:
    """The id as the store holds it: derived when it holds a datum of the redacted categories."""
    return derived(value) if categories and _holds(value, categories) else value


def _ids(table: str) -> list[str]:
    schema = SCHEMAS[table]
    return [name for name in schema.names if name.endswith("_id") and pa.types.is_string(schema.field(name).type)]


def _renamed(values: list[Any], names: dict[str, str]) -> list[Any]:
    return [names.get(value, value) for value in values]


def _in_json(value: Any, names: dict[str, str]) -> Any:
    """A text column's value with every JSON string that is a renamed id renamed (a record's "run_id": "..."); the
    same datum inside a longer text is left to the placeholders."""
    if not isinstance(value, str):
        return value
    for old, new in names.items():
        for quoted in dict.fromkeys(json.dumps(old, ensure_ascii=ascii_only) for ascii_only in (False, True)):
            if quoted in value:
                value = value.replace(quoted, json.dumps(new))
    return value


def pseudonymize(batch: Batch, categories: Collection[str]) -> Batch:
    """The batch with every id that holds a datum of these categories renamed, wherever it appears in the batch."""
    names: dict[str, str] = {}
    for table in SCHEMAS:
        columns = getattr(batch, table)
        for name in _ids(table) if columns else ():
            column = columns[name]
            for i in detectors.candidates(column):
                if column[i] not in names and _holds(column[i], categories):
                    names[column[i]] = derived(column[i])
    for run_id in batch.deleted_run_ids:
        if _holds(run_id, categories):
            names[run_id] = derived(run_id)
    if not names:
        return batch
    tables = {}
    for table, schema in SCHEMAS.items():
        columns = getattr(batch, table)
        if columns:
            ids = set(_ids(table))
            tables[table] = {name: _renamed(values, names) if name in ids else
                             [_in_json(value, names) for value in values]
                             if pa.types.is_string(schema.field(name).type) else values
                             for name, values in columns.items()}
    return replace(batch, **tables, deleted_run_ids=tuple(_renamed(list(batch.deleted_run_ids), names)))
