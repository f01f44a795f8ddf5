"""Page: the briefing (Giao ban) — KPIs against the previous period and the same period a year ago,
a paragraph to read out, the actions to assign with the units and officers concerned, what makes a
comparison shaky, the trend from the first period with data, and the units needing attention."""
import streamlit as st

from core import format as fmt
from core.targets import target
from queries import briefing, late, reference, satisfaction, volumes
from queries.status import database_summary
from ui.briefing_panels import briefing_extras
from ui.briefing_view import actions_block, attention_table, kpi_cards, trend_chart
from ui.cache import cached
from ui.filters import today
from ui.layout import open_page
from ui.narrative import action_items, briefing_paragraph, briefing_title, cautions

page = open_page(briefing_title, all_fields="")
con, view, period, filters = page.con, page.view, page.period, page.filters

previous, last_year = view.with_period(period.previous()), view.with_period(period.same_last_year())
# Form 06 per unit × field × channel of each period (the volumes page's count, kept across loads that
# did not touch the period): the cards, the field moves and the online-share alert are sums of it.
counted, counted_before, counted_year_ago = (cached(volumes.cube, v.filters) for v in (view, previous, last_year))
now = briefing.kpis_of(counted, cached(satisfaction.survey_rate, filters))
before = briefing.kpis_of(counted_before, cached(satisfaction.survey_rate, previous.filters))
year_ago = briefing.kpis_of(counted_year_ago, cached(satisfaction.survey_rate, last_year.filters))
if now.received == 0 and now.resolved == 0 and now.pending_overdue == 0:
    st.info(f"Không có hồ sơ nào trong kỳ đang xem ({period.label()}) với bộ lọc đang chọn. Hãy chọn kỳ khác "
            "(ví dụ tuần trước) hoặc bỏ bớt đơn vị, lĩnh vực ở thanh bên.", icon=":material/info:")
    st.stop()

# The late page's counts per unit × field (late.cube), read once for the cards and the attention table.
late_counts = cached(late.cube, filters)
todo = cached(briefing.actions, filters, late.summary_of(late_counts, late.as_of_day(filters)))
online = target("online_share", period.end.year)  # targets.csv; None: «chưa đặt chỉ tiêu»
online_target = online.value if online else None
kpi_cards(now, before, year_ago, todo.summary, period.previous())
st.page_link("pages/late.py", label="Xem hồ sơ trễ hạn, quá hạn và sắp đến hạn", icon=":material/arrow_forward:")
briefing_extras(con, view, counted, late_counts)  # 'Cần xử lý' panel, reform-plan figure, .docx/.pdf downloads

summary = cached(database_summary, filters.scope)
days = [cached(briefing.period_days, v.filters) for v in (view, previous, last_year)]
moves = briefing.field_changes_of(counted, counted_before, cached(reference.fields, filters.scope))
st.markdown("#### Tóm tắt để báo cáo")
st.info(briefing_paragraph(period, view.unit_label(), now, before, year_ago, moves, online_target))
actions_block(action_items(todo, now, online_target),
              cautions(period, today(), summary.last_received, now, before, year_ago, *days))

history = period.history(12, since=summary.first_received)
st.plotly_chart(trend_chart(cached(briefing.trend, filters, history), period, summary.first_received),
                width="stretch")
st.markdown("#### Đơn vị cần chú ý")
st.caption(f"Xếp theo số hồ sơ quá hạn tính đến {fmt.day(today())}, rồi số hồ sơ trễ hạn trong kỳ; số đã giải "
           "quyết đặt bên cạnh để đơn vị nhỏ không bị xem là kém nhất. Cùng cách đếm với trang Trễ hạn. Bấm «Xem →» "
           "để mở danh sách hồ sơ trễ hạn của đơn vị.")
attention_table(late.units_to_act_on_of(late_counts), view)
