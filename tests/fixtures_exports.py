"""Test helpers: write deliberately ugly miniature exports (xlsx, HTML-table .xls, CSV) with real
libraries, the way one-stop software and clerks produce them. Written by the tests, never by the
code under test; nothing here parses anything."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

import xlsxwriter

# --- what a row of an export holds --------------------------------------------------------------

# Canonical keys used by the helpers → the Vietnamese header as a one-row export writes it.
VN_HEADERS = {
    "code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure": "Tên thủ tục",
    "field": "Lĩnh vực",
    "unit": "Đơn vị",
    "received": "Ngày tiếp nhận",
    "due": "Ngày hẹn trả",
    "finished": "Ngày có kết quả",
    "returned": "Ngày trả kết quả",
    "status": "Trạng thái",
    "channel": "Hình thức nộp",
    "requested": "Ngày yêu cầu bổ sung",
    "supplemented": "Ngày bổ sung",
    "applicant": "Chủ hồ sơ",
    "note": "Ghi chú",
}
# The same columns as an API dump names them (camel case, no diacritics).
API_HEADERS = {
    "code": "MaHoSo",
    "procedure_code": "MaThuTuc",
    "procedure": "TenThuTuc",
    "field": "LinhVuc",
    "unit": "DonViXuLy",
    "received": "NgayTiepNhan",
    "due": "NgayHenTra",
    "finished": "NgayCoKetQua",
    "returned": "NgayTraKetQua",
    "status": "TrangThaiHoSoId",
    "channel": "KenhThucHien",
    "note": "GhiChu",
}
# Columns under the merged "Ngày" heading of a two-row header, and the sub-heading of each.
DATE_SUBHEADERS = {"received": "tiếp nhận", "due": "hẹn trả", "finished": "có kết quả", "returned": "trả kết quả"}
DEFAULT_KEYS = ("code", "procedure_code", "procedure", "field", "unit", "received", "due", "finished",
                "returned", "status", "channel")

TITLES = (
    "UBND THÀNH PHỐ ĐÀ NẴNG",
    "DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH",
    "(Từ ngày 01/02/2026 đến ngày 13/03/2026)",
)


@dataclass(frozen=True)
class Group:
    """A group-header row inside the data, e.g. 'Lĩnh vực: Hộ tịch'."""

    text: str


@dataclass(frozen=True)
class Total:
    """A total row at the bottom, e.g. 'Tổng cộng' with a count beside it."""

    text: str = "Tổng cộng"
    count: int | None = None


@dataclass(frozen=True)
class Blank:
    """An empty row inside the data."""


Line = dict | Group | Total | Blank


def dossier(code, unit, received, due=None, finished=None, status=None, **more) -> dict:
    """One dossier row; values are written as given (datetime, Excel serial float, or text)."""
    return {"code": code, "unit": unit, "received": received, "due": due, "finished": finished,
            "status": status, **more}


# --- text helpers ---------------------------------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def cp1258_form(text: str) -> str:
    """Vietnamese as Windows-1258 software stores it: from NFD, each letter keeps its shape mark
    (â, ă, ê, ô, ơ, ư) precomposed and its tone mark as a combining character, the only way
    cp1258 can encode most toned letters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        shape = "".join(c for c in parts[1:] if c not in _TONE_MARKS)
        tones = "".join(c for c in parts[1:] if c in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", parts[0] + shape) + tones)
    return "".join(out)


def text_of(value, date_style: str = "vn") -> str:
    """How a CSV or HTML export spells a value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if date_style == "iso":
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return str(value)


# --- .xlsx ----------------------------------------------------------------------------------------


def write_dossier_xlsx(path: Path, lines: list[Line], *, titles: tuple[str, ...] = TITLES,
                       keys: tuple[str, ...] = DEFAULT_KEYS, merged_header: bool = True, stt: bool = True,
                       blank_after_titles: bool = True, first_row: int = 0,
                       sheet: str = "Danh sách") -> dict[str, int]:
    """An .xlsx as a one-stop system exports it: title rows (merged across the table), a blank row,
    a two-row header with 'Ngày' merged over its sub-columns, an STT column, group rows, a total
    row; date cells as real datetimes, Excel serial numbers or text, as each value is given.

    `first_row` leaves that many empty rows at the top, as some systems do.
    Returns dossier code → the row number Excel shows for it (1-based)."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    title_fmt = book.add_format({"bold": True, "align": "center"})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy hh:mm", "border": 1})
    cell = book.add_format({"border": 1})
    columns = (["stt"] if stt else []) + list(keys)
    last = len(columns) - 1
    row = first_row
    for title in titles:
        ws.merge_range(row, 0, row, last, title, title_fmt)
        row += 1
    if blank_after_titles and titles:
        row += 1
    row = _xlsx_header(ws, row, columns, merged_header, bold)
    rows_of: dict[str, int] = {}
    number = 0
    for line in lines:
        if isinstance(line, Group):
            ws.merge_range(row, 0, row, last, line.text, bold)
        elif isinstance(line, Total):
            ws.merge_range(row, 0, row, min(3, last), line.text, bold)
            if line.count is not None:
                ws.write_number(row, last, line.count, bold)
        elif isinstance(line, Blank):
            pass
        else:
            number += 1
            for j, key in enumerate(columns):
                value = number if key == "stt" else line.get(key)
                _xlsx_cell(ws, row, j, value, date_fmt, cell)
            if line.get("code"):
                rows_of[line["code"]] = row + 1
        row += 1
    book.close()
    return rows_of


def _xlsx_header(ws, row: int, columns: list[str], merged: bool, fmt) -> int:
    names = {**VN_HEADERS, "stt": "STT"}
    if not merged:
        for j, key in enumerate(columns):
            ws.write_string(row, j, names[key], fmt)
        return row + 1
    j = 0
    while j < len(columns):
        key = columns[j]
        if key in DATE_SUBHEADERS:
            end = j
            while end + 1 < len(columns) and columns[end + 1] in DATE_SUBHEADERS:
                end += 1
            if end > j:
                ws.merge_range(row, j, row, end, "Ngày", fmt)
            else:
                ws.write_string(row, j, "Ngày", fmt)
            for k in range(j, end + 1):
                ws.write_string(row + 1, k, DATE_SUBHEADERS[columns[k]], fmt)
            j = end + 1
        else:
            ws.merge_range(row, j, row + 1, j, names[key], fmt)
            j += 1
    return row + 2


def _xlsx_cell(ws, row: int, col: int, value, date_fmt, fmt) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        ws.write_datetime(row, col, value, date_fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def set_number_literals(path: Path, literals: dict[str, str], sheet_xml: str = "xl/worksheets/sheet1.xml") -> None:
    """Rewrite number cells of an .xlsx (cell reference → the number exactly as the XML should
    hold it), as software that writes 64-bit integers does ("12345678901234567"), where
    xlsxwriter would round to 16 digits."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {info: book.read(info.filename) for info in book.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for info, data in parts.items():
            if info.filename == sheet_xml:
                text = data.decode("utf-8")
                for ref, literal in literals.items():
                    text, n = re.subn(rf'(<c r="{ref}"(?: s="\d+")?>)<v>[^<]*</v>', rf"\g<1><v>{literal}</v>", text)
                    assert n == 1, f"no number cell {ref}"
                data = text.encode("utf-8")
            book.writestr(info, data)


def write_plain_xlsx(path: Path, rows: list[list], sheet: str = "Sheet1") -> None:
    """Rows of cells, written as given (for files that are not exports, or header-only ones)."""
    write_sheets(path, {sheet: rows})


def write_sheets(path: Path, sheets: dict[str, list[list]]) -> None:
    """A workbook of several sheets, each given as rows of cells written as given."""
    book = xlsxwriter.Workbook(str(path))
    for sheet, rows in sheets.items():
        ws = book.add_worksheet(sheet)
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                if value is not None:
                    ws.write(i, j, value)
    book.close()


# --- HTML table saved as .xls ---------------------------------------------------------------------


def write_dossier_html_xls(path: Path, lines: list[Line], *, titles: tuple[str, ...] = TITLES[1:],
                           keys: tuple[str, ...] = DEFAULT_KEYS, stt: bool = True, title_style: str = "p",
                           wrap_div: bool = False, footer: tuple[str, ...] = ()) -> None:
    """The '.xls' many systems serve: an HTML page (UTF-8 with BOM) with titles and a table whose
    header uses rowspan for single columns and colspan for 'Ngày' over its parts.

    title_style: 'p' (one paragraph each), 'br' (bare text split by <br>) or 'table' (a layout
    table, one title per row); wrap_div puts titles and table in one <div>; footer adds
    paragraphs after the table (signatures)."""
    columns = (["stt"] if stt else []) + list(keys)
    names = {**VN_HEADERS, "stt": "STT"}
    dates = [k for k in columns if k in DATE_SUBHEADERS]
    top, bottom, placed = [], [], False
    for key in columns:
        if key in DATE_SUBHEADERS:
            if not placed:
                top.append(f'<th colspan="{len(dates)}">Ngày</th>')
                placed = True
            bottom.append(f"<th>{escape(DATE_SUBHEADERS[key])}</th>")
        else:
            top.append(f'<th rowspan="2">{escape(names[key])}</th>')
    body, number = [], 0
    for line in lines:
        if isinstance(line, Group):
            body.append(f'<tr><td colspan="{len(columns)}"><b>{escape(line.text)}</b></td></tr>')
        elif isinstance(line, Total):
            count = "" if line.count is None else str(line.count)
            body.append(f'<tr><td colspan="{len(columns) - 1}">{escape(line.text)}</td><td>{count}</td></tr>')
        elif isinstance(line, Blank):
            body.append("<tr>" + "<td></td>" * len(columns) + "</tr>")
        else:
            number += 1
            cells = [str(number) if k == "stt" else text_of(line.get(k)) for k in columns]
            body.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    heading = {
        "p": "".join(f"<p><b>{escape(t)}</b></p>\n" for t in titles),
        "br": "".join(f"{escape(t)}<br>\n" for t in titles),
        "table": "<table>" + "".join(f"<tr><td><b>{escape(t)}</b></td></tr>" for t in titles) + "</table>\n",
    }[title_style]
    content = (
        heading + "<!-- bảng dữ liệu -->\n"
        + '<table border="1">\n<tr>' + "".join(top) + "</tr>\n<tr>" + "".join(bottom) + "</tr>\n"
        + "\n".join(body) + "\n</table>\n"
    )
    if wrap_div:
        content = f'<div class="report">\n{content}</div>\n'
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<style>td { mso-number-format: '@'; }</style></head><body>\n"
        + content + "".join(f"<p>{escape(t)}</p>\n" for t in footer) + "</body></html>\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"))


# --- CSV ------------------------------------------------------------------------------------------


def write_dossier_csv(path: Path, lines: list[Line], *, keys: tuple[str, ...] = DEFAULT_KEYS,
                      headers: dict[str, str] = VN_HEADERS, titles: tuple[str, ...] = (),
                      encoding: str = "utf-8", delimiter: str = ",", form: str = "nfc",
                      nbsp: bool = False, date_style: str = "vn") -> None:
    """A CSV export. encoding: 'utf-8', 'utf-8-sig' or 'cp1258'; form: 'nfc' or 'nfd' text;
    nbsp: pad text cells with non-breaking spaces, as copy-paste from the web leaves them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for title in titles:
        writer.writerow([title])
    writer.writerow([headers[k] for k in keys])
    for line in lines:
        if isinstance(line, Group):
            writer.writerow([line.text] + [""] * (len(keys) - 1))
        elif isinstance(line, Total):
            writer.writerow([line.text] + [""] * (len(keys) - 2) + ["" if line.count is None else line.count])
        elif isinstance(line, Blank):
            writer.writerow([""] * len(keys))
        else:
            cells = [text_of(line.get(k), date_style) for k in keys]
            if nbsp:
                cells = [f"\u00a0{c}\u00a0" if c and not c[0].isdigit() else c for c in cells]
            writer.writerow(cells)
    text = buffer.getvalue()
    if encoding == "cp1258":
        path.write_bytes(cp1258_form(text).encode("cp1258"))
        return
    text = nfd(text) if form == "nfd" else unicodedata.normalize("NFC", text)
    path.write_bytes(text.encode(encoding))


def write_unicode_text(path: Path, lines: list[Line], *, keys: tuple[str, ...] = DEFAULT_KEYS,
                       titles: tuple[str, ...] = TITLES) -> None:
    """What Excel's "Save as Unicode Text" (Văn bản Unicode) writes from an export sheet: UTF-16 LE
    with its byte-order mark, tab-separated, CRLF, every row as wide as the sheet (title rows
    padded with empty cells), a blank row after the titles, cells with tabs or quotes quoted."""
    width = len(keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    for title in titles:
        writer.writerow([title] + [""] * (width - 1))
    if titles:
        writer.writerow([""] * width)
    writer.writerow([VN_HEADERS[k] for k in keys])
    for line in lines:
        if isinstance(line, Group):
            writer.writerow([line.text] + [""] * (width - 1))
        elif isinstance(line, Total):
            writer.writerow([line.text] + [""] * (width - 2) + ["" if line.count is None else line.count])
        elif isinstance(line, Blank):
            writer.writerow([""] * width)
        else:
            writer.writerow([text_of(line.get(k)) for k in keys])
    path.write_bytes(b"\xff\xfe" + unicodedata.normalize("NFC", buffer.getvalue()).encode("utf-16-le"))


# --- surveys --------------------------------------------------------------------------------------

# The ten SIPAS questions as survey_questions.csv words them (question code in the comment).
QUESTIONS = (
    "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi",  # TC1
    "Trang thiết bị phục vụ người dân đầy đủ và dễ sử dụng",  # TC2
    "Thủ tục hành chính được niêm yết công khai đầy đủ",  # TT1
    "Thành phần hồ sơ và phí/lệ phí đúng quy định",  # TT2
    "Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ",  # CC1
    "Công chức hướng dẫn kê khai hồ sơ tận tình và dễ hiểu",  # CC2
    "Kết quả giải quyết đúng quy định và có thông tin chính xác",  # KQ1
    "Nhận được kết quả đúng hẹn",  # KQ2
    "Cơ quan có bố trí hình thức tiếp nhận góp ý phản ánh kiến nghị",  # PH1
    "Góp ý phản ánh kiến nghị được tiếp nhận và xử lý kịp thời",  # PH2
)


def write_survey_xlsx(path: Path, questions: tuple[str, ...], respondents: list[dict],
                      titles: tuple[str, ...] = ("KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG", "Quý I năm 2026")) -> None:
    """One row per respondent: Mã phiếu, Đơn vị, Ngày khảo sát, Giới tính (text, not a question),
    one column per question (score 1–5, blank when skipped), Ý kiến khác."""
    rows: list[list] = [[t] for t in titles] + [[]]
    rows.append(["STT", "Mã phiếu", "Đơn vị", "Ngày khảo sát", "Giới tính", *questions, "Ý kiến khác"])
    for i, r in enumerate(respondents, start=1):
        scores = list(r["scores"]) + [None] * (len(questions) - len(r["scores"]))
        rows.append([i, r["id"], r["unit"], r["date"], r.get("gender"), *scores, r.get("comment")])
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Khảo sát")
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            _xlsx_cell(ws, i, j, value, date_fmt, None)
    book.close()


# --- files that are not exports -------------------------------------------------------------------

PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
             b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00"
             b"\x00\x00\x00IEND\xaeB`\x82")


def write_png_as_xlsx(path: Path) -> None:
    """A screenshot someone renamed to .xlsx."""
    path.write_bytes(PNG_BYTES)


def write_truncated_xlsx(path: Path, lines: list[Line]) -> None:
    """A real export cut in half, as an interrupted download leaves it."""
    whole = path.with_name(path.stem + ".whole.xlsx")
    write_dossier_xlsx(whole, lines)
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) // 2])


def write_other_xlsx(path: Path) -> None:
    """A spreadsheet that is not an export at all: a class list."""
    write_plain_xlsx(path, [["DANH SÁCH HỌC SINH LỚP 10A1"], [], ["STT", "Họ và tên", "Lớp", "Điểm toán"],
                            [1, "Nguyễn Văn An", "10A1", 8.5], [2, "Trần Thị Bình", "10A1", 9]])


LOAD_DAY = "2026-12-31"  # hand-made exports run to December 2026: loaded after their last event


def load_text_exports(folder: Path, exports: dict[str, str]) -> Path:
    """Write hand-made CSV exports (name → text), load them through the real ETL on LOAD_DAY (so that
    no date of the case counts as "not happened yet", whatever the real date), and insist that every
    file loaded with no rejected row; returns the database path."""
    import os

    from etl.load import load_files

    paths = []
    for name, text in exports.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    db = folder / "test.duckdb"
    saved = os.environ.get("CCHC_TODAY")
    os.environ["CCHC_TODAY"] = LOAD_DAY
    try:
        reports = load_files(paths, db)
    finally:
        if saved is None:
            os.environ.pop("CCHC_TODAY")
        else:
            os.environ["CCHC_TODAY"] = saved
    assert all(r.status == "loaded" and r.rows_rejected == 0 for r in reports), [r.summary() for r in reports]
    return db
