"""ETL store: where the database lives and how it is swapped in whole.

DuckDB allows one writing process or many reading ones, never both. So a load copies the
database to a private working file, writes there, checkpoints, and atomically renames it over
the published file (os.replace). Readers (the app) open the published file read-only and
reopen when its inode changes; they never see a half-written load and never block one.

A load that dies (killed, power cut) leaves its working copy behind, named with its process id;
the next load removes the copies whose process is gone. A full or read-only disk is reported as
one EtlError naming the folder, with the published file untouched.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import EtlError

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
    leftovers_removed: list[Path] = field(default_factory=list)  # work copies of dead loads, removed


@contextmanager
def writing(path: Path):
    """Yield a connection to a private copy; publish it only if the session marked a change.
    A disk that is full or cannot be written raises EtlError (see storage_failure)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(path):
            removed = remove_leftovers(path)
            work = _work_path(path, os.getpid())
            _remove(work)
            try:
                if path.exists():
                    shutil.copyfile(path, work)
                pause_point("copied")
                session = WriteSession(duckdb.connect(str(work)), leftovers_removed=removed)
                try:
                    session.con.execute("SET enable_progress_bar = false")
                    yield session
                    if session.changed:
                        session.con.execute("CHECKPOINT")
                    session.con.close()
                    if session.changed:
                        with open(work, "rb") as handle:
                            os.fsync(handle.fileno())
                        pause_point("publish")
                        os.replace(work, path)
                except BaseException:
                    session.con.close()
                    raise
            finally:
                _remove(work)
    except Exception as exc:
        if (failure := storage_failure(exc, path)) is not None:
            raise failure from exc
        raise


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
    Stages: copied (work copy made), read (a file read and normalized), write (a file written,
    not committed), marts (marts rebuilt), publish (work copy complete, not yet renamed)."""
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
