"""Page: the Monday briefing (Giao ban tuần) — KPIs against the previous period, a paragraph to
read out, the trend of the last 12 periods and the units needing attention."""
import streamlit as st

from core import format as fmt
from queries.briefing import (
    field_changes,
    kpis,
    overdue_now,
    trend,
    units_needing_attention,
)
from ui.briefing_panels import briefing_extras
from ui.briefing_view import attention_table, kpi_cards, trend_chart
from ui.cache import cached
from ui.filters import today
from ui.layout import open_page
from ui.narrative import briefing_paragraph

page = open_page("Giao ban tuần", all_fields="")
con, view, period, filters = page.con, page.view, page.period, page.filters

previous = period.previous()
last_year = period.same_last_year()
now = cached(kpis, filters)
before = cached(kpis, view.with_period(previous).filters)
year_ago = cached(kpis, view.with_period(last_year).filters)
if now.received == 0 and now.resolved == 0 and now.pending_overdue == 0:
    st.info(f"Không có hồ sơ nào trong kỳ đang xem ({period.label()}) với bộ lọc đang chọn. Hãy chọn kỳ khác "
            "(ví dụ tuần trước) hoặc bỏ bớt đơn vị, lĩnh vực ở thanh bên.", icon="ℹ️")
    st.stop()

overdue = cached(overdue_now, filters, today())
kpi_cards(now, before, year_ago, overdue, previous)
st.page_link("pages/late.py", label="Xem hồ sơ trễ hạn, quá hạn và sắp đến hạn", icon=":material/arrow_forward:")
briefing_extras(con, view)  # 'Cần xử lý' panel, reform-plan figure, .docx/.pdf downloads

attention = cached(units_needing_attention, filters, today())
moves = cached(field_changes, filters, view.with_period(previous).filters)
st.markdown("#### Tóm tắt để báo cáo")
st.info(briefing_paragraph(period, view.unit_label(), now, before, overdue, attention, moves))

periods = tuple(reversed([period.shifted(i) for i in range(12)]))
st.plotly_chart(trend_chart(cached(trend, filters, periods), period), width="stretch")
st.markdown("#### Đơn vị cần chú ý")
st.caption(f"Xếp theo số hồ sơ quá hạn tính đến {fmt.day(today())}, rồi số hồ sơ trễ hạn trong kỳ; "
           "số đã giải quyết đặt bên cạnh để đơn vị nhỏ không bị xem là kém nhất. Bấm «Xem →» để mở danh sách hồ sơ trễ hạn của đơn vị.")
attention_table(attention, view)
