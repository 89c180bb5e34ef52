"""agent-collector analytics: the DuckDB schema and every SQL query behind the query API, usable without the server.

    import duckdb
    from analytics import runs
    con = duckdb.connect("agent-collector.duckdb", read_only=True)
    runs.stats(con, agent_id="my-agent")
"""
