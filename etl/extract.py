"""ETL extract: export files (xlsx, xls, HTML-table .xls, CSV) → raw text tables with provenance.

Finds the header below title rows (and two-row merged headers), maps header text to canonical
columns through the alias map, and keeps every cell as text: parsing is normalize's job. A CSV
is read in chunks of about CSV_CHUNK_BYTES (iter_tables), so a file of any size loads in bounded
memory; a workbook is read whole. Never writes anything but a temporary UTF-8 copy of a CSV
in another encoding, removed once read.
"""
from __future__ import annotations

import codecs
import csv
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import fastexcel
import numpy as np
import polars as pl

from core.text import bom_encoding, clean, fold
from etl.errors import EtlError
from etl.headers import IGNORED_HEADERS, column_label, header_map

HEADER_SCAN_ROWS = 40
MIN_HEADER_MATCHES = 3
CSV_CHUNK_BYTES = 64 << 20  # a CSV is parsed and normalized this many bytes at a time
_CSV_HEAD_BYTES = 1 << 20  # read to find the encoding, the delimiter and the header
_PERIOD = re.compile(r"từ ngày\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*đến ngày\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class RawTable:
    """One table found in a file: canonical columns as text, plus `_row` (row number in the file)."""

    file: str
    sheet: str | None
    kind: str  # "dossier" | "survey" | "rating"
    header_rows: tuple[int, ...]
    columns: dict[str, str]  # canonical → header text as written
    extra_columns: tuple[str, ...]  # header texts that map to nothing (warning, not error)
    title_lines: tuple[str, ...]
    data: pl.DataFrame
    period: tuple[date, date] | None = None
    notes: tuple[str, ...] = field(default=())
    part: int = 0  # which table of the file (sheet); the chunks of one CSV table share it
    chunk: int = 0  # which chunk of that table (0 for a table read whole)
    clean: frozenset[str] = frozenset()  # repairs the raw text shows to be needless (core.text.clean_columns)
    bytes_read: int = 0  # of the file, up to the end of this chunk (for the progress report)


@dataclass(frozen=True)
class _Header:
    start: int  # 0-based index of the first header row in the grid
    depth: int  # 1 or 2 rows
    names: tuple[str | None, ...]  # combined header text per grid column
    kind: str
    mapping: dict[int, str]  # grid column index → canonical


def extract_file(path: Path, display_name: str | None = None) -> list[RawTable]:
    """Read a file whole and return its tables; raise EtlError when nothing usable is in it."""
    tables: list[RawTable] = []
    for table in iter_tables(path, display_name):
        if tables and table.part == tables[-1].part:  # the next chunk of the same CSV table
            tables[-1] = replace(tables[-1], data=pl.concat([tables[-1].data, table.data], how="vertical_relaxed"),
                                 clean=tables[-1].clean & table.clean, bytes_read=table.bytes_read)
        else:
            tables.append(table)
    return tables


def iter_tables(path: Path, display_name: str | None = None, *, chunk_bytes: int | None = None,
                encoding: str | None = None) -> Iterator[RawTable]:
    """The tables of a file, a CSV's in chunks of about `chunk_bytes` (default CSV_CHUNK_BYTES;
    same `part`, `chunk` counting up, `_row` going on). Raises EtlError (possibly after some
    chunks) when nothing usable is in it. `encoding` forces a CSV's encoding (see NotUtf8)."""
    name = display_name or path.name
    chunk_bytes = chunk_bytes or CSV_CHUNK_BYTES
    if not path.exists():
        raise EtlError("không tìm thấy tệp.", "Kiểm tra lại đường dẫn tệp.", file=name)
    if path.stat().st_size == 0:
        raise EtlError("tệp rỗng (0 byte).", "Xuất lại tệp từ phần mềm một cửa rồi nạp lại.", file=name)
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(_EXCEL_MAGIC):
        tables, problems = [], []
        for sheet, grid in _excel_grids(path, name):
            try:
                if table := _table_from_grid(grid, name, sheet):
                    tables.append(_exact_ids(path, table))
            except EtlError as exc:  # e.g. a summary sheet beside the list: skipped if another sheet loads
                problems.append(exc)
        if problems and not tables:
            raise problems[0]
    elif _looks_like_html(head):
        grid = _html_grid(path.read_bytes(), name)
        tables = [t] if (t := _table_from_grid(grid, name, None)) else []
    else:
        yield from _csv_tables(path, name, chunk_bytes, encoding)
        return
    if not tables:
        raise _no_header(name)
    if not any(_has_data(t) for t in tables):
        raise _no_data(name)
    size = path.stat().st_size
    yield from (replace(t, part=i, bytes_read=size) for i, t in enumerate(tables))


def _no_header(name: str) -> EtlError:
    return EtlError(
        "không tìm thấy dòng tiêu đề của danh sách hồ sơ hay phiếu khảo sát (cần ít nhất các cột như "
        "«Mã hồ sơ», «Ngày tiếp nhận», «Trạng thái»).",
        "Đây có thể không phải tệp xuất hồ sơ hoặc khảo sát. Nếu đúng là tệp xuất, hãy thêm tên cột vào "
        "header_aliases.csv (thư mục thiết lập).",
        file=name,
    )


def _no_data(name: str) -> EtlError:
    return EtlError(
        "tệp chỉ có dòng tiêu đề cột, không có dòng dữ liệu nào.",
        "Kiểm tra điều kiện lọc khi xuất (khoảng ngày, đơn vị, trạng thái) rồi xuất lại tệp.",
        file=name,
    )


def _has_data(table: RawTable) -> bool:
    cells = table.data.drop("_row")
    return cells.width > 0 and cells.select(pl.any_horizontal(pl.all().is_not_null()).any()).item()


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<?xml", b"<head", b"<body"))


# --- Excel -------------------------------------------------------------------------------------


def _excel_grids(path: Path, name: str) -> list[tuple[str, pl.DataFrame]]:
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # calamine reports damaged zips and unknown formats here
        raise EtlError(
            f"không đọc được tệp Excel ({exc}).",
            "Tệp có thể bị hỏng hoặc bị cắt khi tải về: mở thử bằng Excel, lưu lại dạng .xlsx rồi nạp lại.",
            file=name,
        ) from exc
    grids = []
    for sheet_name in reader.sheet_names:
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            frame = sheet.to_polars()
        except Exception as exc:
            raise EtlError(
                f"không đọc được trang tính ({exc}).", "Mở tệp bằng Excel, lưu lại rồi nạp lại.",
                file=name, sheet=sheet_name,
            ) from exc
        if frame.height:
            grids.append((sheet_name, _rename_grid(frame)))
    return grids


def _rename_grid(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})


# Identifiers a clerk types or a system writes as Excel number cells. calamine reads a number cell
# as a 64-bit float, exact only up to 2**53 (16 digits): the code 12345678901234567, stored as
# such in the sheet, comes back as "12345678901234568". A number cell cannot keep leading zeros
# either ("0012345" typed as a number is 12345 in the file itself); text cells keep both.
ID_COLUMNS = ("dossier_code", "response_id", "rating_id")
_LONG_NUMBER = r"^\d{16,}$"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _exact_ids(path: Path, table: RawTable) -> RawTable:
    """Identifier cells with 16 digits or more read again from the sheet's XML, as written there,
    instead of through a float. Only rows holding such a value are looked at; the others keep
    calamine's text (exact below 2**53)."""
    columns = [c for c in ID_COLUMNS if c in table.data.columns]
    suspects = {(row, c): value for c in columns for row, value in
                table.data.filter(pl.col(c).str.contains(_LONG_NUMBER)).select("_row", c).iter_rows()}
    if not suspects or table.sheet is None:
        return table
    literals = _number_literals(path, table.sheet, {row for row, _ in suspects})
    fixes: dict[str, dict[int, str]] = {}
    for (row, column), value in suspects.items():
        same = [lit for lit in literals.get(row, ()) if _same_number(lit, value)]
        if same and (exact := _integer_text(same[0])) and exact != value:
            fixes.setdefault(column, {})[row] = exact
    if not fixes:
        return table
    data = table.data.with_columns(
        pl.col("_row").replace_strict(rows, default=pl.col(c), return_dtype=pl.String).alias(c)
        for c, rows in fixes.items())
    return replace(table, data=data)


def _same_number(literal: str, text: str) -> bool:
    """True when the XML literal is the number calamine printed as `text` (both through a float)."""
    try:
        return float(literal) == float(text)
    except ValueError:
        return False


def _integer_text(literal: str) -> str | None:
    """'12345678901234567' or '1.2345678901234567E+16' → '12345678901234567'; None if not whole."""
    try:
        number = Decimal(literal)
    except InvalidOperation:
        return None
    return str(int(number)) if number.is_finite() and number == number.to_integral_value() else None


def _number_literals(path: Path, sheet: str, rows: set[int]) -> dict[int, list[str]]:
    """Row number → the numbers of that row's number cells, as the XML writes them (streamed,
    stops after the last row asked for)."""
    from lxml import etree

    out: dict[int, list[str]] = {}
    last, row_number = max(rows), 0
    with zipfile.ZipFile(path) as book:
        member = _sheet_member(book, sheet)
        if member is None:
            return out
        with book.open(member) as stream:
            for _event, row in etree.iterparse(stream, events=("end",), tag="{*}row"):
                row_number = int(row.get("r") or row_number + 1)
                if row_number in rows:
                    out[row_number] = [v.text for c in row.iterchildren("{*}c") if c.get("t") in (None, "n")
                                       for v in c.iterchildren("{*}v") if v.text]
                row.clear()
                if row_number >= last:
                    break
    return out


def _sheet_member(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the sheet named `sheet` (workbook.xml → its relationship target)."""
    from lxml import etree

    workbook = etree.fromstring(book.read("xl/workbook.xml"))
    rel_id = next((s.get(f"{_REL_NS}id") for s in workbook.iter("{*}sheet") if s.get("name") == sheet), None)
    rels = etree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter("{*}Relationship") if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


# --- HTML tables saved as .xls -------------------------------------------------------------------


def _html_grid(raw: bytes, name: str) -> pl.DataFrame:
    from lxml import html as lxml_html

    text = _decode(raw, name)
    try:
        doc = lxml_html.document_fromstring(text)
    except Exception as exc:
        raise EtlError(f"không đọc được bảng HTML ({exc}).", "Xuất lại tệp rồi nạp lại.", file=name) from exc
    tables = doc.xpath("//table")
    if not tables:
        raise EtlError("tệp dạng trang web nhưng không có bảng nào.", "Xuất lại danh sách hồ sơ dạng Excel.", file=name)
    table = max(tables, key=lambda t: len(t.xpath(".//tr")))
    rows = _rows_above(doc.body, table) + _expand_spans(table.xpath(".//tr"))
    width = max(len(r) for r in rows)
    columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return pl.DataFrame(columns, schema={k: pl.String for k in columns})


# Elements that start a new row when Excel opens an HTML page.
_ROW_BREAKS = frozenset({"p", "div", "br", "tr", "table", "caption", "center", "li",
                         "h1", "h2", "h3", "h4", "h5", "h6"})


def _rows_above(body, table) -> list[list[str | None]]:
    """The page above the data table as Excel lays it out: one row per paragraph, line break or
    table row (cells side by side). Footers after the table and wrapper <div>s must not shift
    the row numbers a clerk sees, and title text (period, unit) must not be lost."""
    rows: list[list[str | None]] = []
    cells = [""]

    def end_row() -> None:
        nonlocal cells
        line = [clean(c) for c in cells]
        if any(line):
            rows.append(line)
        cells = [""]

    def walk(el) -> bool:
        if el is table:
            return True
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in ("script", "style"):
            return False  # comments and code: no text on the page
        if tag in _ROW_BREAKS:
            end_row()
        elif tag in ("td", "th") and el.getprevious() is not None:
            cells.append("")
        cells[-1] += el.text or ""
        for child in el:
            if walk(child):
                return True
            cells[-1] += child.tail or ""
        if tag in _ROW_BREAKS:
            end_row()
        return False

    walk(body)
    end_row()
    return rows


def _expand_spans(trs) -> list[list[str | None]]:
    """Lay HTML rows on a grid; a spanned cell keeps its text in its first position only,
    exactly as a merged cell reads from an .xlsx."""
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], bool] = {}
    for r, tr in enumerate(trs):
        row: list[str | None] = []
        col = 0
        for cell in tr.xpath("./td|./th"):
            while pending.pop((r, col), False):
                row.append(None)
                col += 1
            colspan, rowspan = _span(cell.get("colspan")), _span(cell.get("rowspan"))
            row.append(clean(cell.text_content()))
            row.extend([None] * (colspan - 1))
            for dr in range(1, rowspan):
                for dc in range(colspan):
                    pending[(r + dr, col + dc)] = True
            col += colspan
        while pending.pop((r, col), False):
            row.append(None)
            col += 1
        grid.append(row)
    return grid


def _span(value: str | None) -> int:
    """A colspan/rowspan as browsers read it: leading digits, anything else (or 0) is 1."""
    digits = re.match(r"\s*(\d+)", value or "")
    return max(int(digits.group(1)), 1) if digits else 1


# --- CSV -----------------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    return _decode_with_encoding(raw, name)[0]


def _decode_with_encoding(raw: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): the byte-order mark's encoding when there is one (UTF-8, or the UTF-16
    of Excel's "Unicode Text"), else UTF-8, else Windows-1258."""
    if found := bom_encoding(raw):
        encoding, skip = found
        return raw[skip:].decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1258"), "cp1258"  # Windows-1258, still common from older Vietnamese software
    except UnicodeDecodeError as exc:
        raise _unknown_encoding(name) from exc


def _unknown_encoding(name: str) -> EtlError:
    return EtlError(
        "không nhận ra bảng mã ký tự của tệp (không phải UTF-8 hay Windows-1258).",
        "Mở tệp bằng Excel và lưu lại dạng «CSV UTF-8» rồi nạp lại.", file=name,
    )


class NotUtf8(Exception):
    """A CSV read as UTF-8 (its first megabyte is) turned out not to be, further on: the whole file
    is Windows-1258, as the rule of _decode_with_encoding says. The loader starts the file again
    with encoding='cp1258'."""


def _csv_tables(path: Path, name: str, chunk_bytes: int, forced: str | None) -> Iterator[RawTable]:
    """A CSV (or tab-separated .txt) table in chunks. UTF-8 is read as it is; another encoding (a
    byte-order mark's UTF-16, or Windows-1258) is first copied to a temporary UTF-8 file."""
    with path.open("rb") as handle:
        head = handle.read(_CSV_HEAD_BYTES)
    wide = (bom_encoding(head) or ("utf-8", 0))[0] != "utf-8"  # UTF-16/32 text is full of zero bytes
    if b"\x00" in head[:4096] and not wide:
        raise EtlError(
            "tệp không phải văn bản CSV, Excel hay bảng HTML (có byte nhị phân).",
            "Chỉ nạp tệp .xlsx, .xls, .csv hoặc .txt xuất từ phần mềm một cửa.", file=name,
        )
    encoding, skip = bom_encoding(head) or (forced or _head_encoding(head), 0)
    if encoding == "utf-8":
        yield from _utf8_csv_tables(path, skip, name, chunk_bytes, declared=skip > 0)
        return
    copy = _utf8_copy(path, skip, encoding, name)
    try:
        for table in _utf8_csv_tables(copy, 0, name, chunk_bytes, declared=True):
            # progress in the original file's bytes
            yield replace(table, bytes_read=min(path.stat().st_size, table.bytes_read))
    finally:
        copy.unlink(missing_ok=True)


def _head_encoding(head: bytes) -> str:
    """UTF-8 when the first megabyte decodes as UTF-8 (a character cut at its end aside), else
    Windows-1258."""
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return "utf-8" if len(head) == _CSV_HEAD_BYTES and exc.start >= len(head) - 3 else "cp1258"


def _utf8_copy(path: Path, skip: int, encoding: str, name: str) -> Path:
    """A temporary UTF-8 copy of a CSV in another encoding, decoded a megabyte at a time (as
    _decode_with_encoding decodes: a byte-order mark's encoding with replacement characters,
    Windows-1258 strictly)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace" if skip else "strict")
    fd, temp = tempfile.mkstemp(prefix="cchc-csv-", suffix=".csv")
    try:
        with path.open("rb") as source, os.fdopen(fd, "wb") as target:
            source.seek(skip)
            while block := source.read(1 << 20):
                target.write(decoder.decode(block).encode("utf-8"))
            target.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        os.unlink(temp)
        raise _unknown_encoding(name) from exc
    except BaseException:
        os.unlink(temp)
        raise
    return Path(temp)


def _utf8_csv_tables(path: Path, start: int, name: str, chunk_bytes: int, *, declared: bool) -> Iterator[RawTable]:
    """A UTF-8 CSV from byte `start` on: the header from its first lines, then the data in chunks
    cut at record ends. `declared`: the encoding is certain (a mark, or a copy we made), so text
    that is not UTF-8 is an error, not a sign of Windows-1258 (NotUtf8)."""
    with path.open("rb") as handle:
        handle.seek(start)
        head_bytes = handle.read(_CSV_HEAD_BYTES)
    head_text = head_bytes.decode("utf-8", errors="replace" if declared else "ignore")
    head_lines = head_text[:200_000].splitlines()[:HEADER_SCAN_ROWS]
    delimiter = _sniff_delimiter(head_lines)
    head_rows = list(csv.reader(head_lines, delimiter=delimiter))
    width = max((len(r) for r in head_rows), default=0)
    grid = pl.DataFrame(
        {f"c{i}": [clean(r[i]) if i < len(r) else None for r in head_rows] for i in range(width)},
        schema={f"c{i}": pl.String for i in range(width)},
    )
    header = _find_header(grid)
    if header is None:
        raise EtlError(
            "không tìm thấy dòng tiêu đề cột (cần các cột như «Mã hồ sơ», «Ngày tiếp nhận», «Trạng thái»).",
            "Kiểm tra tệp có đúng là danh sách hồ sơ hoặc phiếu khảo sát; nếu tên cột khác, thêm vào "
            "header_aliases.csv (thư mục thiết lập).", file=name,
        )
    _require_columns(header, name, None)
    skip = header.start + header.depth
    # Cleaned like the Excel titles: NFC, so the period regex also reads NFD / Windows-1258 text.
    titles = tuple(c for r in head_rows[: header.start] for t in r if (c := clean(t)))
    first_row, columns, has_data = skip + 1, None, False
    for chunk, (raw, end) in enumerate(_record_chunks(path, start, skip, chunk_bytes)):
        data = _parse_chunk(raw, delimiter, columns, name, declared)
        columns = columns or data.width
        data = _rename_grid(data)
        table = _build_table(data, header, name, None, titles, first_data_row=first_row)
        table = replace(table, chunk=chunk, clean=_needless_repairs(raw, data.height, delimiter), bytes_read=end)
        has_data = has_data or _has_data(table)
        first_row += data.height
        yield table
    if not has_data:
        raise _no_data(name)


def _record_chunks(path: Path, start: int, skip_lines: int, chunk_bytes: int) -> Iterator[tuple[bytes, int]]:
    """(bytes, offset reached) pieces of the data after `skip_lines` lines, each about `chunk_bytes`
    long and ending at a record's end: at a line break outside quotes (an even number of quote
    characters before it, as "" escapes one). A file with unbalanced quotes ends up in one piece."""
    step = min(chunk_bytes, 1 << 20)
    with path.open("rb") as handle:
        position = _after_lines(handle, start, skip_lines, step)
        while position is not None:
            handle.seek(position)
            piece = handle.read(chunk_bytes)
            if len(piece) < chunk_bytes:  # the rest of the file
                if piece:
                    yield piece, position + len(piece)
                return
            cut = _record_end(piece)
            while cut < 0:  # no record ends in it yet: read on
                more = handle.read(step)
                if not more:
                    cut = len(piece) - 1
                    break
                piece += more
                cut = _record_end(piece)
            if cut < len(piece) - 1:
                piece = piece[:cut + 1]
            position += len(piece)
            yield piece, position


def _after_lines(handle, start: int, lines: int, step: int) -> int | None:
    """The offset after `lines` line breaks from `start` (polars' skip_rows counts line breaks
    too); None when the file ends before."""
    position = start
    handle.seek(start)
    while lines > 0:
        block = handle.read(step)
        if not block:
            return None
        cut = -1
        for _ in range(lines):
            cut = block.find(b"\n", cut + 1)
            if cut < 0:
                break
            lines -= 1
        if cut >= 0:
            return position + cut + 1
        position += len(block)
    return position


def _record_end(piece: bytes) -> int:
    """Index of the last line break of `piece` outside quotes, or -1."""
    cut = piece.rfind(b"\n")
    quotes = piece.count(b'"', 0, cut) if cut >= 0 else 0
    while cut >= 0 and quotes % 2:
        earlier = piece.rfind(b"\n", 0, cut)
        quotes -= piece.count(b'"', max(earlier, 0), cut)
        cut = earlier
    return cut


def _parse_chunk(raw: bytes, delimiter: str, columns: int | None, name: str, declared: bool) -> pl.DataFrame:
    """One chunk as text columns c0…; as many columns as the first chunk's first record has (the
    file read whole had), later chunks cut or padded to them."""
    options = {"has_header": False, "separator": delimiter, "truncate_ragged_lines": True, "quote_char": '"'}
    if columns is None:
        options["infer_schema"] = False
    else:
        options["schema"] = {f"column_{i + 1}": pl.String for i in range(columns)}
    try:
        return pl.read_csv(raw, **options)
    except pl.exceptions.NoDataError:
        return pl.DataFrame()
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() and not declared:
            raise NotUtf8(name) from exc
        raise EtlError(f"không đọc được dữ liệu CSV ({exc}).", "Mở tệp bằng Excel, lưu lại dạng CSV UTF-8.",
                       file=name) from exc
    except Exception as exc:
        raise EtlError(f"không đọc được dữ liệu CSV ({exc}).", "Mở tệp bằng Excel, lưu lại dạng CSV UTF-8.",
                       file=name) from exc


def _needless_repairs(raw: bytes, records: int, delimiter: str) -> frozenset[str]:
    """The repairs of core.text.clean_columns that no value of this chunk (a piece of its bytes)
    can need: 'doubled' when no two spaces follow each other anywhere in it; 'rare' when it holds
    no combining mark (lead bytes CC, CD), NBSP (C2 A0), BOM (EF BB BF), tab (unless the
    delimiter) or line break inside a value (exactly one per record, CRLF counted once). Checked
    with byte searches; anything doubtful keeps the repair, and the result is the same either way."""
    doubled = frozenset() if _two_spaces(raw) else frozenset({"doubled"})
    return doubled | _needless_rare(raw, records, delimiter)


def _two_spaces(raw: bytes) -> bool:
    """b"  " in raw, a byte pair at a time (bytes.find restarts at every space of a text full of
    them: 90 ms for 64 MB, this 28 ms)."""
    if len(raw) < 3:
        return b"  " in raw
    pair = int.from_bytes(b"  ", "little")
    even = np.frombuffer(raw, np.uint16, count=len(raw) // 2)
    odd = np.frombuffer(raw, np.uint16, count=(len(raw) - 1) // 2, offset=1)
    return bool((even == pair).any() or (odd == pair).any())


def _needless_rare(raw: bytes, records: int, delimiter: str) -> frozenset[str]:
    if b"\xcc" in raw or b"\xcd" in raw or (b"\xc2" in raw and b"\xc2\xa0" in raw) \
            or (b"\xef" in raw and b"\xef\xbb\xbf" in raw) or (delimiter != "\t" and b"\t" in raw):
        return frozenset()
    breaks = raw.count(b"\n")
    if breaks != records - (0 if raw.endswith(b"\n") else 1):
        return frozenset()
    if b"\r" in raw:
        returns = raw.count(b"\r")
        if returns != breaks or raw.count(b"\r\n") != returns:
            return frozenset()
    return frozenset({"rare"})


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_count = ",", 0
    for delim in (",", ";", "\t", "|"):
        count = max((line.count(delim) for line in lines), default=0)
        if count > best_count:
            best, best_count = delim, count
    return best


# --- Header detection ----------------------------------------------------------------------------


def _table_from_grid(grid: pl.DataFrame, name: str, sheet: str | None) -> RawTable | None:
    head = grid.head(HEADER_SCAN_ROWS)
    header = _find_header(head)
    if header is None:
        return None
    _require_columns(header, name, sheet)
    start = header.start + header.depth
    titles = tuple(
        clean(v) for row in head.head(header.start).iter_rows() for v in row if clean(v)
    )
    return _build_table(grid.slice(start), header, name, sheet, titles, first_data_row=start + 1)


# Columns without which no row of a kind can load (STYLE.md: a missing required column is one
# error naming the file, sheet and column, not a reject on every row).
REQUIRED_COLUMNS = {"dossier": ("dossier_code",), "survey": (), "rating": ("rating",)}


def _require_columns(header: _Header, name: str, sheet: str | None) -> None:
    for canonical in REQUIRED_COLUMNS[header.kind]:
        if canonical not in header.mapping.values():
            label = column_label(header.kind, canonical)
            rows = "–".join(str(header.start + 1 + i) for i in range(header.depth))
            raise EtlError(
                f"dòng tiêu đề (dòng {rows}) không có cột «{label}»: không nạp được hồ sơ nào khi thiếu cột này.",
                f"Xuất lại tệp có cột «{label}»; nếu cột mang tên khác, thêm tên đó vào "
                "header_aliases.csv (thư mục thiết lập).", file=name, sheet=sheet, column=label,
            )


def _find_header(head: pl.DataFrame) -> _Header | None:
    """The row (or two-row pair) that maps the most columns; a pair must beat every single row."""
    rows = [list(r) for r in head.iter_rows()]
    singles = [_score_header(i, [row]) for i, row in enumerate(rows)]
    pairs = [_score_header(i, [rows[i], rows[i + 1]]) for i in range(len(rows) - 1)]
    best = max(singles, key=lambda h: len(h.mapping), default=None)
    best_pair = max(pairs, key=lambda h: len(h.mapping), default=None)
    if best_pair is not None and (best is None or len(best_pair.mapping) > len(best.mapping)):
        best = best_pair
    return best if best is not None and len(best.mapping) >= MIN_HEADER_MATCHES else None


# Headers that only one kind of export has weigh more than shared ones ("Mã hồ sơ", "Đơn vị"):
# survey questions and "Mã phiếu"; a rating export's date, level and criteria columns.
_VOTE_WEIGHTS = {("survey", "q:"): 3, ("survey", "response_id"): 3, ("rating", "c:"): 3,
                 ("rating", "rating_date"): 2, ("rating", "rating"): 2}


def _score_header(start: int, rows: list[list[str | None]]) -> _Header:
    names = _combine_header_rows(rows)
    hmap = header_map()
    votes: dict[str, int] = {"dossier": 0, "survey": 0, "rating": 0}
    for text in names:
        for kind, canonical in hmap.lookup(text).items():
            votes[kind] += _VOTE_WEIGHTS.get((kind, canonical[:2] if canonical[1:2] == ":" else canonical), 1)
    # Ties go to the older kinds: dossier, then survey.
    kind = max(votes, key=lambda k: (votes[k], -list(votes).index(k)))
    mapping: dict[int, str] = {}
    for j, text in enumerate(names):
        canonical = hmap.canonical(text, kind)
        if canonical and canonical not in mapping.values():
            mapping[j] = canonical
    return _Header(start, len(rows), tuple(names), kind, mapping)


def _combine_header_rows(rows: list[list[str | None]]) -> list[str | None]:
    """Join a two-row header: the top cell (carried across a merged range) + the bottom cell.

    Falls back to whichever part alone is a known alias, so "Mã hồ sơ" spanning both rows and
    "Ngày" over "tiếp nhận" both come out right.
    """
    if len(rows) == 1:
        return [clean(v) for v in rows[0]]
    hmap = header_map()
    top, bottom = [clean(v) for v in rows[0]], [clean(v) for v in rows[1]]
    names: list[str | None] = []
    carried: str | None = None
    for j in range(max(len(top), len(bottom))):
        t = top[j] if j < len(top) else None
        b = bottom[j] if j < len(bottom) else None
        if t is not None:
            carried = t
        elif b is None:
            carried = None
        t_eff = t if t is not None else carried
        options = [f"{t_eff} {b}" if t_eff and b else None, b, t_eff]
        names.append(next((o for o in options if o and hmap.lookup(o)), b or t_eff))
    return names


def _build_table(data: pl.DataFrame, header: _Header, name: str, sheet: str | None,
                 titles: tuple[str, ...], first_data_row: int) -> RawTable:
    rename = {f"c{j}": canonical for j, canonical in header.mapping.items() if f"c{j}" in data.columns}
    extras = []
    for j, text in enumerate(header.names):
        if j in header.mapping or not text or fold(text) in IGNORED_HEADERS:
            continue
        if header.kind == "survey" and f"c{j}" in data.columns:
            rename[f"c{j}"] = "q?:" + text  # unmapped question: kept and reported, never dropped
        extras.append(text)
    data = data.select(list(rename)).rename(rename) if rename else pl.DataFrame()
    data = data.with_columns(pl.int_range(first_data_row, first_data_row + data.height, dtype=pl.Int64).alias("_row"))
    columns = {canonical: header.names[j] or canonical for j, canonical in header.mapping.items()}
    rows = tuple(range(header.start + 1, header.start + header.depth + 1))
    return RawTable(name, sheet, header.kind, rows, columns, tuple(extras), titles, data, _period(titles))


def _period(titles: tuple[str, ...]) -> tuple[date, date] | None:
    for line in titles:
        m = _PERIOD.search(line)
        if m:
            d1, m1, y1, d2, m2, y2 = map(int, m.groups())
            try:
                return date(y1, m1, d1), date(y2, m2, d2)
            except ValueError:
                return None
    return None
