"""UI data access: the cached read-only connection, reopened when the ETL publishes a new file."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from core.store import db_path, reader_cursor, version
from queries.connection import open_database


@st.cache_resource(max_entries=1, show_spinner=False)
def _open(path: str, file_version: tuple[int, int]) -> duckdb.DuckDBPyConnection | None:
    # file_version is part of the cache key: a new load (new inode) opens a new connection. One entry:
    # the connection to the file replaced by a load is dropped (and its file closed once the reruns
    # using it finish), since that file is the next load's standby (core/store.py), which a load only
    # writes when no reader has it open.
    return open_database(Path(path))


def database_file() -> Path:
    return db_path()


def connection() -> duckdb.DuckDBPyConnection | None:
    """A cursor on the current published database, or None when there is none yet."""
    path = database_file()
    current = version(path)
    if current is None:
        return None
    con = _open(str(path), current)
    return reader_cursor(con) if con is not None else None


def data_version() -> tuple[int, int] | None:
    """Use as an argument of st.cache_data functions so their results follow new loads."""
    return version(database_file())


def period_version(end: date) -> tuple | None:
    """The data version as figures of a period ending on `end` see it: the last load that wrote or
    replaced a dossier version with a day on or before `end` (table load_touched, etl/load.py), with
    the schema, the marts' rules and the reference tables. Loads of later dossiers leave it as it
    was. Without that record (a database of an earlier version): the file's version."""
    current = data_version()
    if current is None:
        return None
    touches = _touches(str(database_file()), current)
    if touches is None:
        return current
    rules, loads = touches
    last = max((load_id for load_id, first, known in loads if not known or (first is not None and first <= end)),
               default=0)
    return ("until", rules, last)


@st.cache_data(max_entries=4, show_spinner=False)
def _touches(path: str, file_version: tuple[int, int]) -> tuple | None:
    con = connection()
    if con is None:
        return None
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        loads = con.execute("SELECT l.load_id, t.first_date, t.load_id IS NOT NULL FROM load_log l "
                            "LEFT JOIN load_touched t USING (load_id)").fetchall()
    except duckdb.Error:  # no table load_touched yet
        return None
    rules = tuple(meta.get(k) for k in ("schema_version", "marts_version", "marts_rules", "refs_version"))
    return (rules, loads) if None not in rules else None
