"""Page: the emulation-contest ranking (Xếp hạng thi đua) for a period, unit group and scheme:
table, distribution, one unit's components, sentences and history, movers, the scheme, the
.xlsx export and the import of appraised scores."""
import streamlit as st

from core import format as fmt
from scoring.rank import period_title, ranking_with_history
from scoring.scheme import GROUPS, MISSING
from ui import ranking_sections as sections
from ui import ranking_view as view
from ui.cache import cached
from ui.data import connection
from ui.filters import today
from ui.layout import require_connection
from ui.session import current_scope

con = connection()
require_connection(con)
scope = current_scope()
now = today()

st.title("Xếp hạng thi đua")
st.caption("Chấm điểm, xếp hạng thi đua cải cách hành chính theo bộ tiêu chí: điểm từng tiêu chí, cách tính từ "
           "số hồ sơ, thay đổi thứ hạng so với kỳ trước.")

schemes = sections.usable_schemes()
if not schemes:
    st.stop()
left, middle, right = st.columns([2.2, 1.3, 2])
with left:
    period = view.period_picker(now)
with right:
    if st.session_state.get("rk_scheme") not in schemes:
        st.session_state["rk_scheme"] = next(iter(schemes))
    scheme = schemes[st.selectbox("Bộ tiêu chí", list(schemes), format_func=lambda c: schemes[c].name,
                                  key="rk_scheme")]
with middle:
    group = view.group_picker(scheme)

as_of = now if period.end >= now else None
# The whole group, cut to what the viewer may read; its history comes from the same count (same call below).
rank, _ = cached(ranking_with_history, scope, scheme, period, group, as_of)
group_ranked = rank.summary.ranked
st.caption(f"{period_title(period)}: từ ngày {fmt.day(period.start)} đến ngày {fmt.day(period.end)}"
           + (f" (đang diễn ra: số liệu đến ngày {fmt.day(now)})" if as_of else "")
           + f" · {GROUPS[group][0]} · so với {period_title(rank.previous)}")
if group_ranked == 0:
    st.info(f"Không có đơn vị nào thuộc nhóm «{GROUPS[group][0]}» có số liệu trong {period_title(period)} để xếp "
            "hạng. Hãy chọn kỳ khác (dữ liệu xem ở trang «Tổng quan dữ liệu»), nhóm đơn vị khác, hoặc nhập điểm "
            "thẩm định cho kỳ này ở mục «Nhập điểm thẩm định» bên dưới.", icon=":material/info:")

if scheme.appraised and rank.appraisals_loaded == 0:
    st.warning(f"Chưa nhập điểm thẩm định của kỳ {period_title(period)} cho bộ tiêu chí này: "
               f"{len(scheme.appraised)} tiêu chí thẩm định đang «không có dữ liệu» và "
               f"{MISSING[scheme.missing]}. Nhập điểm ở mục «Nhập điểm thẩm định» cuối trang.", icon=":material/warning:")

if group_ranked:
    clicked = sections.ranking_table(rank, scheme, group, period)
    sections.unit_detail(rank, scheme, group, period, scope, as_of, clicked)
sections.scheme_panel(scheme, rank, expanded=group_ranked == 0)
sections.appraisal_import(scheme, group, period, scope, expanded=group_ranked == 0)
