"""Report layer: the briefing (giao ban) and periodic CCHC report as a Vietnamese administrative
document, .docx (docxtpl) or .pdf (WeasyPrint); never queries the database, never imports Streamlit.

The layout is data: `reports/templates/giao_ban.docx` (a Word file with Jinja tags, made by
tools/make_briefing_template.py) and `reports/templates/giao_ban.html` (HTML + CSS for the PDF). An
installation restyles or rewords them by putting its own copy, same name, in its `config/` folder.
Both templates receive the same context (`context()`), every figure already formatted the
Vietnamese way (1.234,5; 92,5%; dd/mm/yyyy), so they hold no arithmetic.

The heading follows Nghị định 30/2020/NĐ-CP (Phụ lục I): issuing body top left, national motto
top right, place and date line in italics ("Đà Nẵng, ngày 05 tháng 3 năm 2026": days below 10 and
months 1, 2 take a leading zero), title, numbered sections, recipients and signature block.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import polars as pl

from core import format as fmt
from core.installation import installation_file
from core.targets import METRICS
from queries.briefing_figures import BriefingFigures
from queries.form06 import FORM_COLUMNS
from queries.periods import ROMAN, Period, quarter_of
from reports import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"
DOCX_TEMPLATE, HTML_TEMPLATE = "giao_ban.docx", "giao_ban.html"
FORMATS = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           ".pdf": "application/pdf"}

_PREVIOUS = {"week": "tuần trước", "month": "tháng trước", "quarter": "quý trước", "year": "năm trước"}
_APOLOGY = {"none": "Không có phiếu", "too_late": "Phiếu lập muộn"}


def template_path(name: str) -> Path:
    """The installation's own template (config/<name>) when it has one, else the bundled one."""
    return installation_file(name) or TEMPLATES / name


# --- wording ----------------------------------------------------------------------------------------


def date_line(place: str, day: date) -> str:
    """'Đà Nẵng, ngày 05 tháng 3 năm 2026' (Nghị định 30/2020/NĐ-CP: leading zero for days 1–9, months 1–2)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def period_words(period: Period) -> str:
    """'tuần từ 16/11 đến 22/11/2026', 'quý IV năm 2026', 'năm 2026', 'từ ngày … đến ngày …'."""
    s, e = period.start, period.end
    if period.kind == "week":
        return f"tuần từ {s:%d/%m} đến {e:%d/%m/%Y}"
    if period.kind == "month":
        return f"tháng {s.month} năm {s.year}"
    if period.kind == "quarter":
        return f"quý {ROMAN[quarter_of(s) - 1]} năm {s.year}"
    if period.kind == "year":
        return f"năm {s.year}"
    if period.kind == "report_quarter":
        return f"quý {ROMAN[quarter_of(e) - 1]} năm {e.year} (từ ngày {s:%d/%m/%Y} đến ngày {e:%d/%m/%Y})"
    if period.kind == "report_year":
        return f"năm {e.year} (từ ngày {s:%d/%m/%Y} đến ngày {e:%d/%m/%Y})"
    return f"từ ngày {s:%d/%m/%Y} đến ngày {e:%d/%m/%Y}"


def previous_words(period: Period) -> str:
    return _PREVIOUS.get(period.kind, "kỳ trước")


def count_change(now: int, before: int) -> str:
    """'tăng 2 (100,0%)', 'giảm 3 (12,5%)', 'tăng 4' (from zero a percentage means nothing), 'không đổi'."""
    if now == before:
        return "không đổi"
    word = "tăng" if now > before else "giảm"
    text = f"{word} {fmt.number(abs(now - before))}"
    return text + (f" ({fmt.percent(abs(now - before) / before)})" if before else "")


def rate_change(now: float | None, before: float | None) -> str:
    """'tăng 5,0 điểm %', 'giảm 0,4 điểm %', 'không đổi', '—' when either rate is missing."""
    if now is None or before is None:
        return "—"
    points = round((now - before) * 100, 1)
    if points == 0:
        return "không đổi"
    return f"{'tăng' if points > 0 else 'giảm'} {fmt.number(abs(points), 1)} điểm %"


def verdict(value: float | None, target: float | None) -> str:
    """'Đạt', 'Chưa đạt (thấp hơn 30,0 điểm %)', 'Chưa đặt mục tiêu', 'Không có dữ liệu'."""
    if value is None:
        return "Không có dữ liệu"
    if target is None:
        return "Chưa đặt mục tiêu"
    if value >= target:
        return "Đạt"
    return f"Chưa đạt (thấp hơn {fmt.number((target - value) * 100, 1)} điểm %)"


# --- the context both templates read ---------------------------------------------------------------


def context(fig: BriefingFigures, narrative: str, made_at: datetime) -> dict:
    """Everything the templates print, formatted; images as PNG bytes under 'charts'."""
    target = {metric: (t.value if t else None) for metric, t in fig.targets.items()}
    return {
        "committee": fig.issuer,
        "date_line": date_line(fig.place, fig.as_of),
        "subtitle": "Tình hình tiếp nhận, giải quyết thủ tục hành chính " + period_words(fig.period),
        "scope": fmt.sentence(fig.where),
        "period_label": fig.period.label(),
        "previous_label": fig.previous.label(),
        "previous_words": previous_words(fig.period),
        "as_of": fmt.day(fig.as_of),
        "narrative": narrative,
        "kpi_rows": _kpi_rows(fig, target),
        "attention_rows": _attention_rows(fig.attention),
        "late_sentence": _late_sentence(fig),
        "late_rows": _late_rows(fig.late_rows),
        "late_more": _late_more(fig),
        "target_rows": _target_rows(fig, target),
        "periodic": fig.form06 is not None,
        "form06_rows": _form06_rows(fig) if fig.form06 is not None else [],
        "form06_balanced": fig.form06 is not None and fig.form06.unbalanced.height == 0,
        "unit_rows": _unit_rows(fig.units) if fig.units is not None else [],
        "made_at": f"{made_at:%H:%M} ngày {made_at:%d/%m/%Y}",
        "charts": _charts(fig, target),
        "target_year": fig.period.end.year,
    }


def _kpi_rows(fig: BriefingFigures, target: dict) -> list[dict]:
    now, before = fig.now, fig.before

    def count(label, a, b, tgt=""):
        return {"label": label, "now": fmt.number(a), "before": fmt.number(b), "change": count_change(a, b),
                "target": tgt}

    def rate(label, a, b, tgt):
        return {"label": label, "now": fmt.percent(a), "before": fmt.percent(b), "change": rate_change(a, b),
                "target": fmt.percent(tgt) if tgt is not None else ""}

    return [
        count("Hồ sơ tiếp nhận", now.received, before.received),
        count("Trong đó nộp trực tuyến", now.received_online, before.received_online),
        count("Hồ sơ đã giải quyết", now.resolved, before.resolved),
        count("Giải quyết trước hạn và đúng hạn", now.resolved_in_time, before.resolved_in_time),
        count("Giải quyết trễ hạn", now.resolved_late, before.resolved_late),
        count("Đang giải quyết quá hạn (cuối kỳ)", now.pending_overdue, before.pending_overdue),
        rate("Tỷ lệ giải quyết đúng hạn", now.on_time_rate, before.on_time_rate, target["on_time_rate"]),
        rate("Tỷ lệ nộp trực tuyến", now.online_share, before.online_share, target["online_share"]),
        rate("Mức độ hài lòng (khảo sát)", now.satisfaction_rate, before.satisfaction_rate, target["satisfaction"]),
    ]


def _attention_rows(attention: pl.DataFrame) -> list[dict]:
    return [{"stt": str(i), "unit": r["unit_name"], "overdue": fmt.number(r["overdue"]),
             "late": fmt.number(r["resolved_late"]), "resolved": fmt.number(r["resolved"]),
             "late_rate": fmt.percent(r["late_rate"]), "no_apology": fmt.number(r["without_apology"])}
            for i, r in enumerate(attention.iter_rows(named=True), start=1)]


def _late_sentence(fig: BriefingFigures) -> str:
    s = fig.late
    if s.without_apology == 0:
        return (f"Không có hồ sơ trễ hạn nào thiếu phiếu xin lỗi và hẹn lại ngày trả kết quả (tính đến ngày "
                f"{fmt.day(s.as_of)}).")
    return (f"Có {fmt.number(s.without_apology)} hồ sơ trễ hạn không có phiếu xin lỗi và hẹn lại ngày trả kết quả "
            f"lập trước ngày hẹn trả: {fmt.number(s.resolved_late_without_apology)} hồ sơ đã giải quyết trễ hạn "
            f"trong kỳ và {fmt.number(s.overdue_without_apology)} hồ sơ đang quá hạn tính đến ngày "
            f"{fmt.day(s.as_of)}.")


def _late_rows(rows: pl.DataFrame) -> list[dict]:
    out = []
    for i, r in enumerate(rows.iter_rows(named=True), start=1):
        state = "Đang quá hạn" if r["is_open"] else f"Giải quyết ngày {fmt.day(r['finished_at'])}"
        apology = _APOLOGY.get(r["apology_state"], "")
        if r["apology_state"] == "too_late" and r["apology_issued_at"]:
            apology += f" ({fmt.day(r['apology_issued_at'])})"
        out.append({"stt": str(i), "code": r["dossier_code"], "procedure": r["procedure_name"] or "",
                    "unit": r["unit_name"] or "", "due": fmt.day(r["due_at"]), "state": state,
                    "days": fmt.number(r["days_late"]), "apology": apology})
    return out


def _late_more(fig: BriefingFigures) -> str:
    rest = fig.late.without_apology - fig.late_rows.height
    return f"… và {fmt.number(rest)} hồ sơ khác (xem trang Trễ hạn)." if rest > 0 else ""


def _target_rows(fig: BriefingFigures, target: dict) -> list[dict]:
    now = fig.now
    rows = [
        (METRICS["online_share"], now.online_share, target["online_share"],
         f"{fmt.number(now.received_online)}/{fmt.number(now.received)} hồ sơ"),
        (METRICS["on_time_rate"], now.on_time_rate, target["on_time_rate"],
         f"{fmt.number(now.resolved_in_time)}/{fmt.number(now.resolved)} hồ sơ"),
        ("Mức độ hài lòng (khảo sát SIPAS)", now.satisfaction_rate, target["satisfaction"],
         f"{fmt.number(now.satisfied_answers)}/{fmt.number(now.survey_answers)} câu trả lời"),
    ]
    if fig.ratings.total:
        rows.append(("Mức độ hài lòng (đánh giá trên Cổng DVC)", fig.ratings.rate, target["satisfaction"],
                     f"{fmt.number(fig.ratings.satisfied)}/{fmt.number(fig.ratings.total)} lượt đánh giá"))
    return [{"label": label, "value": fmt.percent(value) if value is not None else "—", "basis": basis,
             "target": fmt.percent(tgt) if tgt is not None else "Chưa đặt", "verdict": verdict(value, tgt)}
            for label, value, tgt, basis in rows]


def _form06_rows(fig: BriefingFigures) -> list[dict]:
    out = []
    for r in fig.form06.rows.iter_rows(named=True):
        name = r["field_name"] if r["row_kind"] != "total" else "Tổng cộng"
        out.append({"stt": r["stt"] or "", "name": name or "", "bold": r["row_kind"] != "field",
                    **{c: fmt.number(r[c]) for c in FORM_COLUMNS}})
    return out


def _unit_rows(units: pl.DataFrame) -> list[dict]:
    def share(k, n):
        return fmt.percent(k / n) if n else "—"

    return [{"stt": str(i), "unit": r["unit_name"], "received": fmt.number(r["received"]),
             "online": share(r["received_online"], r["received"]), "resolved": fmt.number(r["resolved"]),
             "on_time": share(r["resolved_in_time"], r["resolved"]), "no_apology": fmt.number(r["without_apology"]),
             "satisfaction": share(r["survey_satisfied"], r["survey_answers"])}
            for i, r in enumerate(units.iter_rows(named=True), start=1)]


def _charts(fig: BriefingFigures, target: dict) -> dict[str, bytes]:
    t = fig.trend
    labels = _short_labels(t, fig.period)
    trend = charts.trend_png(labels, t["received"].to_list(), t["resolved"].to_list(), t["on_time_rate"].to_list(),
                             target["on_time_rate"], f"Tiếp nhận, giải quyết và tỷ lệ đúng hạn, {len(labels)} kỳ gần nhất")
    rows = [(METRICS["online_share"], fig.now.online_share, target["online_share"]),
            (METRICS["on_time_rate"], fig.now.on_time_rate, target["on_time_rate"]),
            ("Mức độ hài lòng (khảo sát)", fig.now.satisfaction_rate, target["satisfaction"])]
    versus = charts.targets_png(rows, f"Kết quả {fig.period.label().lower()} so với mục tiêu năm {fig.period.end.year}")
    return {"trend": trend, "targets": versus}


def _short_labels(trend: pl.DataFrame, period: Period) -> list[str]:
    starts, ends = trend["period_start"].to_list(), trend["period_end"].to_list()
    if period.kind in ("month", "report_month"):
        return [f"{e:%m/%Y}" for e in ends]
    if period.kind in ("quarter", "report_quarter"):
        return [f"Q{ROMAN[quarter_of(e) - 1]}/{e:%y}" for e in ends]
    if period.kind in ("year", "report_year"):
        return [str(e.year) for e in ends]
    return [f"{s:%d/%m}" for s in starts]


# --- writers ---------------------------------------------------------------------------------------


def docx_bytes(ctx: dict) -> bytes:
    """The .docx from the Word template (docxtpl: Jinja tags inside the document, text autoescaped)."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    tpl = DocxTemplate(str(template_path(DOCX_TEMPLATE)))
    images = {name: InlineImage(tpl, io.BytesIO(png), width=Mm(160)) for name, png in ctx["charts"].items()}
    tpl.render({**ctx, "charts": images}, autoescape=True)
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()


def html_text(ctx: dict) -> str:
    """The HTML the PDF is printed from (Jinja, autoescaped; charts inlined as data: URIs)."""
    import base64

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    path = template_path(HTML_TEMPLATE)
    env = Environment(loader=FileSystemLoader(str(path.parent)), autoescape=select_autoescape(["html"]))
    images = {name: "data:image/png;base64," + base64.b64encode(png).decode() for name, png in ctx["charts"].items()}
    return env.get_template(path.name).render({**ctx, "charts": images})


def pdf_bytes(ctx: dict) -> bytes:
    """The .pdf printed by WeasyPrint (Pango lays out the text; fonts: see the template's font-family)."""
    from weasyprint import HTML

    return HTML(string=html_text(ctx), base_url=str(TEMPLATES)).write_pdf()


WRITERS = {".docx": docx_bytes, ".pdf": pdf_bytes}


def document_bytes(fig: BriefingFigures, narrative: str, suffix: str, made_at: datetime | None = None) -> bytes:
    """The document as .docx or .pdf bytes (suffix '.docx' or '.pdf')."""
    return WRITERS[suffix](context(fig, narrative, made_at or datetime.now()))
