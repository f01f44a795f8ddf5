"""UI pieces added to the briefing page: the 'Cần xử lý' panel (alerts.toml), the reform-plan figure
and the document downloads (.docx, .pdf). The page calls `briefing_extras` once."""
from __future__ import annotations

import streamlit as st

from core.store import reader_cursor
from queries.alerts import evaluate
from queries.plan import plan_summary
from reports.briefing_doc import FORMATS
from reports.digest import alert_text, due_soon_lines, grouped
from ui.auth import download
from ui.briefing_document import make_document
from ui.cache import cached
from ui.filters import View, today
from ui.plan_view import headline


def briefing_extras(con, view: View) -> None:
    """Everything this module adds, in page order."""
    alerts_panel(view)
    plan_line(view)
    document_buttons(con, view)


def alerts_panel(view: View) -> None:
    alerts = cached(evaluate, view.filters)
    with st.expander(f"Cần xử lý ({len(alerts)})", expanded=bool(alerts), icon=":material/notification_important:"):
        if not alerts:
            st.success("Không có việc nào cần xử lý theo các quy tắc cảnh báo.", icon="✅")
        for title, items in grouped(alerts):
            st.markdown(f"**{title}**")
            lines = []
            for alert in items:
                lines.append(f"- {alert_text(alert, today())}")
                lines += [f"    - {line}" for line in due_soon_lines(alert)]
            st.markdown("\n".join(lines))
        st.caption("Quy tắc và ngưỡng trong alerts.toml (thư mục thiết lập của bản cài đặt); mục tiêu năm trong "
                   "targets.csv. Bản tin gửi thư: python -m etl alerts --send.")


def plan_line(view: View) -> None:
    """The reform plan's figure for the year of the view ('hoàn thành 49/53 đầu công việc, đạt 92,5%')."""
    year = view.period.end.year
    summary = cached(plan_summary, view.filters.scope, year, today())
    if summary is not None:
        st.markdown(f":material/checklist: {headline(summary)}")
        st.page_link("pages/plan.py", label="Xem tiến độ kế hoạch CCHC", icon=":material/arrow_forward:")


def document_buttons(con, view: View) -> None:
    """Word and PDF of this view's briefing, made when clicked (the export is audited by ui.auth.download)."""
    name = f"giao_ban_{view.period.start:%Y%m%d}_{view.period.end:%Y%m%d}"

    def make(suffix: str):
        # Runs when clicked, outside the script run: a fresh cursor of the same read-only database.
        return lambda: make_document(reader_cursor(con), view.filters, view.period, suffix)

    left, right, _ = st.columns([1, 1, 3])
    with left:
        download("Tải báo cáo Word (.docx)", make(".docx"), f"{name}.docx", FORMATS[".docx"],
                 icon=":material/description:", unit_codes=view.filters.unit_codes)
    with right:
        download("Tải báo cáo PDF", make(".pdf"), f"{name}.pdf", FORMATS[".pdf"], icon=":material/picture_as_pdf:",
                 unit_codes=view.filters.unit_codes)
