"""UI pieces added to the briefing page: the 'Cần xử lý' panel (alerts.toml), the reform-plan figure
and the document downloads (.docx, .pdf). The page calls `briefing_extras` once."""
from __future__ import annotations

import polars as pl
import streamlit as st

from core.store import reader_cursor
from queries.alerts import evaluate
from queries.plan import plan_summary
from reports.briefing_doc import FORMATS
from reports.digest import alert_text, due_soon_lines, grouped
from ui.auth import download, may
from ui.briefing_document import make_document
from ui.cache import cached
from ui.filters import View, today
from ui.plan_view import headline
from ui.session import current_viewer


def briefing_extras(con, view: View, counts: pl.DataFrame | None = None,
                    late_counts: pl.DataFrame | None = None) -> None:
    """Everything this module adds, in page order (`counts`, `late_counts`: the period's
    queries.volumes.cube and queries.late.cube, which the page has read)."""
    alerts_panel(view, counts, late_counts)
    plan_line(view)
    document_buttons(con, view)


SHOWN_PER_GROUP = 5  # the panel is read in a meeting: the first few of each kind, the rest on request


def alerts_panel(view: View, counts: pl.DataFrame | None = None, late_counts: pl.DataFrame | None = None) -> None:
    """Collapsed under a one-line count per kind; each kind lists its first few, the rest behind a toggle."""
    alerts = cached(evaluate, view.filters, None, counts, late_counts)
    groups = grouped(alerts)
    label = ("Cần xử lý: " + " · ".join(f"{title.lower()} ({_size(items)})" for title, items in groups)
             if groups else "Cần xử lý: không có việc nào")
    with st.expander(label, expanded=False, icon=":material/notification_important:"):
        if not alerts:
            st.success("Không có việc nào cần xử lý theo các quy tắc cảnh báo.", icon=":material/check_circle:")
        show_all = len(alerts) > SHOWN_PER_GROUP and st.toggle("Hiện tất cả", key="alerts_all")
        for title, items in groups:
            st.markdown(f"**{title}** ({len(items)})")
            shown = items if show_all else items[:SHOWN_PER_GROUP]
            lines = []
            for alert in shown:
                lines.append(f"- {alert_text(alert, today())}")
                lines += [f"    - {line}" for line in due_soon_lines(alert)]
            st.markdown("\n".join(lines))
            if len(items) > len(shown):
                st.caption(f"… và {len(items) - len(shown)} mục khác (bật «Hiện tất cả»).")
        if may(current_viewer(), "load"):  # where the rules live is for the data staff, not the chairman
            st.caption("Quy tắc và ngưỡng trong alerts.toml (thư mục thiết lập của bản cài đặt); mục tiêu năm trong "
                       "targets.csv. Bản tin gửi thư: python -m etl alerts --send.")


def _size(items) -> int:
    """Dossiers for the due-soon list (one alert holds them all), else the units or rates flagged."""
    return sum(a.count for a in items) if items and items[0].rule == "due_soon" else len(items)


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
        download("Báo cáo Word (.docx)", make(".docx"), f"{name}.docx", FORMATS[".docx"],
                 icon=":material/description:", unit_codes=view.filters.unit_codes)
    with right:
        download("Báo cáo PDF (.pdf)", make(".pdf"), f"{name}.pdf", FORMATS[".pdf"], icon=":material/picture_as_pdf:",
                 unit_codes=view.filters.unit_codes)
