"""UI layout helpers: page header, freshness banner and the 'what to do next' messages."""
from __future__ import annotations

from datetime import date

import streamlit as st

from etl.config import settings
from queries.status import DatabaseSummary
from ui import format as fmt
from ui.filters import today as current_day

NO_DATABASE = (
    "Chưa có dữ liệu. Để xem thử với dữ liệu mẫu, chạy `python -m etl demo`; để nạp tệp xuất từ phần mềm "
    "một cửa, chạy `python -m etl load TỆP…` (tệp .xlsx, .xls, .csv). Sau đó tải lại trang này."
)


def require_connection(con) -> None:
    """Stop the page with the next step when there is no database yet."""
    if con is None:
        st.info(NO_DATABASE, icon="ℹ️")
        st.stop()


def freshness(summary: DatabaseSummary, today: date | None = None) -> None:
    """'Dữ liệu đến ngày …, nạp lúc …' and a warning when the newest load is old."""
    today = today or current_day()
    text = f"Dữ liệu đến ngày {fmt.day(summary.last_received)}, nạp lúc {fmt.moment(summary.last_load_at)}."
    limit = settings()["freshness"]["stale_after_days"]
    if summary.last_load_at and (today - summary.last_load_at.date()).days > limit:
        days = (today - summary.last_load_at.date()).days
        st.warning(f"{text} Lần nạp gần nhất đã cách đây {days} ngày: số liệu có thể chưa đầy đủ. "
                   "Hãy nạp tệp xuất mới nhất từ phần mềm một cửa.", icon="⚠️")
    else:
        st.caption(text)
