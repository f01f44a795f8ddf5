"""Page: what is loaded and how fresh it is (Tổng quan dữ liệu)."""
import streamlit as st

from core import format as fmt
from queries.status import database_summary, load_history, unit_counts, weekly_volume
from ui.cache import cached
from ui.charts import weekly_volume_chart
from ui.data import connection
from ui.filters import today
from ui.hints import admin_only
from ui.layout import freshness, require_connection
from ui.session import current_scope
from ui.tables import loads_table, units_table

con = connection()
require_connection(con)
scope = current_scope()
summary = cached(database_summary, scope)

st.title("Tổng quan dữ liệu")
freshness(summary)

cols = st.columns(5)
cols[0].metric("Hồ sơ đã nạp", fmt.number(summary.dossiers),
               help="Mỗi mã hồ sơ được tính một lần, theo tệp xuất mới nhất.")
cols[1].metric("Đơn vị có dữ liệu", fmt.number(summary.units_with_data),
               help="Số xã, phường, đặc khu, sở, ngành có ít nhất một hồ sơ.")
cols[2].metric("Tiếp nhận từ ngày", fmt.day(summary.first_received),
               help=f"Hồ sơ tiếp nhận từ {fmt.day(summary.first_received)} đến {fmt.day(summary.last_received)}.")
cols[3].metric("Phiếu khảo sát", fmt.number(summary.survey_responses))
cols[4].metric("Dòng bị loại khi nạp", fmt.number(summary.rejects),
               help="Dòng không nạp được (thiếu mã, sai ngày, trạng thái lạ…)."
                    + admin_only(" Xem chi tiết: trang Dữ liệu, thẻ «Dòng bị loại», hoặc lệnh python -m etl rejects.",
                                 " Quản trị dữ liệu xem chi tiết và gửi lại đơn vị để sửa."))

st.plotly_chart(weekly_volume_chart(cached(weekly_volume, scope)), width="stretch")

left, right = st.columns([3, 2])
with left:
    st.subheader("Dữ liệu theo đơn vị")
    units_table(cached(unit_counts, scope, today()))
with right:
    st.subheader("Các lần nạp gần đây")
    loads_table(cached(load_history, scope, 50))
