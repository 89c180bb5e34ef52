"""The SQL files under analytics/sql, loaded once (schema migrations, ingest statements, named queries), and how a
named query is run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

Connection = duckdb.DuckDBPyConnection

SQL_DIR = Path(__file__).with_name("sql")
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def split_statements(text: str) -> list[str]:
    """DuckDB prepares one statement at a time when parameters are bound, so files are run statement by statement."""
    parts = (part.strip() for part in _STATEMENT_END.split(text))
    return [part for part in parts if part and not all(line.lstrip().startswith("--") for line in part.splitlines())]


def _load(folder: str) -> dict[str, list[str]]:
    return {path.stem: split_statements(path.read_text()) for path in sorted((SQL_DIR / folder).glob("*.sql"))}


INGEST = _load("ingest")
QUERIES = _load("queries")
Migration = tuple[int, str, list[str]]
# (version, name, statements), in the order they apply; a file is named NNN_what.sql.
MIGRATIONS: list[Migration] = [
    (int(name.split("_", 1)[0]), name, statements) for name, statements in _load("schema").items()]


def query(con: Connection, name: str, **params: Any) -> Connection:
    """Run the named query (queries/<name>.sql) with its parameters bound by name."""
    (statement,) = QUERIES[name]
    return con.execute(statement, params)


def dicts(cursor: Connection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
