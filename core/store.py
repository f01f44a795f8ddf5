"""ETL store: where the database lives and how it is swapped in whole.

DuckDB allows one writing process or many reading ones, never both. So a load copies the
database to a private working file, writes there, checkpoints, and atomically renames it over
the published file (os.replace). Readers (the app) open the published file read-only and
reopen when its inode changes; they never see a half-written load and never block one.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "cchc.duckdb"
READ_CATALOG = "cchc"  # the published file, attached read-only


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db, else $CCHC_DB, else data/cchc.duckdb in the project."""
    return Path(explicit or os.environ.get("CCHC_DB") or DEFAULT_DB).resolve()


@dataclass
class WriteSession:
    con: duckdb.DuckDBPyConnection
    changed: bool = False


@contextmanager
def writing(path: Path):
    """Yield a connection to a private copy; publish it only if the session marked a change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path):
        work = path.with_name(f".{path.name}.{os.getpid()}.work")
        _remove(work)
        if path.exists():
            shutil.copyfile(path, work)
        session = WriteSession(duckdb.connect(str(work)))
        session.con.execute("SET enable_progress_bar = false")
        try:
            yield session
            if session.changed:
                session.con.execute("CHECKPOINT")
            session.con.close()
            if session.changed:
                with open(work, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(work, path)
        except BaseException:
            session.con.close()
            raise
        finally:
            _remove(work)


def _remove(work: Path) -> None:
    for p in (work, Path(str(work) + ".wal")):
        if p.exists():
            p.unlink()


@contextmanager
def _exclusive_lock(path: Path):
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def version(path: Path) -> tuple[int, int] | None:
    """Identity of the published file: changes on every swap."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as published now.

    duckdb.connect(path) reuses an instance already open on that path in this process, which
    after a swap is the replaced file; attaching from a fresh in-memory instance always opens
    the current inode.
    """
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH $p AS {READ_CATALOG} (READ_ONLY)", {"p": str(path)})
    con.execute(f"USE {READ_CATALOG}")
    return con


def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one thread (Streamlit sessions run in threads); USE is per cursor."""
    cursor = con.cursor()
    cursor.execute(f"USE {READ_CATALOG}")
    return cursor
