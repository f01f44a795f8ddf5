"""Dev tool: write reports/templates/giao_ban.docx, the Word template of the briefing document.

    .venv/bin/python tools/make_briefing_template.py [OUT.docx]

The template is data: a province opens it in Word, restyles or rewords it (keeping the {{ … }} and
{% … %} tags, docxtpl's Jinja syntax) and saves it as config/giao_ban.docx beside its database.
This script only makes the bundled starting point, laid out per Nghị định 30/2020/NĐ-CP: A4, margins
20/20/30/15 mm, Times New Roman 13 pt, issuing body and national motto side by side, italic date line.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (kept for provinces that turn a table landscape)
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parent.parent / "reports" / "templates" / "giao_ban.docx"
FONT = "Times New Roman"


def _font(style, size: float, bold: bool = False) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _para(doc_or_cell, text: str = "", *, bold=False, italic=False, underline=False, align=None, size=None,
          space_after: float = 0, indent_first: bool = False, style=None):
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent_first:
        p.paragraph_format.first_line_indent = Mm(10)
    return p


def _cell_text(cell, text: str, *, bold=False, align=None, size=11):
    p = cell.paragraphs[0]
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if align is not None:
        p.alignment = align


def _loop_table(doc, headers: list[str], cells: list[str], loop: str, widths_mm: list[float], size=11,
                bold_expr: str | None = None):
    """A grid table: a header row, then one row per item of `loop` (docxtpl's {%tr for %} rows)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(headers):
        _cell_text(table.rows[0].cells[j], h, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size)
    _cell_text(table.rows[1].cells[0], "{%tr for r in " + loop + " %}", size=size)
    for j, c in enumerate(cells):
        text = "{{ r." + c + " }}"
        if bold_expr:  # rows such as subtotals printed bold: one run per case, chosen by the tag
            p = table.rows[2].cells[j].paragraphs[0]
            p.add_run("{%r if " + bold_expr + " %}").font.size = Pt(size)
            strong = p.add_run(text)
            strong.bold, strong.font.size = True, Pt(size)
            p.add_run("{%r else %}").font.size = Pt(size)
            p.add_run(text).font.size = Pt(size)
            p.add_run("{%r endif %}").font.size = Pt(size)
            if j >= 2:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            _cell_text(table.rows[2].cells[j], text, size=size,
                       align=WD_ALIGN_PARAGRAPH.RIGHT if c not in ("stt", "unit", "label", "code", "procedure",
                                                                    "name", "state", "apology", "verdict",
                                                                    "basis") else None)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}", size=size)
    for row in table.rows:
        for j, w in enumerate(widths_mm):
            row.cells[j].width = Mm(w)
    return table


def build(out: Path = OUT) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _font(doc.styles["Normal"], 13)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    heading = doc.styles.add_style("Muc", 1)  # section heading: "I. TÌNH HÌNH CHUNG"
    heading.base_style = doc.styles["Normal"]
    _font(heading, 13, bold=True)
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(4)
    heading.paragraph_format.keep_with_next = True

    # Heading block: issuing body (left) and national motto with the date line (right).
    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    _cell_text(left, "{{ committee }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    _para(left, "———", align=WD_ALIGN_PARAGRAPH.CENTER, size=9)
    _para(left, "Số:        /BC-UBND", align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _para(right, "")
    _para(right, "{{ date_line }}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)

    _para(doc, "")
    _para(doc, "BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _para(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _para(doc, "Phạm vi: {{ scope }}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, space_after=8)

    _para(doc, "I. TÌNH HÌNH CHUNG", style="Muc")
    _para(doc, "{{ narrative }}", indent_first=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=4)

    _para(doc, "II. CÁC CHỈ TIÊU CHÍNH SO VỚI {{ previous_words|upper }}", style="Muc")
    _para(doc, "Kỳ báo cáo: {{ period_label }}; kỳ so sánh: {{ previous_label }}.", italic=True, size=11,
          space_after=4)
    _loop_table(doc, ["Chỉ tiêu", "Kỳ này", "{{ previous_words|capitalize }}", "Thay đổi", "Mục tiêu năm"],
                ["label", "now", "before", "change", "target"], "kpi_rows", [62, 22, 24, 35, 22])

    _para(doc, "III. ĐƠN VỊ CẦN CHÚ Ý", style="Muc")
    _para(doc, "{%p if attention_rows %}")
    _para(doc, "Xếp theo số hồ sơ quá hạn tính đến ngày {{ as_of }}, rồi số hồ sơ trễ hạn trong kỳ.", italic=True,
          size=11, space_after=4)
    _loop_table(doc, ["STT", "Đơn vị", "Quá hạn hiện nay", "Trễ hạn trong kỳ", "Đã giải quyết", "Tỷ lệ trễ",
                      "Trễ không xin lỗi"],
                ["stt", "unit", "overdue", "late", "resolved", "late_rate", "no_apology"], "attention_rows",
                [10, 55, 20, 20, 20, 20, 20], size=10.5)
    _para(doc, "{%p else %}")
    _para(doc, "Không có đơn vị nào có hồ sơ quá hạn hoặc trễ hạn trong kỳ.", indent_first=True)
    _para(doc, "{%p endif %}")

    _para(doc, "IV. HỒ SƠ TRỄ HẠN KHÔNG CÓ PHIẾU XIN LỖI", style="Muc")
    _para(doc, "{{ late_sentence }}", indent_first=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=4)
    _para(doc, "{%p if late_rows %}")
    _loop_table(doc, ["STT", "Mã hồ sơ", "Thủ tục", "Đơn vị", "Hẹn trả", "Tình trạng", "Số ngày trễ",
                      "Phiếu xin lỗi"],
                ["stt", "code", "procedure", "unit", "due", "state", "days", "apology"], "late_rows",
                [9, 30, 38, 26, 18, 22, 12, 20], size=9.5)
    _para(doc, "{{ late_more }}", italic=True, size=11)
    _para(doc, "{%p endif %}")

    _para(doc, "V. DỊCH VỤ CÔNG TRỰC TUYẾN, TIẾN ĐỘ VÀ MỨC ĐỘ HÀI LÒNG SO VỚI MỤC TIÊU NĂM {{ target_year }}",
          style="Muc")
    _loop_table(doc, ["Chỉ tiêu", "Kết quả", "Căn cứ", "Mục tiêu", "Đánh giá"],
                ["label", "value", "basis", "target", "verdict"], "target_rows", [55, 20, 35, 20, 35])

    _para(doc, "VI. BIỂU ĐỒ", style="Muc")
    _para(doc, "{{ charts.trend }}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    _para(doc, "{{ charts.targets }}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)

    _para(doc, "{%p if periodic %}")
    _para(doc, "VII. KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH (BIỂU SỐ 06, THÔNG TƯ 01/2020/TT-VPCP)", style="Muc")
    _para(doc, "Đơn vị tính: hồ sơ. Nhận giải quyết = trực tuyến + trực tiếp, bưu chính + từ kỳ trước; đã giải "
               "quyết = trước hạn + đúng hạn + quá hạn; đang giải quyết = trong hạn + quá hạn.", italic=True,
          size=11, space_after=4)
    _loop_table(doc, ["STT", "Lĩnh vực", "Nhận: tổng", "Trực tuyến", "Trực tiếp, BC", "Kỳ trước", "Giải quyết: tổng",
                      "Trước hạn", "Đúng hạn", "Quá hạn", "Đang GQ: tổng", "Trong hạn", "Quá hạn"],
                ["stt", "name", "received_total", "received_online", "received_direct", "carried_over",
                 "resolved_total", "resolved_early", "resolved_on_time", "resolved_late", "pending_total",
                 "pending_within", "pending_overdue"], "form06_rows",
                [8, 30] + [11.5] * 11, size=8, bold_expr="r.bold")
    _para(doc, "VIII. SỐ LIỆU THEO ĐƠN VỊ", style="Muc")
    _loop_table(doc, ["STT", "Đơn vị", "Tiếp nhận", "Tỷ lệ trực tuyến", "Đã giải quyết", "Tỷ lệ đúng hạn",
                      "Trễ không xin lỗi", "Hài lòng (khảo sát)"],
                ["stt", "unit", "received", "online", "resolved", "on_time", "no_apology", "satisfaction"],
                "unit_rows", [9, 50, 18, 20, 18, 20, 20, 20], size=9.5)
    _para(doc, "{%p endif %}")

    _para(doc, "")
    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    left.width, right.width = Mm(85), Mm(80)
    _cell_text(left, "Nơi nhận:", size=12)
    left.paragraphs[0].runs[0].bold = True
    left.paragraphs[0].runs[0].italic = True
    for line in ("- Thường trực Ủy ban nhân dân;", "- Văn phòng;", "- Lưu: VT."):
        _para(left, line, size=11)
    _cell_text(right, "TM. ỦY BAN NHÂN DÂN", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _para(right, "CHỦ TỊCH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    _para(doc, "")
    _para(doc, "Số liệu lấy từ Bảng điều hành CCHC lúc {{ made_at }}; tỷ lệ tính trên số hồ sơ của kỳ, mục tiêu theo "
               "kế hoạch năm.", italic=True, size=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
