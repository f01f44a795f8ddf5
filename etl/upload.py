"""ETL upload gate: checks an uploaded or named file (size, type, content, zip bomb) before the
ETL reads it, then loads the accepted ones through `etl.load.load_files`; never imports Streamlit.

The same checks run for the data desk page (bytes from the browser) and `python -m etl load`
(paths on disk). A refused file is reported like a failed load (status 'failed', the reason and
what to do in Vietnamese); the database is not touched for it.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.config import settings
from etl.errors import EtlError
from etl.load import FileReport, load_files
from etl.text import fmt_int

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (BIFF inside an OLE container)
ZIP_MAGIC = b"PK\x03\x04"
RATIO_MIN_MEMBER_BYTES = 1 << 20  # tiny members compress absurdly well and harm nobody
MB = 1 << 20
Progress = Callable[[float, str], None]  # share done (0–1), message
_STEP = re.compile(r"^\[(\d+)/(\d+)\]")


@dataclass(frozen=True)
class UploadLimits:
    max_file_mb: float
    max_unzipped_mb: float
    max_zip_ratio: float

    @classmethod
    def from_settings(cls) -> UploadLimits:
        conf = settings()["upload"]
        return cls(float(conf["max_file_mb"]), float(conf.get("max_unzipped_mb", 3000)),
                   float(conf.get("max_zip_ratio", 200)))


class Refused(Exception):
    """A file the ETL must not read; the message names the problem and what to do."""


def check_file(name: str, source: bytes | Path, limits: UploadLimits | None = None) -> str | None:
    """None when the file may go to the ETL, else the Vietnamese reason (file named, what to do)."""
    limits = limits or UploadLimits.from_settings()
    try:
        _check(name, source, limits)
    except Refused as exc:
        return f"tệp «{name}»: {exc}"
    return None


def _check(name: str, source: bytes | Path, limits: UploadLimits) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise Refused(f"chỉ nhận tệp .xlsx, .xls hoặc .csv (tệp này có đuôi «{suffix or 'không có'}»). "
                      "Cách xử lý: xuất danh sách hồ sơ hoặc phiếu khảo sát từ phần mềm một cửa dạng Excel "
                      "hoặc CSV rồi nạp lại.")
    size = len(source) if isinstance(source, bytes) else _size(source)
    if size == 0:
        raise Refused("tệp rỗng (0 byte). Cách xử lý: xuất lại tệp từ phần mềm một cửa rồi nạp lại.")
    if size > limits.max_file_mb * MB:
        raise Refused(f"tệp nặng {_mb(size)} MB, vượt giới hạn {_mb(limits.max_file_mb * MB)} MB mỗi tệp. "
                      "Cách xử lý: xuất thành nhiều tệp nhỏ hơn (theo quý, theo tháng hoặc theo đơn vị) rồi "
                      "nạp từng tệp; quản trị có thể đổi giới hạn ở etl/config/settings.toml, mục [upload] "
                      "max_file_mb.")
    head = source[:4096] if isinstance(source, bytes) else _head(source)
    kind = _content_kind(head)
    if suffix == ".xlsx" and kind != "zip":
        raise Refused(_wrong_content(kind, ".xlsx"))
    if suffix == ".xls" and kind not in ("ole", "html", "zip"):
        raise Refused(_wrong_content(kind, ".xls"))
    if suffix == ".csv" and kind in ("zip", "ole", "binary"):
        raise Refused(_wrong_content(kind, ".csv"))
    if kind == "zip":
        _check_workbook(source, limits)
    elif suffix == ".csv":
        _check_text(source)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise Refused(f"không mở được tệp ({exc.strerror or exc}). Cách xử lý: kiểm tra đường dẫn và quyền "
                      "đọc tệp.") from exc


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)


def _mb(size: float) -> str:
    text = f"{size / MB:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.removesuffix(",0")


def _content_kind(head: bytes) -> str:
    """'zip' | 'ole' | 'html' | 'binary' | 'text', from the first bytes."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<?xml", b"<head", b"<body")):
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


_KIND_NAMES = {"zip": "tệp nén (Excel .xlsx)", "ole": "Excel 97–2003 (.xls)", "html": "trang web (bảng HTML)",
               "binary": "tệp nhị phân (không phải bảng tính, ví dụ ảnh hoặc PDF)", "text": "văn bản thường (CSV)"}


def _wrong_content(kind: str, suffix: str) -> str:
    expected = {".xlsx": "một bảng tính Excel .xlsx", ".xls": "một bảng tính Excel .xls hoặc bảng HTML",
                ".csv": "văn bản CSV"}[suffix]
    return (f"mang đuôi {suffix} nhưng nội dung là {_KIND_NAMES[kind]}, không phải {expected}. Cách xử lý: mở "
            "tệp bằng Excel và lưu lại đúng định dạng (.xlsx hoặc CSV UTF-8), hoặc xuất lại từ phần mềm một "
            "cửa; nếu tải về bị gián đoạn, tải lại.")


def _check_workbook(source: bytes | Path, limits: UploadLimits) -> None:
    """An .xlsx is a zip holding xl/workbook.xml; refuse damaged zips and zip bombs."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as book:
            members = book.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"tệp Excel bị hỏng hoặc bị cắt giữa chừng ({exc}). Cách xử lý: tải lại hoặc xuất lại "
                      "tệp; nếu mở được bằng Excel, lưu lại dạng .xlsx rồi nạp lại.") from exc
    if "xl/workbook.xml" not in names:
        raise Refused("là tệp nén nhưng không phải bảng tính Excel (thiếu xl/workbook.xml). Cách xử lý: mở "
                      "tệp bằng Excel, lưu lại dạng .xlsx rồi nạp lại.")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unzipped_mb * MB:
        raise Refused(f"bảng tính giải nén ra {_mb(unpacked)} MB, vượt giới hạn {_mb(limits.max_unzipped_mb * MB)} "
                      "MB (phòng tệp «bom nén»). Cách xử lý: xuất thành nhiều tệp nhỏ hơn; nếu đây là tệp "
                      "xuất thật, báo quản trị dữ liệu (etl/config/settings.toml, mục [upload]).")
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= RATIO_MIN_MEMBER_BYTES and ratio > limits.max_zip_ratio:
            raise Refused(f"thành phần «{m.filename}» nén nhỏ hơn {fmt_int(int(ratio))} lần so với khi giải nén "
                          f"(giới hạn {fmt_int(int(limits.max_zip_ratio))} lần): tệp có dấu hiệu «bom nén», "
                          "không nạp. Cách xử lý: xuất lại tệp từ phần mềm một cửa; nếu đây là tệp xuất thật, "
                          "báo quản trị dữ liệu.")


def _check_text(source: bytes | Path) -> None:
    raw = source if isinstance(source, bytes) else source.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "cp1258"):
        try:
            raw.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise Refused("không đọc được chữ trong tệp CSV (không phải bảng mã UTF-8 hay Windows-1258). Cách xử lý: "
                  "mở tệp bằng Excel và lưu lại dạng «CSV UTF-8» rồi nạp lại.")


# --- loading -------------------------------------------------------------------------------------


def load_uploads(files: list[tuple[str, bytes]], db: Path, *, loaded_by: str, progress: Progress | None = None,
                 limits: UploadLimits | None = None) -> list[FileReport]:
    """Check each (original name, bytes), store the accepted ones under a private temporary
    folder with their original names, load them in one ETL run; reports in the order given."""
    limits = limits or UploadLimits.from_settings()
    folder = Path(tempfile.mkdtemp(prefix="cchc-upload-"))  # mode 0700: only this user reads it
    try:
        problems = [check_file(name, data, limits) for name, data in files]
        paths: list[Path | None] = []
        for i, ((name, data), problem) in enumerate(zip(files, problems)):
            if problem is not None:
                paths.append(None)
                continue
            target = folder / str(i) / _safe_name(name)
            target.parent.mkdir()
            target.write_bytes(data)
            paths.append(target)
        return _load_checked([name for name, _ in files], paths, problems, db, loaded_by, progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_paths(paths: list[Path], db: Path, *, loaded_by: str | None = None, progress: Progress | None = None,
               limits: UploadLimits | None = None) -> list[FileReport]:
    """The command-line path: the same checks on files already on disk, then the ETL."""
    limits = limits or UploadLimits.from_settings()
    problems = [check_file(Path(p).name, Path(p), limits) for p in paths]
    accepted = [Path(p) if problem is None else None for p, problem in zip(paths, problems)]
    return _load_checked([Path(p).name for p in paths], accepted, problems, db, loaded_by, progress)


def _load_checked(names: list[str], paths: list[Path | None], problems: list[str | None], db: Path,
                  loaded_by: str | None, progress: Progress | None) -> list[FileReport]:
    say = progress or (lambda _share, _msg: None)
    todo = [(n, p) for n, p in zip(names, paths) if p is not None]
    loaded: list[FileReport] = []
    if todo:
        try:
            loaded = load_files([p for _, p in todo], db, loaded_by=loaded_by, names=[n for n, _ in todo],
                                progress=_share_of(len(todo), say))
        except EtlError as exc:  # the store's own message (a full or read-only disk): nothing was published
            loaded = [FileReport(n, "failed", error=f"tệp «{n}»: chưa nạp. {exc}") for n, _ in todo]
        except Exception as exc:  # noqa: BLE001 — the database itself failed, not a file: nothing was published
            loaded = [FileReport(n, "failed", error=(
                f"tệp «{n}»: chưa nạp vì cơ sở dữ liệu báo lỗi ({type(exc).__name__}: {exc}); dữ liệu không thay "
                "đổi. Cách xử lý: báo quản trị dữ liệu (có thể cần chạy `python -m etl rebuild` hoặc dựng lại cơ "
                "sở dữ liệu), rồi nạp lại tệp.")) for n, _ in todo]
    say(1.0, "Xong.")
    done = iter(loaded)
    return [next(done) if problem is None else FileReport(name, "failed", error=problem)
            for name, problem in zip(names, problems)]


def _share_of(total: int, say: Progress) -> Callable[[str], None]:
    """load_files reports steps as text ('[2/5] tệp.xlsx', '    đã đọc …', 'Đang dựng lại …');
    turn them into a share done for a progress bar, keeping the text."""
    state = {"step": 0}

    def report(message: str) -> None:
        if m := _STEP.match(message):
            state["step"] = int(m.group(1)) - 1
            share = 0.9 * state["step"] / total
        elif message.startswith("Đang dựng lại"):
            share = 0.92  # marts are rebuilt once, after the last file
        else:
            share = 0.9 * (state["step"] + 0.5) / total
        say(share, message.strip())

    return report


def _safe_name(name: str) -> str:
    """The original file name without any folder part (a browser may send 'C:\\…\\x.xlsx')."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "tep"
    return re.sub(r"[\x00-\x1f]", "_", base)[:200]
