"""The narrow doors: only the store, the writer's SQL and analytics touch DuckDB, and every SQL file is used."""

from __future__ import annotations

import re
from pathlib import Path

from analytics.sql import INGEST, QUERIES, SQL_DIR
from analytics.tables import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
DUCKDB_ALLOWED = {"collector/store.py"}


def python_files(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_only_the_store_and_analytics_import_duckdb():
    importers = {str(path.relative_to(ROOT)) for path in python_files("collector")
                 if re.search(r"^\s*(import|from)\s+duckdb", path.read_text(), re.M)}
    assert importers <= DUCKDB_ALLOWED


def test_no_sql_outside_analytics():
    sql = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)
    offenders = [str(path.relative_to(ROOT)) for path in python_files("collector") if sql.search(path.read_text())]
    assert offenders == []


def test_every_sql_file_is_used_and_every_used_name_has_a_file():
    source = "\n".join(path.read_text() for path in python_files("analytics"))
    assert set(re.findall(r'\bquery\(con, "(\w+)"', source)) == set(QUERIES)
    assert set(INGEST) == {"delete_runs", "write_events.cylestio", "rollups", "derived_seq", "mark_derived",
                           "reject"} | {f"write_{table}" for table in SCHEMAS}
    for name, statements in QUERIES.items():
        assert len(statements) == 1, f"{name}.sql must hold one query"
        opening = (SQL_DIR / "queries" / f"{name}.sql").read_text()
        assert opening.startswith("--"), f"{name}.sql must say what it answers"
