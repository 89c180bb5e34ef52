"""The versioned DuckDB schema: stamps each file with its version and upgrades older files on open."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from analytics.sql import MIGRATIONS, Migration

LATEST_VERSION = MIGRATIONS[-1][0]


class SchemaError(RuntimeError):
    """The file cannot be used by this version of the collector."""


def _version(con: duckdb.DuckDBPyConnection, where: str) -> int:
    found = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    tables = {name for (name,) in found}
    if "schema_meta" not in tables:
        if tables:
            raise SchemaError(f"{where} holds tables ({', '.join(sorted(tables))}) but no agent-collector schema_meta; "
                              "point --db at a new file or one this collector created")
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_meta").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection, where: str, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the file lacks, each in its own transaction; return the version it ends at."""
    latest = migrations[-1][0]
    current = _version(con, where)
    if current > latest:
        raise SchemaError(f"{where} has schema version {current}, newer than this collector understands "
                          f"({latest}); upgrade agent-collector")
    for version, _, statements in migrations:
        if version <= current:
            continue
        con.begin()
        try:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_meta (version) VALUES ($version)", {"version": version})
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return latest
