"""Report layer: the emulation-contest ranking as an .xlsx to attach to a decision, and the
appraisers' score template; never queries the database, never imports Streamlit.

Sheet 1 «Xếp hạng»: title block, period and scheme, one row per unit (rank, change since the
previous period, unit, each area's points, total, grade, notes), the scoring rules, signatures.
Sheet 2 «Chi tiết tiêu chí»: one row per unit, one column per criterion. Sheet 3 «Cách tính»:
the sentence of every criterion of every unit. Every text cell goes through reports.safe_text.
"""
from __future__ import annotations

import io

import polars as pl
import xlsxwriter

from reports import safe_text
from scoring.rank import Ranking, period_title, points_text
from scoring.scheme import (
    PERIOD_HEADER,
    UNIT_CODE_HEADER,
    UNIT_NAME_HEADER,
    Scheme,
    criterion_header,
)

TITLE = "KẾT QUẢ XẾP HẠNG THI ĐUA CẢI CÁCH HÀNH CHÍNH"
ANNEX = "(Kèm theo Quyết định số …/QĐ-… ngày … tháng … năm … )"
SIGNERS = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG CƠ QUAN", "(Ký tên, đóng dấu)"))
DATE_LINE = "Ngày … tháng … năm …"
FONT = "Times New Roman"  # the font of official documents (Nghị định 30/2020/NĐ-CP)
FIXED_HEADERS = ("Hạng", "Thay đổi so với kỳ trước", "Mã đơn vị", "Đơn vị")
TAIL_HEADERS = ("Tổng điểm", "Xếp loại", "Ghi chú")


def title_line(rank: Ranking) -> str:
    return f"{TITLE} – {rank.group_label.upper()}"


def period_line(rank: Ranking) -> str:
    p = rank.period
    return f"Kỳ đánh giá: {period_title(p)} (từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y})"


def scheme_line(rank: Ranking) -> str:
    return f"Bộ tiêu chí: {rank.scheme.name} – thang điểm {points_text(rank.scheme.total)}"


def group_line(rank: Ranking) -> str:
    """For a file limited to the viewer's units: where the whole group stands, without names."""
    group = rank.summary
    median = points_text(round(group.median, 2)) if group.median is not None else "—"
    return (f"Hạng tính trong cả nhóm: {group.ranked} đơn vị được xếp hạng; điểm trung vị {median}, cao nhất "
            f"{points_text(group.best)}. Tệp chỉ gồm đơn vị của người xuất (theo phân quyền).")


def unit_note(rank: Ranking, row: dict) -> str:
    """'Đơn vị nhỏ: Tiến độ; không có dữ liệu: Thanh toán trực tuyến; điểm quy đổi từ 81,56/90'."""
    names = {c.code: c.name for c in rank.scheme.criteria}
    parts = []
    if row["small"]:
        rule = "co về tỷ lệ chung" if rank.scheme.small_unit == "shrink" else "không chấm"
        parts.append(f"Ít hồ sơ ({rule}): " + ", ".join(names[c] for c in row["small"]))
    if row["no_data"]:
        parts.append("Không có dữ liệu: " + ", ".join(names[c] for c in row["no_data"]))
    if row["rescaled"]:
        parts.append(f"Quy đổi từ {points_text(row['raw_points'])}/{points_text(row['available_max'])} điểm")
    if row["total"] is None:
        parts.append("Không xếp hạng: không có tiêu chí nào có dữ liệu")
    elif row.get("too_few"):
        parts.append(f"Không xếp hạng: giải quyết dưới {rank.scheme.rank_min_dossiers} hồ sơ trong kỳ")
    return "; ".join(parts)


def ranking_xlsx_bytes(rank: Ranking, issuer: str) -> bytes:
    """The ranking workbook as bytes (for a download button). `issuer`: 'UBND THÀNH PHỐ ĐÀ NẴNG'."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    book.set_properties({"title": title_line(rank), "subject": period_line(rank)})
    fmt = _formats(book)
    _ranking_sheet(book, fmt, rank, issuer)
    _criteria_sheet(book, fmt, rank)
    _sentences_sheet(book, fmt, rank)
    book.close()
    return buffer.getvalue()


def _ranking_sheet(book, fmt, rank: Ranking, issuer: str) -> None:
    ws = book.add_worksheet("Xếp hạng")
    areas = rank.scheme.areas
    headers = [*FIXED_HEADERS, *(f"{a.name} (tối đa {points_text(a.max_points)})" for a in areas), *TAIL_HEADERS]
    last = len(headers) - 1
    row = 0

    def merged(text: str, style: str, first: int = 0, end: int = last, height: float | None = None):
        nonlocal row
        ws.merge_range(row, first, row, end, "", fmt[style])
        ws.write_string(row, first, safe_text(text), fmt[style])
        if height:
            ws.set_row(row, height)
        row += 1

    merged(issuer, "issuer", 0, 3)
    merged(ANNEX, "annex")
    row += 1
    merged(title_line(rank), "title", height=22)
    merged(period_line(rank), "period")
    merged(scheme_line(rank), "period")
    if not rank.peers_named:
        merged(group_line(rank), "period")
    row += 1
    header_row = row
    for j, text in enumerate(headers):
        ws.write_string(row, j, safe_text(text), fmt["header"])
    ws.set_row(row, 60)
    row += 1
    for r in rank.units.iter_rows(named=True):
        if r["rank"] is None:
            ws.write_blank(row, 0, None, fmt["center"])
        else:
            ws.write_number(row, 0, r["rank"], fmt["center"])
        ws.write_string(row, 1, safe_text(r["change_text"]), fmt["center"])
        ws.write_string(row, 2, safe_text(r["unit_code"]), fmt["center"])
        ws.write_string(row, 3, safe_text(r["unit_name"]), fmt["text"])
        for j, area in enumerate(areas, start=4):
            value = r[f"area_{area.code}"]
            if value is None:
                ws.write_string(row, j, safe_text("không có dữ liệu"), fmt["nodata"])
            else:
                ws.write_number(row, j, value, fmt["num"])
        j = 4 + len(areas)
        if r["total"] is None:
            ws.write_string(row, j, safe_text("—"), fmt["center"])
        else:
            ws.write_number(row, j, r["total"], fmt["total"])
        ws.write_string(row, j + 1, safe_text(r["grade"] or ""), fmt["center"])
        ws.write_string(row, j + 2, safe_text(unit_note(rank, r)), fmt["note_cell"])
        row += 1
    row += 1
    merged("Cách tính:", "rule_head")
    for line in rank.scheme.settings_text():
        merged(line, "rule", height=16.5 * (1 + len(line) // 160))
    merged("Xếp loại: " + "; ".join(f"{b.name} từ {points_text(b.low)}"
                                     + (f" đến dưới {points_text(b.high)}" if b.high < rank.scheme.total else "")
                                     for b in rank.scheme.bands) + " điểm.", "rule")
    merged("Chi tiết điểm từng tiêu chí và cách tính ở trang «Chi tiết tiêu chí» và «Cách tính».", "rule")
    row += 1
    left, right = (0, 3), (max(last - 3, 4), last)
    merged(DATE_LINE, "date_line", *right)
    for i in range(2):
        for (first, end), signer in zip((left, right), SIGNERS):
            ws.merge_range(row, first, row, end, "", fmt["signer" if i == 0 else "sign_hint"])
            ws.write_string(row, first, signer[i], fmt["signer" if i == 0 else "sign_hint"])
        row += 1
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 11)
    ws.set_column(2, 2, 11)
    ws.set_column(3, 3, 30)
    ws.set_column(4, 3 + len(areas), 12)
    ws.set_column(4 + len(areas), 5 + len(areas), 11)
    ws.set_column(last, last, 40)
    ws.freeze_panes(header_row + 1, 4)
    ws.repeat_rows(header_row, header_row)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&L&8" + period_line(rank).replace("&", "&&") + "&R&8Trang &P/&N")
    ws.hide_gridlines(2)


def _criteria_sheet(book, fmt, rank: Ranking) -> None:
    ws = book.add_worksheet("Chi tiết tiêu chí")
    criteria = rank.scheme.criteria
    headers = ["Hạng", "Mã đơn vị", "Đơn vị",
               *(f"{c.name} (tối đa {points_text(c.max_points)})" for c in criteria), "Tổng điểm", "Xếp loại"]
    for j, text in enumerate(headers):
        ws.write_string(0, j, safe_text(text), fmt["header"])
    ws.set_row(0, 75)
    points = {(r["unit_code"], r["criterion_code"]): r for r in rank.criteria.iter_rows(named=True)}
    for i, r in enumerate(rank.units.iter_rows(named=True), start=1):
        if r["rank"] is not None:
            ws.write_number(i, 0, r["rank"], fmt["center"])
        else:
            ws.write_blank(i, 0, None, fmt["center"])
        ws.write_string(i, 1, safe_text(r["unit_code"]), fmt["center"])
        ws.write_string(i, 2, safe_text(r["unit_name"]), fmt["text"])
        for j, c in enumerate(criteria, start=3):
            cell = points[(r["unit_code"], c.code)]
            if cell["status"] in ("no_data", "not_appraised", "small_excluded"):
                label = "không chấm (ít hồ sơ)" if cell["status"] == "small_excluded" else "không có dữ liệu"
                ws.write_string(i, j, safe_text(label), fmt["nodata"])
            else:
                ws.write_number(i, j, cell["points"], fmt["num"])
        j = 3 + len(criteria)
        if r["total"] is None:
            ws.write_string(i, j, "—", fmt["center"])
        else:
            ws.write_number(i, j, r["total"], fmt["total"])
        ws.write_string(i, j + 1, safe_text(r["grade"] or ""), fmt["center"])
    ws.set_column(0, 1, 10)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 4 + len(criteria), 13)
    ws.freeze_panes(1, 3)


def _sentences_sheet(book, fmt, rank: Ranking) -> None:
    ws = book.add_worksheet("Cách tính")
    for j, text in enumerate(("Mã đơn vị", "Đơn vị", "Tiêu chí", "Điểm", "Cách tính")):
        ws.write_string(0, j, text, fmt["header"])
    names = {c.code: c for c in rank.scheme.criteria}
    units = dict(zip(rank.units["unit_code"].to_list(), rank.units["unit_name"].to_list()))
    order = {code: i for i, code in enumerate(rank.units["unit_code"].to_list())}
    rows = sorted(rank.criteria.iter_rows(named=True), key=lambda r: (order[r["unit_code"]],
                                                                        list(names).index(r["criterion_code"])))
    for i, r in enumerate(rows, start=1):
        ws.write_string(i, 0, safe_text(r["unit_code"]), fmt["center"])
        ws.write_string(i, 1, safe_text(units[r["unit_code"]]), fmt["text"])
        ws.write_string(i, 2, safe_text(names[r["criterion_code"]].name), fmt["text"])
        if r["points"] is None:
            ws.write_blank(i, 3, None, fmt["num"])
        else:
            ws.write_number(i, 3, r["points"], fmt["num"])
        ws.write_string(i, 4, safe_text(r["sentence"]), fmt["note_cell"])
    ws.set_column(0, 0, 11)
    ws.set_column(1, 2, 30)
    ws.set_column(3, 3, 9)
    ws.set_column(4, 4, 110)
    ws.freeze_panes(1, 2)


def _formats(book) -> dict:
    base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
    cell = {**base, "border": 1}
    specs = {
        "issuer": {**base, "bold": True},
        "annex": {**base, "italic": True, "align": "center", "font_size": 11},
        "title": {**base, "bold": True, "font_size": 14, "align": "center"},
        "period": {**base, "italic": True, "align": "center"},
        "header": {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"},
        "center": {**cell, "align": "center"},
        "text": {**cell, "text_wrap": True},
        "num": {**cell, "num_format": "0.00"},
        "total": {**cell, "num_format": "0.00", "bold": True},
        "nodata": {**cell, "italic": True, "font_color": "#7F7F7F", "align": "center", "font_size": 10,
                   "text_wrap": True},
        "note_cell": {**cell, "text_wrap": True, "font_size": 10},
        "rule_head": {**base, "bold": True, "font_size": 11},
        "rule": {**base, "italic": True, "font_size": 11, "text_wrap": True},
        "date_line": {**base, "italic": True, "align": "center"},
        "signer": {**base, "bold": True, "align": "center"},
        "sign_hint": {**base, "italic": True, "align": "center", "font_size": 11},
    }
    return {name: book.add_format(spec) for name, spec in specs.items()}


# --- the appraisers' template ------------------------------------------------------------------------


def appraisal_template_xlsx(scheme: Scheme, period_key: str, period_label: str, units: pl.DataFrame) -> bytes:
    """A score sheet for the appraised criteria of `scheme`: the units (unit_code, unit_name) pre-filled,
    one column per criterion headed «<name> [<code>] (tối đa N)»; read back by etl.appraisal."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    fmt = _formats(book)
    ws = book.add_worksheet("Chấm điểm")
    criteria = scheme.appraised
    ws.write_string(0, 0, safe_text(f"BẢNG ĐIỂM THẨM ĐỊNH – {scheme.name}"), fmt["issuer"])
    ws.write_string(1, 0, safe_text(f"Kỳ: {period_label} (mã kỳ {period_key}). Nhập điểm vào các cột tiêu chí, "
                                    "không quá điểm tối đa; để trống ô chưa chấm. Không sửa dòng tiêu đề."),
                    fmt["rule"])
    header = 3
    for j, text in enumerate((UNIT_CODE_HEADER, UNIT_NAME_HEADER, PERIOD_HEADER,
                              *(criterion_header(c.name, c.code, c.max_points) for c in criteria))):
        ws.write_string(header, j, safe_text(text), fmt["header"])
    ws.set_row(header, 75)
    for i, r in enumerate(units.iter_rows(named=True), start=header + 1):
        ws.write_string(i, 0, safe_text(r["unit_code"]), fmt["center"])
        ws.write_string(i, 1, safe_text(r["unit_name"]), fmt["text"])
        ws.write_string(i, 2, safe_text(period_key), fmt["center"])
        for j, c in enumerate(criteria, start=3):
            ws.write_blank(i, j, None, fmt["num"])
            ws.data_validation(i, j, i, j, {"validate": "decimal", "criteria": "between", "minimum": 0,
                                            "maximum": c.max_points, "error_title": "Điểm không hợp lệ",
                                            "error_message": f"Điểm từ 0 đến {c.max_points:g}"})
    ws.set_column(0, 0, 11)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 11)
    ws.set_column(3, 2 + len(criteria), 16)
    ws.freeze_panes(header + 1, 3)
    book.close()
    return buffer.getvalue()
