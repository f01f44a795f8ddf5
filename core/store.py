"""ETL store: where the database lives and how a load publishes it atomically.

DuckDB allows one writing process or many reading ones, never both. So a load never writes the
published file: it writes a private work file, checkpoints it and atomically renames it over the
published file (os.replace). Readers (the app) open the published file read-only and reopen when
its inode changes; they never see a half-written load and never block one.

The work file is not a fresh copy of the whole database each time (that made a weekly load of a
few thousand dossiers cost as much as the database is large). The file published until a load
stays beside it as the *standby* (`.<name>.standby`, a hard link made just before the rename), one
load behind. The next load renames the standby to its work file and catches it up by replaying,
from the published file attached read-only, the rows the last load wrote (the `catch_up` callback,
etl/sync.py) — then applies its own files. Each file knows its version and the version it was made
from (table store_version), so a standby that is not exactly one load behind, that any reader still
has open (in this process, or locked by another), or whose row counts differ after the catch-up is
dropped, and the load copies the published file as before. A load that rewrote much of the file
(a first load, a rebuild) leaves a fresh copy as the standby instead. The standby doubles the disk
space the database takes, which a load needed anyway for its copy.

A load that dies (killed, power cut) leaves its work file behind, named with its process id; the
next load removes the work files whose process is gone. A full or read-only disk is reported as one
EtlError naming the folder, with the published file untouched.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import EtlError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "cchc.duckdb"
READ_CATALOG = "cchc"  # the published file, attached read-only
PUBLISHED_CATALOG = "published"  # the published file as the writer sees it while catching the standby up
STANDBY_WAIT_SECONDS = 5.0  # how long a load waits for another process's reader to let go of the standby
CatchUp = Callable[[duckdb.DuckDBPyConnection, str], None]


class StandbyMismatch(Exception):
    """The standby is not the published file one load behind: the load copies the file instead."""


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db, else $CCHC_DB, else data/cchc.duckdb in the project."""
    return Path(explicit or os.environ.get("CCHC_DB") or DEFAULT_DB).resolve()


def standby_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.standby")


def _standby_note(path: Path) -> Path:
    """Beside the standby: the published file's identity (inode, size, mtime) when the standby
    was left one load behind it. A published file written since by anything but a load (a DuckDB
    client opened read-write on it) no longer matches: its standby is dropped."""
    return path.with_name(f".{path.name}.standby-of")


def _identity(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}"


def _note_standby(path: Path) -> None:
    try:
        _standby_note(path).write_text(_identity(path))
    except OSError:
        _remove_file(standby_path(path))  # no note, no standby: the next load copies


def _untouched_since_standby(path: Path) -> bool:
    try:
        noted = _standby_note(path).read_text()
    except OSError:
        return False
    return noted == _identity(path) and not Path(str(path) + ".wal").exists()


@dataclass
class WriteSession:
    con: duckdb.DuckDBPyConnection
    changed: bool = False
    leftovers_removed: list[Path] = field(default_factory=list)  # work copies of dead loads, removed
    prepared: str = "new"  # how the work file was made: 'new' (no database yet), 'standby' (caught up), 'copy'
    replicable: bool = True  # the next load may replay this session's rows onto its standby (False: it copies)
    large: bool = False  # much of the file was rewritten: leave a fresh copy as the standby


@contextmanager
def writing(path: Path, *, catch_up: CatchUp | None = None):
    """Yield a session on a private work file; publish it only if the session marked a change.
    `catch_up(con, catalog)` replays onto `con` what the last load wrote into the published file,
    attached as `catalog` (see the module's docstring); without it the store copies the file.
    A disk that is full or cannot be written raises EtlError (see storage_failure)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(path):
            removed = remove_leftovers(path)
            work = _work_path(path, os.getpid())
            _remove(work)
            try:
                con, prepared, based_on = _prepare(path, work, catch_up)
                pause_point("copied")
                session = WriteSession(con, leftovers_removed=removed, prepared=prepared)
                try:
                    con.execute("SET enable_progress_bar = false")
                    yield session
                    if session.changed:
                        _stamp_version(con, based_on if session.replicable else "")
                        con.execute("CHECKPOINT")
                except BaseException:
                    con.close()
                    raise
                if not session.changed:
                    _keep_as_standby(con, path, work, prepared != "new" and session.replicable)
                    return
                con.close()
                _fsync(work)
                pause_point("publish")
                _publish(path, work, fresh_standby=session.large)
            finally:
                _remove(work)
    except Exception as exc:
        if (failure := storage_failure(exc, path)) is not None:
            raise failure from exc
        raise


def adopt(built: Path, path: Path) -> None:
    """Publish a database written whole elsewhere (the demo build) in place of `path`, with the
    standby that build left, under the write lock."""
    with _exclusive_lock(path):
        _remove_file(standby_path(path))
        _remove_file(_standby_note(built))
        if standby_path(built).exists():
            os.replace(standby_path(built), standby_path(path))
        os.replace(built, path)
        _fsync_dir(path.parent)
        if standby_path(path).exists():
            _note_standby(path)


# --- the work file: the standby caught up, or a copy ----------------------------------------------


def _prepare(path: Path, work: Path, catch_up: CatchUp | None) -> tuple[duckdb.DuckDBPyConnection, str, str]:
    """(connection to the work file, how it was made, the version of the published file it holds)."""
    if not path.exists():
        return duckdb.connect(str(work)), "new", ""
    con = _standby_as_work(path, work, catch_up)
    prepared = "standby"
    if con is None:
        shutil.copyfile(path, work)
        con = duckdb.connect(str(work))
        prepared = "copy"
    version = _version_row(con, "main")
    return con, prepared, version[0] if version else ""


def _standby_as_work(path: Path, work: Path, catch_up: CatchUp | None) -> duckdb.DuckDBPyConnection | None:
    """The standby, renamed to the work file and caught up to the published file; None when there
    is none or it cannot be used (then it is gone: a load never leaves a doubtful standby)."""
    standby = standby_path(path)
    try:
        # a load died between making the link and the rename, or the published file was written since
        if os.path.samefile(standby, path) or not _untouched_since_standby(path):
            standby.unlink()
            return None
        os.replace(standby, work)  # from here a load that dies leaves it as its work copy, removed next time
    except FileNotFoundError:
        return None
    if _open_in_this_process(work):  # an open reader here: writing the file would change what it reads
        _remove(work)
        return None
    con = _connect_alone(work)
    if con is None:
        _remove(work)
        return None
    try:
        _catch_up(con, path, catch_up)
        return con
    except (StandbyMismatch, duckdb.Error) as exc:
        con.close()
        _remove(work)
        if storage_error(exc):
            raise
        return None


def _catch_up(con: duckdb.DuckDBPyConnection, path: Path, catch_up: CatchUp | None) -> None:
    con.execute(f"ATTACH $p AS {PUBLISHED_CATALOG} (READ_ONLY)", {"p": str(path)})
    try:
        mine, theirs = _version_row(con, "main"), _version_row(con, PUBLISHED_CATALOG)
        if mine is None or theirs is None:
            raise StandbyMismatch("a file without its version")
        if mine[0] != theirs[0]:
            if catch_up is None or not theirs[1] or mine[0] != theirs[1]:
                raise StandbyMismatch(f"standby {mine[0]}, published {theirs[0]} made from {theirs[1] or '—'}")
            catch_up(con, PUBLISHED_CATALOG)
        _same_counts(con)
    finally:
        con.execute(f"DETACH {PUBLISHED_CATALOG}")


def _same_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of the published file has as many rows in the caught-up standby."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = $d "
                                        "AND schema_name = 'main'", {"d": PUBLISHED_CATALOG}).fetchall()]
    if not tables:
        return
    counts = " UNION ALL ".join(
        f"SELECT '{t}', (SELECT count(*) FROM {PUBLISHED_CATALOG}.main.{t}), (SELECT count(*) FROM main.{t})"
        for t in tables)
    wrong = [(t, a, b) for t, a, b in con.execute(counts).fetchall() if a != b]
    if wrong:
        raise StandbyMismatch(f"row counts differ after the catch-up: {wrong}")


def _version_row(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[str, str] | None:
    """(version, based_on) of the file attached as `catalog`, or None for a file without them."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = $d AND table_name = "
                        "'store_version'", {"d": _catalog_name(con, catalog)}).fetchall()[0][0]
    if not found:
        return None
    rows = con.execute(f"SELECT version, based_on FROM {catalog}.main.store_version" if catalog != "main"
                       else "SELECT version, based_on FROM main.store_version").fetchall()
    return rows[0] if len(rows) == 1 else None


def _catalog_name(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    return con.execute("SELECT current_database()").fetchall()[0][0] if catalog == "main" else catalog


def _stamp_version(con: duckdb.DuckDBPyConnection, based_on: str) -> None:
    """A new version for the file about to be published, and the version it was made from ('' when
    the session cannot be replayed: the next load then copies)."""
    con.execute("CREATE TABLE IF NOT EXISTS store_version (version VARCHAR, based_on VARCHAR, written_at TIMESTAMP)")
    con.execute("DELETE FROM store_version")
    con.execute("INSERT INTO store_version VALUES ($v, $b, now())", {"v": uuid.uuid4().hex, "b": based_on})


def _connect_alone(work: Path) -> duckdb.DuckDBPyConnection | None:
    """Open the file for writing, waiting a little for readers in other processes to let go of it
    (each holds a shared lock while its connection is open); None if one keeps it."""
    deadline = time.monotonic() + STANDBY_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(work))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                return None
            time.sleep(0.1)


def _open_in_this_process(path: Path) -> bool:
    """True if this process has the file open (an app's cached reader on an earlier version): file
    locks do not keep a process from itself. Without /proc, assume it is."""
    try:
        target = os.stat(path)
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


# --- publishing --------------------------------------------------------------------------------------


def _publish(path: Path, work: Path, *, fresh_standby: bool) -> None:
    """Rename the work file over the published one; the file published until now stays as the
    standby (or, after a large load, a copy of the new one does)."""
    standby = standby_path(path)
    _remove_file(standby)
    linked = False
    if path.exists():
        try:
            os.link(path, standby)
            linked = True
        except OSError as exc:  # a file system without hard links: no standby, the next load copies
            if storage_error(exc) == "full":
                raise
    pause_point("linked")
    try:
        os.replace(work, path)
    except BaseException:
        if linked:
            _remove_file(standby)
        raise
    _fsync_dir(path.parent)
    if fresh_standby or not linked:
        _copy_as_standby(path)
    if standby.exists():
        _note_standby(path)


def _copy_as_standby(path: Path) -> None:
    """A copy of the file just published as the next load's standby. Best effort: without it the
    next load copies the file itself (and reports a full disk then, if it is one)."""
    standby, copy = standby_path(path), _work_path(path, os.getpid())
    try:
        _remove_file(standby)
        shutil.copyfile(path, copy)
        pause_point("standby")
        _fsync(copy)
        os.replace(copy, standby)
    except OSError:
        _remove(copy)


def _keep_as_standby(con: duckdb.DuckDBPyConnection, path: Path, work: Path, usable: bool) -> None:
    """Nothing to publish: the work file, caught up to the published one, becomes the standby
    (checkpointed, so that it has no WAL). Dropped (by the caller) when it may differ from the
    published file or cannot be finished: the next load then copies."""
    try:
        if usable:
            con.execute("CHECKPOINT")
    except duckdb.Error:
        usable = False
    finally:
        con.close()
    if usable:
        try:
            _fsync(work)
            os.replace(work, standby_path(path))
            _note_standby(path)
        except OSError:
            pass


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_file(p: Path) -> None:
    try:
        p.unlink()
    except FileNotFoundError:
        pass


def _work_path(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.work")


def _remove(work: Path) -> None:
    for p in (work, Path(str(work) + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # a read-only folder: the copy was never made there
            if p.exists():
                raise
    shutil.rmtree(Path(str(work) + ".tmp"), ignore_errors=True)  # DuckDB's spill folder, if it made one


# --- work copies left by loads that died ------------------------------------------------------------


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the work copies (file, WAL, spill folder) of loads whose process is gone.

    Call with the write lock held. A copy is named `.<db name>.<pid>.work`; only a load holds
    the lock while its copy exists, so a copy found here is a dead load's, but the process id is
    checked anyway: a live process's copy is never removed."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.work(\.wal|\.tmp)?")
    removed = []
    for p in sorted(path.parent.iterdir()):
        match = pattern.fullmatch(p.name)
        if not match or int(match.group(1)) == os.getpid() or process_alive(int(match.group(1))):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def process_alive(pid: int) -> bool:
    """True if a process with this id runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


# --- a disk that is full or cannot be written -----------------------------------------------------

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
# DuckDB reports its own I/O failures as text (the OS message inside); matched case-insensitively.
_FULL_TEXTS = ("no space left on device", "disk quota exceeded", "file too large")
_READONLY_TEXTS = ("read-only file system", "permission denied", "operation not permitted")


def storage_error(exc: BaseException) -> str | None:
    """'full' or 'readonly' when `exc` (or what caused it) says the disk cannot take the write."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return "full"
        if isinstance(exc, OSError) and exc.errno in _READONLY_ERRNOS:
            return "readonly"
        if isinstance(exc, duckdb.Error):
            text = str(exc).lower()
            if any(t in text for t in _FULL_TEXTS):
                return "full"
            if any(t in text for t in _READONLY_TEXTS):
                return "readonly"
        exc = exc.__cause__ or exc.__context__
    return None


def storage_failure(exc: BaseException, path: Path) -> EtlError | None:
    """The clerk's message for a disk that is full or read-only, or None for any other error."""
    kind = storage_error(exc)
    if kind is None or isinstance(exc, EtlError):
        return None
    folder = path.parent
    unchanged = "Dữ liệu đã công bố không thay đổi; không tệp nào được nạp trong lần này."
    if kind == "full":
        size = path.stat().st_size if path.exists() else 0
        need = max(2 * size, 50 << 20) >> 20
        return EtlError(
            f"Ổ đĩa chứa thư mục dữ liệu «{folder}» đã đầy (hoặc hết hạn mức dung lượng): không ghi được bản "
            f"sao làm việc của cơ sở dữ liệu. {unchanged}",
            f"giải phóng dung lượng trên ổ đĩa đó (cần trống ít nhất khoảng {need} MB: bản sao làm việc bằng cỡ "
            "cơ sở dữ liệu hiện có cộng phần nạp thêm) hoặc chọn thư mục khác bằng --db hay biến CCHC_DB, "
            "rồi nạp lại.")
    what = "ghi được vào" if folder.exists() else "tạo được"
    return EtlError(
        f"Không {what} thư mục dữ liệu «{folder}»: ổ đĩa chỉ đọc hoặc người dùng chạy lệnh nạp không có quyền "
        f"ghi. {unchanged}",
        "cấp quyền ghi thư mục này cho người dùng chạy lệnh nạp (và máy chủ ứng dụng), hoặc gắn lại ổ đĩa ở "
        "chế độ ghi được, hoặc chọn thư mục khác bằng --db hay biến CCHC_DB; rồi nạp lại.")


# --- pause points for the fault tests -------------------------------------------------------------

PAUSE_ENV = "CCHC_TEST_PAUSE_AT"


def pause_point(stage: str) -> None:
    """Fault tests only: when $CCHC_TEST_PAUSE_AT names this stage, print a marker on stderr and
    sleep, so that a test can kill the load exactly here. Without the variable: nothing.
    Stages: copied (work file ready: the standby caught up, or a copy), read (a file read and
    normalized), write (a file written, not committed), marts (marts updated), publish (work file
    complete, not yet renamed), linked (the standby link to the file still published made, the
    rename not yet done), standby (published; a fresh copy for the standby being made)."""
    if os.environ.get(PAUSE_ENV) != stage:
        return
    print(f"CCHC_PAUSED {stage} {os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("CCHC_TEST_PAUSE_SECONDS", "30")))


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
