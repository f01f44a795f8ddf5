"""Report layer: Biểu số 06 as an .xlsx laid out like the paper form, or a plain .csv; never queries the database, never imports Streamlit.

The layout follows Biểu số 06 of Thông tư 01/2020/TT-VPCP: title block, a two-level header with
the column numbers (1)…(13) under it, the group row of each level (I. Cấp tỉnh, II. Cấp xã)
carrying its subtotal, its field rows, the grand total, and the signature block.
"""
from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter

from queries.form06 import Form06
from reports import csv_bytes, safe_text

FORM_NUMBER = "Biểu số 06"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
UNIT_OF_MEASURE = "Đơn vị tính: hồ sơ"
# The count columns under their group heading, in print order; the numbers in the third header
# row restate the form's identities: (3) = (4) + (5) + (6), (7) = (8) + (9) + (10), (11) = (12) + (13).
HEADER_GROUPS = (
    ("Số hồ sơ nhận giải quyết", (
        ("received_total", "Tổng số", "(3)=(4)+(5)+(6)"),
        ("received_online", "Trực tuyến", "(4)"),
        ("received_direct", "Trực tiếp, dịch vụ bưu chính", "(5)"),
        ("carried_over", "Từ kỳ trước", "(6)"),
    )),
    ("Số hồ sơ đã giải quyết", (
        ("resolved_total", "Tổng số", "(7)=(8)+(9)+(10)"),
        ("resolved_early", "Trước hạn", "(8)"),
        ("resolved_on_time", "Đúng hạn", "(9)"),
        ("resolved_late", "Quá hạn", "(10)"),
    )),
    ("Số hồ sơ đang giải quyết", (
        ("pending_total", "Tổng số", "(11)=(12)+(13)"),
        ("pending_within", "Trong hạn", "(12)"),
        ("pending_overdue", "Quá hạn", "(13)"),
    )),
)
COUNT_COLUMNS = tuple(key for _, columns in HEADER_GROUPS for key, _, _ in columns)
STT_HEADER, NAME_HEADER = "STT", "Lĩnh vực giải quyết"
WITHDRAWN_LABEL = "Rút, dừng xử lý, không tiếp nhận"
# Beside the form's 11 columns, column (14): the dossiers withdrawn, stopped or refused in the period,
# so that the balance the notes state, (3) = (7) + (11) + (14), can be checked on the sheet.
WITHDRAWN_COLUMN = ("withdrawn_stopped_refused", WITHDRAWN_LABEL, "(14)")
BALANCE_LABEL = "Cân đối"
SIGNERS = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))
DATE_LINE = "Ngày … tháng … năm …"
FONT = "Times New Roman"  # the font of official documents (Nghị định 30/2020/NĐ-CP)
LAST_COL = 2 + len(COUNT_COLUMNS)  # STT, name, the 11 counts, then (14)


def period_line(report: Form06) -> str:
    """'(Từ ngày 15/10/2026 đến ngày 14/11/2026)'."""
    return f"(Từ ngày {report.period.start:%d/%m/%Y} đến ngày {report.period.end:%d/%m/%Y})"


def units_line(report: Form06) -> str | None:
    """The units covered, when several were chosen (one unit is the issuer; all is the province)."""
    if report.whole_province or len(report.unit_names) <= 1:
        return None
    return "Đơn vị: " + ", ".join(report.unit_names)


def notes(report: Form06) -> list[str]:
    """Lines under the table: the balance (nhận = đã giải quyết + đang giải quyết + rút, dừng,
    không tiếp nhận), and which rows break it, if any."""
    withdrawn = report.total["withdrawn_stopped_refused"]
    lines = [f"Ghi chú: (3) = (7) + (11) + (14), cột (14) là số hồ sơ rút, dừng xử lý, không được tiếp nhận trong kỳ "
             f"({_number(withdrawn)} hồ sơ), đặt ngoài biểu để kiểm tra số liệu cân đối."]
    bad = report.unbalanced
    if bad.height:
        names = "; ".join(_row_name(r) for r in bad.iter_rows(named=True))
        lines.append(f"Lưu ý: số liệu không cân đối ở các dòng: {names}. Kiểm tra lại dữ liệu nguồn.")
    return lines


def form06_xlsx_bytes(report: Form06) -> bytes:
    """The .xlsx file as bytes (for a download button)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": f"{FORM_NUMBER} - {TITLE}", "subject": period_line(report)})
    _Sheet(book, report).write()
    book.close()
    return buffer.getvalue()


def form06_csv_bytes(report: Form06) -> bytes:
    """A plain table: one line per printed row, UTF-8 with BOM."""
    header = [STT_HEADER, "Cấp", "Mã lĩnh vực", NAME_HEADER,
              *(f"{group} - {label}" for group, columns in HEADER_GROUPS for _, label, _ in columns),
              WITHDRAWN_LABEL, BALANCE_LABEL]
    levels = {"tinh": "Cấp tỉnh", "xa": "Cấp xã"}
    lines = [header]
    for r in report.rows.iter_rows(named=True):
        lines.append([r["stt"], levels.get(r["level"], r["level"]), r["field_code"], r["field_name"],
                      *(r[c] for c in COUNT_COLUMNS), r["withdrawn_stopped_refused"],
                      "đúng" if r["balance_ok"] else "lệch"])
    return csv_bytes(lines)


WRITERS = {".xlsx": form06_xlsx_bytes, ".csv": form06_csv_bytes}


def write_form06(report: Form06, path: Path | str) -> Path:
    """Write the form to `path`: .xlsx (paper layout) or .csv (plain table), chosen by suffix."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"Không ghi được «{path.name}»: chỉ hỗ trợ tệp .xlsx hoặc .csv.")
    path.write_bytes(writer(report))
    return path


# --- the sheet ------------------------------------------------------------------------------------


class _Sheet:
    """One worksheet laid out like the paper form; `row` is the next row to write (0-based)."""

    def __init__(self, book: xlsxwriter.Workbook, report: Form06):
        self.book, self.report = book, report
        self.ws = book.add_worksheet(FORM_NUMBER)
        self.fmt = _formats(book)
        self.row = 0

    def write(self) -> None:
        self._title_block()
        header_top = self.row
        self._header()
        for r in self.report.rows.iter_rows(named=True):
            self._data_row(r)
        self.row += 1
        for line in notes(self.report):
            self._merged(line, "note", height=_wrapped_height(line))
        self.row += 1
        self._signatures()
        self._page_setup(header_top)

    def _merged(self, text: str, fmt: str, first: int = 0, last: int = LAST_COL, height: float | None = None):
        self.ws.merge_range(self.row, first, self.row, last, "", self.fmt[fmt])
        self.ws.write_string(self.row, first, safe_text(text), self.fmt[fmt])
        if height:
            self.ws.set_row(self.row, height)
        self.row += 1

    def _title_block(self) -> None:
        self._merged(FORM_NUMBER, "form_number", 0, 4)
        self._merged(self.report.issuer, "issuer", 0, 4)
        self.row += 1
        self._merged(TITLE, "title", height=22)
        self._merged(period_line(self.report), "period")
        units = units_line(self.report)
        if units:
            self._merged(units, "units", height=_wrapped_height(units))
        self._merged(UNIT_OF_MEASURE, "measure", LAST_COL - 3, LAST_COL)

    def _header(self) -> None:
        top, sub, numbers = self.row, self.row + 1, self.row + 2
        head, fmt = self.ws, self.fmt["header"]
        head.merge_range(top, 0, sub, 0, STT_HEADER, fmt)
        head.merge_range(top, 1, sub, 1, NAME_HEADER, fmt)
        col = 2
        for group, columns in HEADER_GROUPS:
            head.merge_range(top, col, top, col + len(columns) - 1, group, fmt)
            for key, label, number in columns:
                head.write_string(sub, col, label, fmt)
                head.write_string(numbers, col, number, self.fmt["col_number"])
                col += 1
        key, label, number = WITHDRAWN_COLUMN
        head.merge_range(top, col, sub, col, label, self.fmt["header_extra"])
        head.write_string(numbers, col, number, self.fmt["col_number"])
        head.write_string(numbers, 0, "(1)", self.fmt["col_number"])
        head.write_string(numbers, 1, "(2)", self.fmt["col_number"])
        head.set_row(top, 30)
        head.set_row(sub, 45)
        self.row += 3

    def _data_row(self, r: dict) -> None:
        kind = r["row_kind"]
        text_fmt, stt_fmt, num_fmt = {
            "subtotal": ("group", "group_stt", "group_num"),
            "total": ("total", "total", "total_num"),
        }.get(kind, ("field", "stt", "num"))
        if r["stt"] is None:
            self.ws.write_blank(self.row, 0, None, self.fmt[stt_fmt])
        else:
            self.ws.write_string(self.row, 0, safe_text(r["stt"]), self.fmt[stt_fmt])
        self.ws.write_string(self.row, 1, safe_text(r["field_name"]), self.fmt[text_fmt])
        for j, key in enumerate(COUNT_COLUMNS, start=2):
            self.ws.write_number(self.row, j, r[key], self.fmt[num_fmt])
        self.ws.write_number(self.row, LAST_COL, r[WITHDRAWN_COLUMN[0]], self.fmt[num_fmt])
        self.row += 1

    def _signatures(self) -> None:
        left, right = (0, 4), (LAST_COL - 4, LAST_COL)
        self._merged(DATE_LINE, "date_line", *right)
        for i in range(2):  # the signer's title, then what to put there
            for (first, last), signer in zip((left, right), SIGNERS):
                style = "signer" if i == 0 else "sign_hint"
                self.ws.merge_range(self.row, first, self.row, last, "", self.fmt[style])
                self.ws.write_string(self.row, first, signer[i], self.fmt[style])
            self.row += 1

    def _page_setup(self, header_top: int) -> None:
        ws = self.ws
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 38)
        ws.set_column(2, LAST_COL, 11.5)
        ws.freeze_panes(header_top + 3, 2)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        ws.repeat_rows(header_top, header_top + 2)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer(f"&L&8{FORM_NUMBER} {period_line(self.report)}&R&8Trang &P/&N")
        ws.hide_gridlines(2)


def _formats(book: xlsxwriter.Workbook) -> dict:
    base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
    cell = {**base, "border": 1}
    number = {**cell, "num_format": "#,##0"}
    specs = {
        "form_number": {**base, "bold": True},
        "issuer": {**base, "bold": True},
        "title": {**base, "bold": True, "font_size": 14, "align": "center"},
        "period": {**base, "italic": True, "align": "center"},
        "units": {**base, "align": "center", "text_wrap": True, "valign": "top"},
        "measure": {**base, "italic": True, "align": "right"},
        "header": {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"},
        "header_extra": {**cell, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                         "bg_color": "#EDEDED"},
        "col_number": {**cell, "italic": True, "align": "center", "font_size": 10},
        "stt": {**cell, "align": "center"},
        "field": {**cell, "text_wrap": True, "indent": 1},
        "num": number,
        "group_stt": {**cell, "bold": True, "align": "center"},
        "group": {**cell, "bold": True},
        "group_num": {**number, "bold": True},
        "total": {**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"},
        "total_num": {**number, "bold": True, "bg_color": "#F2F2F2"},
        "note": {**base, "italic": True, "font_size": 11, "text_wrap": True},
        "date_line": {**base, "italic": True, "align": "center"},
        "signer": {**base, "bold": True, "align": "center"},
        "sign_hint": {**base, "italic": True, "align": "center", "font_size": 11},
    }
    return {name: book.add_format(spec) for name, spec in specs.items()}


def _wrapped_height(text: str, chars_per_line: int = 150) -> float:
    """Row height for text wrapped in a cell merged across the table (Excel does not fit these)."""
    return 16.5 * (1 + len(text) // chars_per_line)


def _row_name(r: dict) -> str:
    return " ".join(part for part in (r["stt"], r["field_name"]) if part)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")
