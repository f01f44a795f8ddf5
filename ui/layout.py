"""UI layout helpers: page header, freshness banner and the 'what to do next' messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from core import format as fmt
from core.settings import settings
from queries.status import DatabaseSummary
from ui.filters import today as current_day
from ui.hints import admin_only

NO_DATABASE = (
    "Chưa có dữ liệu. Để xem thử với dữ liệu mẫu, chạy `python -m etl demo`; để nạp tệp xuất từ phần mềm "
    "một cửa, chạy `python -m etl load TỆP…` (tệp .xlsx, .xls, .csv). Sau đó tải lại trang này."
)
NO_DATABASE_YET = ("Chưa có dữ liệu: quản trị dữ liệu chưa nạp tệp xuất từ phần mềm một cửa. Khi dữ liệu đã được "
                   "nạp, tải lại trang này.")


def require_connection(con) -> None:
    """Stop the page with the next step when there is no database yet (the commands only for the
    viewer who runs the installation)."""
    if con is None:
        st.info(admin_only(NO_DATABASE, NO_DATABASE_YET), icon=":material/info:")
        st.stop()


def freshness(summary: DatabaseSummary, today: date | None = None) -> None:
    """'Dữ liệu đến ngày …, nạp lúc …' and a warning when the newest load is old."""
    today = today or current_day()
    text = f"Dữ liệu đến ngày {fmt.day(summary.last_received)}, nạp lúc {fmt.moment(summary.last_load_at)}."
    limit = settings().freshness.stale_after_days
    if summary.last_load_at and (today - summary.last_load_at.date()).days > limit:
        days = (today - summary.last_load_at.date()).days
        st.warning(f"{text} Lần nạp gần nhất đã cách đây {days} ngày: số liệu có thể chưa đầy đủ. "
                   "Hãy nạp tệp xuất mới nhất từ phần mềm một cửa.", icon=":material/warning:")
    else:
        st.caption(text)


@dataclass(frozen=True)
class Page:
    """What a filtered page starts from: the read-only connection and the sidebar's view."""

    con: object
    view: object  # ui.filters.View

    @property
    def period(self):
        return self.view.period

    @property
    def filters(self):
        return self.view.filters


def view_context(view, head: str | None = None, all_fields: str = " · Tất cả lĩnh vực") -> str:
    """'Tháng 10/2026 · Phường Hải Châu · Tất cả lĩnh vực': what a page (or its download) covers."""
    fields = f" · {', '.join(view.field_names)}" if view.field_names else all_fields
    return (head or view.period.label()) + f" · {fmt.sentence(view.unit_label())}" + fields


def open_page(title, caption=None, all_fields: str = " · Tất cả lĩnh vực",
              summary: DatabaseSummary | None = None) -> Page:
    """The opening every filtered page shares: stop with the next step when there is no database,
    read the sidebar's view, draw the title, the period · units · fields line, and freshness.
    `title` is a text, or `title(period)` for a title that follows the period ('Giao ban quý');
    `caption(view)` replaces the period's label at the head of that line."""
    from queries.status import database_summary
    from ui.cache import cached
    from ui.data import connection
    from ui.filters import current_view

    con = connection()
    require_connection(con)
    view = current_view()
    st.title(title(view.period) if callable(title) else title)
    st.caption(view_context(view, caption(view) if caption else None, all_fields))
    freshness(summary or cached(database_summary, view.filters.scope))
    return Page(con, view)
