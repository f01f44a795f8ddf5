"""Query layer connection: opens the published database read-only; never writes, never imports Streamlit."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from core.store import connect_readonly


def open_database(path: Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection, or None when there is no usable database yet."""
    if not path.exists():
        return None
    con = connect_readonly(path)
    ready = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'dossiers'"
    ).fetchall()[0][0]
    if not ready:
        con.close()
        return None
    return con


def bound(sql: str, params: dict | None) -> dict:
    """The parameters the statement names ($name); DuckDB refuses extra ones."""
    return {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", sql)}


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    """Run a query with bound parameters and return a Polars frame."""
    return pl.from_arrow(con.sql(sql, params=bound(sql, params)).to_arrow_table())


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple:
    """Run a query returning exactly one row, with bound parameters."""
    return con.execute(sql, bound(sql, params)).fetchall()[0]
