"""Report layer: the late-dossiers list as an .xlsx to send to a unit; never queries the database, never imports Streamlit.

Title block (issuer, title, period, units, as-of date), one row per dossier with dates as real
dates (dd/mm/yyyy), counts as numbers, every text cell through `reports.safe_text`. Personal data
arrives already masked by the query layer unless the viewer's scope allows it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
import xlsxwriter

from reports import safe_text

TITLE = "DANH SÁCH HỒ SƠ TRỄ HẠN"
FONT = "Times New Roman"
STATES = {"resolved_late": "Đã xong, trễ hạn", "overdue": "Đang quá hạn", "due_soon": "Sắp đến hạn", "other": ""}
APOLOGY = {"on_time": "Có", "too_late": "Có, nhưng muộn", "none": "Không"}
# (header, column of queries.late.late_list, kind, width)
COLUMNS = (
    ("STT", None, "index", 6),
    ("Tình trạng", "state", "state", 16),
    ("Mã hồ sơ", "dossier_code", "text", 28),
    ("Thủ tục", "procedure_name", "text", 40),
    ("Lĩnh vực", "field_name", "text", 18),
    ("Đơn vị", "unit_name", "text", 22),
    ("Cán bộ xử lý", "officer_name", "text", 20),
    ("Ngày tiếp nhận", "received_at", "date", 13),
    ("Ngày hẹn trả", "due_at", "date", 13),
    ("Ngày có kết quả", "finished_at", "finished", 14),
    ("Số ngày trễ (ngày làm việc)", "days_late", "number", 12),
    ("Số lần bổ sung", "supplement_count", "number", 10),
    ("Phiếu xin lỗi", "apology_state", "apology", 14),
    ("Ngày xin lỗi", "apology_issued_at", "date", 13),
    ("Ngày hẹn lại", "apology_due_at", "date", 13),
    ("Trễ không xin lỗi", "is_without_apology", "flag", 11),
    ("Người nộp", "applicant_name", "text", 22),
    ("Số điện thoại", "applicant_phone", "text", 15),
)


@dataclass(frozen=True)
class LateReport:
    rows: pl.DataFrame  # queries.late.late_list(…, limit=None)
    issuer: str  # "UBND THÀNH PHỐ ĐÀ NẴNG" or the unit
    units_label: str  # "Toàn tỉnh", "Phường Hải Châu, …"
    period_start: date
    period_end: date
    as_of: date
    list_label: str  # which list: "Trễ hạn và quá hạn", …
    search: str = ""
    personal_data: bool = False


def late_xlsx_bytes(report: LateReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": TITLE, "subject": _period_line(report)})
    f = _formats(book)
    ws = book.add_worksheet("Hồ sơ trễ hạn")
    last = len(COLUMNS) - 1
    lines = [(report.issuer, "issuer"), (TITLE, "title"), (_period_line(report), "period"),
             ("Đơn vị: " + report.units_label, "period"),
             (f"Danh sách: {report.list_label}" + (f" · tìm «{report.search}»" if report.search else "")
              + f" · quá hạn tính đến ngày {report.as_of:%d/%m/%Y} · {report.rows.height:,} hồ sơ".replace(",", "."),
              "note")]
    for r, (text, style) in enumerate(lines):
        ws.merge_range(r, 0, r, last, "", f[style])
        ws.write_string(r, 0, safe_text(text), f[style])
    header = len(lines) + 1
    for c, (title, _, _, width) in enumerate(COLUMNS):
        ws.write_string(header, c, title, f["header"])
        ws.set_column(c, c, width)
    ws.set_row(header, 45)
    for i, row in enumerate(report.rows.iter_rows(named=True), start=1):
        _write_row(ws, header + i, i, row, f)
    end = header + report.rows.height
    note = ("Số ngày trễ: ngày làm việc từ ngày hẹn trả đến ngày có kết quả (hồ sơ chưa xong: đến ngày "
            f"{report.as_of:%d/%m/%Y}). Phiếu xin lỗi «Có» khi phát hành trước ngày hẹn trả ít nhất một ngày.")
    if not report.personal_data:
        note += " Thông tin cá nhân của người nộp đã được che bớt."
    ws.merge_range(end + 2, 0, end + 2, last, "", f["note"])
    ws.write_string(end + 2, 0, safe_text(note), f["note"])
    ws.freeze_panes(header + 1, 3)
    ws.autofilter(header, 0, max(end, header), last)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header)
    book.close()
    return buffer.getvalue()


def _write_row(ws, r: int, index: int, row: dict, f: dict) -> None:
    for c, (_, key, kind, _) in enumerate(COLUMNS):
        value = row.get(key) if key else None
        if kind == "index":
            ws.write_number(r, c, index, f["number"])
        elif kind == "date" or (kind == "finished" and not row["is_open"]):
            if isinstance(value, (date, datetime)):
                ws.write_datetime(r, c, datetime.combine(value, datetime.min.time())
                                  if not isinstance(value, datetime) else value.replace(hour=0, minute=0, second=0,
                                                                                        microsecond=0), f["date"])
            else:
                ws.write_blank(r, c, None, f["text"])
        elif kind == "finished":
            ws.write_string(r, c, "chưa xong", f["text"])
        elif kind == "number":
            if value is None:
                ws.write_blank(r, c, None, f["number"])
            else:
                ws.write_number(r, c, value, f["number"])
        elif kind == "state":
            ws.write_string(r, c, safe_text(STATES.get(value, "")), f["text"])
        elif kind == "apology":
            ws.write_string(r, c, safe_text(APOLOGY.get(value, "")), f["text"])
        elif kind == "flag":
            ws.write_string(r, c, "Có" if value else "", f["flag"] if value else f["text"])
        else:
            ws.write_string(r, c, safe_text(value), f["text"])


def _period_line(report: LateReport) -> str:
    return f"(Giải quyết từ ngày {report.period_start:%d/%m/%Y} đến ngày {report.period_end:%d/%m/%Y})"


def _formats(book) -> dict:
    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
    cell = {**base, "border": 1}
    specs = {
        "issuer": {**base, "bold": True},
        "title": {**base, "bold": True, "font_size": 14, "align": "center"},
        "period": {**base, "italic": True, "align": "center"},
        "note": {**base, "italic": True, "text_wrap": True},
        "header": {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"},
        "text": {**cell, "text_wrap": True},
        "number": {**cell, "num_format": "#,##0", "align": "right"},
        "date": {**cell, "num_format": "dd/mm/yyyy", "align": "center"},
        "flag": {**cell, "bold": True, "font_color": "#C00000", "align": "center"},
    }
    return {name: book.add_format(spec) for name, spec in specs.items()}
