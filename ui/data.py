"""UI data access: the cached read-only connection, reopened when the ETL publishes a new file."""
from __future__ import annotations

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
