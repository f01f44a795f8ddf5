"""ETL upload gate: checks an uploaded or named file (size, type, content, zip bomb) before the
ETL reads it, then loads the accepted ones through `etl.load.load_files`; never imports Streamlit.

The same checks run for the data desk page (bytes from the browser) and `python -m etl load`
(paths on disk). A refused file is reported like a failed load (status 'failed', the reason and
what to do in Vietnamese); the database is not touched for it.
"""
from __future__ import annotations

import copy
import io
import re
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.settings import settings
from core.text import bom_encoding, fmt_int
from etl.errors import EtlError
from etl.load import FileReport, load_files

# .txt: what Excel's "Save as Unicode Text" (Văn bản Unicode) writes, UTF-16 with tabs; read as CSV.
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv", ".txt")
TEXT_SUFFIXES = (".csv", ".txt")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (BIFF inside an OLE container)
ZIP_MAGIC = b"PK\x03\x04"
RATIO_MIN_MEMBER_BYTES = 1 << 20  # tiny members compress absurdly well and harm nobody
INFLATE_CHUNK = 1 << 20  # the gate holds at most this much inflated data at a time
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
        conf = settings().upload
        return cls(conf.max_file_mb, conf.max_unzipped_mb, conf.max_zip_ratio)


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
        raise Refused(f"chỉ nhận tệp .xlsx, .xls, .csv hoặc .txt (tệp này có đuôi «{suffix or 'không có'}»). "
                      "Cách xử lý: xuất danh sách hồ sơ hoặc phiếu khảo sát từ phần mềm một cửa dạng Excel "
                      "hoặc CSV rồi nạp lại.")
    size = len(source) if isinstance(source, bytes) else _size(source)
    if size == 0:
        raise Refused("tệp rỗng (0 byte). Cách xử lý: xuất lại tệp từ phần mềm một cửa rồi nạp lại.")
    if size > limits.max_file_mb * MB:
        raise Refused(f"tệp nặng {_mb(size)} MB, vượt giới hạn {_mb(limits.max_file_mb * MB)} MB mỗi tệp. "
                      "Cách xử lý: xuất thành nhiều tệp nhỏ hơn (theo quý, theo tháng hoặc theo đơn vị) rồi "
                      "nạp từng tệp; quản trị có thể đổi giới hạn ở settings.toml (thư mục thiết lập), mục [upload] "
                      "max_file_mb.")
    head = source[:4096] if isinstance(source, bytes) else _head(source)
    kind = _content_kind(head)
    if suffix == ".xlsx" and kind != "zip":
        raise Refused(_wrong_content(kind, ".xlsx"))
    if suffix == ".xls" and kind not in ("ole", "html", "zip"):
        raise Refused(_wrong_content(kind, ".xls"))
    if suffix in TEXT_SUFFIXES and kind in ("zip", "ole", "binary"):
        raise Refused(_wrong_content(kind, suffix))
    if kind == "zip":
        _check_workbook(source, limits)
    elif suffix in TEXT_SUFFIXES:
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
    if (bom_encoding(head) or ("utf-8", 0))[0] != "utf-8":
        return "text"  # UTF-16/32 (Excel's "Unicode Text"): zero bytes, but text; _check_text decodes it
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
                ".csv": "văn bản CSV", ".txt": "văn bản (CSV hoặc «Văn bản Unicode» của Excel)"}[suffix]
    return (f"mang đuôi {suffix} nhưng nội dung là {_KIND_NAMES[kind]}, không phải {expected}. Cách xử lý: mở "
            "tệp bằng Excel và lưu lại đúng định dạng (.xlsx hoặc CSV UTF-8), hoặc xuất lại từ phần mềm một "
            "cửa; nếu tải về bị gián đoạn, tải lại.")


def _check_workbook(source: bytes | Path, limits: UploadLimits) -> None:
    """An .xlsx is a zip holding xl/workbook.xml; refuse damaged zips and zip bombs.

    The sizes a zip declares can be forged (a 1,8 MB file declaring small members unpacked to
    462 MB): after a cheap check of the declared sizes, every member is inflated here, counting
    the bytes that really come out, and the check stops as soon as the total passes
    max_unzipped_mb or a member passes max_zip_ratio."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as book:
            members = book.infolist()
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise Refused("là tệp nén nhưng không phải bảng tính Excel (thiếu xl/workbook.xml). Cách xử lý: "
                              "mở tệp bằng Excel, lưu lại dạng .xlsx rồi nạp lại.")
            _check_declared_sizes(members, limits)
            inflated = 0
            for member in members:
                inflated += _inflate_counting(book, member, limits, inflated)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
        raise Refused(f"tệp Excel bị hỏng hoặc bị cắt giữa chừng ({exc}). Cách xử lý: tải lại hoặc xuất lại "
                      "tệp; nếu mở được bằng Excel, lưu lại dạng .xlsx rồi nạp lại.") from exc


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    """An honest zip too big for the limits is refused before anything is inflated."""
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unzipped_mb * MB:
        raise Refused(_too_big(f"{_mb(unpacked)} MB", limits))
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= RATIO_MIN_MEMBER_BYTES and ratio > limits.max_zip_ratio:
            raise Refused(_packed_too_tight(m.filename, f"{fmt_int(int(ratio))} lần", limits))


def _inflate_counting(book: zipfile.ZipFile, member: zipfile.ZipInfo, limits: UploadLimits, before: int) -> int:
    """Inflate one member in chunks, never holding more than a chunk, counting real bytes; the
    member's real size. `before`: bytes the members before it really unpacked to.

    zipfile stops reading at the size the member declares; a copy of its entry declaring more
    than the limit lets the real stream run out (or the limit trip) instead."""
    budget = int(limits.max_unzipped_mb * MB)
    most = int(limits.max_zip_ratio * max(member.compress_size, 1))
    probe = copy.copy(member)
    probe.file_size = budget + 2 * INFLATE_CHUNK
    size = 0
    with book.open(probe) as stream:
        while chunk := stream.read(INFLATE_CHUNK):
            size += len(chunk)
            if before + size > budget:
                raise Refused(_too_big(f"hơn {_mb(budget)} MB (thành phần «{member.filename}»)", limits))
            if size > most and size >= RATIO_MIN_MEMBER_BYTES:
                raise Refused(_packed_too_tight(member.filename, f"hơn {fmt_int(int(limits.max_zip_ratio))} lần",
                                                limits))
    if size != member.file_size:
        raise Refused(f"thành phần «{member.filename}» khai báo giải nén ra {fmt_int(member.file_size)} byte nhưng "
                      f"thực tế ra {fmt_int(size)} byte: kích thước bị sửa, dấu hiệu «bom nén» hoặc tệp hỏng, không "
                      "nạp. Cách xử lý: xuất lại tệp từ phần mềm một cửa; nếu đây là tệp xuất thật, báo quản trị "
                      "dữ liệu.")
    return size


def _too_big(amount: str, limits: UploadLimits) -> str:
    return (f"bảng tính giải nén ra {amount}, vượt giới hạn {_mb(limits.max_unzipped_mb * MB)} MB (phòng tệp «bom "
            "nén»). Cách xử lý: xuất thành nhiều tệp nhỏ hơn; nếu đây là tệp xuất thật, báo quản trị dữ liệu "
            "(settings.toml trong thư mục thiết lập, mục [upload]).")


def _packed_too_tight(name: str, ratio: str, limits: UploadLimits) -> str:
    return (f"thành phần «{name}» giải nén ra gấp {ratio} kích thước khi nén (giới hạn "
            f"{fmt_int(int(limits.max_zip_ratio))} lần): tệp có dấu hiệu «bom nén», không nạp. Cách xử lý: xuất lại "
            "tệp từ phần mềm một cửa; nếu đây là tệp xuất thật, báo quản trị dữ liệu.")


def _check_text(source: bytes | Path) -> None:
    """A CSV or text export must decode: as its byte-order mark says (UTF-8, UTF-16), else as
    UTF-8 or Windows-1258."""
    raw = source if isinstance(source, bytes) else source.read_bytes()
    found = bom_encoding(raw)
    candidates = [(found[0], found[1])] if found else [("utf-8", 0), ("cp1258", 0)]
    for encoding, skip in candidates:
        try:
            raw[skip:].decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise Refused("không đọc được chữ trong tệp văn bản (không phải bảng mã UTF-8, UTF-16 hay Windows-1258). "
                  "Cách xử lý: mở tệp bằng Excel và lưu lại dạng «CSV UTF-8» rồi nạp lại.")


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


def loaded_nothing(report: FileReport) -> bool:
    """A file read but not one of whose rows went in (all rejected, or none left after group and
    total rows): a failure for whoever loads it, unlike a file skipped as already loaded."""
    return report.status == "loaded" and report.rows_new + report.rows_updated + report.rows_unchanged == 0


def nothing_loaded_message(report: FileReport) -> str:
    """What to tell about such a file, in Vietnamese: which file, what happened, what to do."""
    if report.rows_rejected:
        what = f"cả {fmt_int(report.rows_rejected)} dòng dữ liệu đều bị loại"
        todo = (f"xem lý do từng dòng bằng «python -m etl rejects --load {report.load_id}» (hoặc trang Dữ liệu), "
                "sửa trong phần mềm một cửa rồi xuất và nạp lại tệp")
    else:
        what = "tệp không có dòng hồ sơ nào ngoài dòng nhóm, dòng trống và dòng tổng cộng"
        todo = "kiểm tra điều kiện lọc khi xuất rồi xuất lại tệp"
    return f"LỖI  {report.file}: không nạp được dòng nào: {what}. Cách xử lý: {todo}."


_READ_SHARE = re.compile(r"đã đọc [\d.]+ dòng \((\d+)%")


def _share_of(total: int, say: Progress) -> Callable[[str], None]:
    """load_files reports steps as text ('[2/5] tệp.xlsx', '    đã đọc …', 'Đang cập nhật bảng tổng hợp…');
    turn them into a share done for a progress bar, keeping the text."""
    state = {"step": 0}
    caller = threading.get_ident()

    def report(message: str) -> None:
        if threading.get_ident() != caller:  # the load's heartbeat: a page may only be drawn from its own thread
            return
        if m := _STEP.match(message):
            state["step"] = int(m.group(1)) - 1
            share = 0.9 * state["step"] / total
        elif m := _READ_SHARE.search(message):  # a large file read in chunks: '… (40%, …'
            share = 0.9 * (state["step"] + 0.8 * int(m.group(1)) / 100) / total
        elif message.startswith("Đang cập nhật bảng tổng hợp"):
            share = 0.92  # marts are rebuilt once, after the last file
        else:
            share = 0.9 * (state["step"] + 0.5) / total
        say(share, message.strip())

    return report


def _safe_name(name: str) -> str:
    """The original file name without any folder part (a browser may send 'C:\\…\\x.xlsx')."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "tep"
    return re.sub(r"[\x00-\x1f]", "_", base)[:200]
