"""Page: the year's reform plan (Kế hoạch CCHC) — completion per area and lead unit, overdue tasks."""
import streamlit as st

from queries.plan import by_area, by_unit, overdue_tasks, plan_summary, plan_years
from ui import plan_view as ui
from ui.cache import cached
from ui.data import connection
from ui.filters import today
from ui.layout import require_connection
from ui.session import current_scope

con = connection()
require_connection(con)
scope = current_scope()
st.title("Kế hoạch cải cách hành chính")
years = cached(plan_years, scope)
if not years:
    st.info("Chưa nhập kế hoạch CCHC. Nhập bảng kế hoạch của năm (cột Nhiệm vụ, Đơn vị chủ trì, Thời hạn, Tình "
            "trạng, Ngày hoàn thành): `python -m etl plan ke_hoach_2026.xlsx --year 2026`.", icon=":material/info:")
    st.stop()
year = st.selectbox("Năm", years, key="plan_year")
summary = cached(plan_summary, scope, year, today())
st.markdown(f"**{ui.headline(summary)}**")
areas = cached(by_area, scope, year, today())
st.plotly_chart(ui.area_chart(areas), width="stretch")
st.markdown("#### Theo lĩnh vực")
ui.progress_table(areas, "area", "Lĩnh vực")
st.markdown("#### Theo đơn vị chủ trì")
ui.progress_table(cached(by_unit, scope, year, today()), "unit_name", "Đơn vị chủ trì")
st.markdown("#### Nhiệm vụ quá hạn")
ui.overdue_table(cached(overdue_tasks, scope, year, today()))
