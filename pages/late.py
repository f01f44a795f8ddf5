"""Page: late dossiers (Trễ hạn) — resolved late, overdue now, due soon; where lateness sits; the
list to send to a unit; one dossier's detail (?hs=<code> opens it directly)."""
import hashlib

import streamlit as st

from core import format as fmt
from queries import late
from reports.late import LateReport, late_xlsx_bytes
from ui import late_view as view_ui
from ui.auth import audit, download
from ui.cache import cached
from ui.data import connection
from ui.layout import open_page

page = open_page("Trễ hạn")
con, view, period, filters = page.con, page.view, page.period, page.filters
personal = filters.scope.personal_data


def open_detail(code: str, table_key: str | None = None) -> None:
    detail = cached(late.dossier_detail, filters, code)
    # Who opened which dossier and whether its personal data (ID, address) was shown unmasked; once
    # per session and dossier, not on every rerun. A code that opens nothing is recorded too.
    audit("view_dossier", unit_codes=[detail.row["unit_code"]] if detail else None, once_per_session=True,
          dossier=detail.row["dossier_code"] if detail else code[:100], found=detail is not None,
          personal_data=personal and detail is not None)
    with st.container(border=True):
        if detail is None:
            st.warning(f"Không tìm thấy hồ sơ «{code}» trong dữ liệu bạn được xem. Kiểm tra lại mã hồ sơ trong "
                       "đường liên kết, hoặc chọn hồ sơ trong danh sách bên dưới.", icon=":material/search:")
        else:
            view_ui.show_detail(detail, personal)
        if st.button("Đóng hồ sơ", icon=":material/close:", key=f"close_{code}"):
            st.query_params.pop("hs", None)
            st.session_state["_late_picked"] = None
            if table_key:
                st.session_state.pop(table_key, None)
            st.rerun()


# The list's selection opens a dossier and writes ?hs= so the address can be sent; clearing the
# selection closes it. A link arriving with ?hs= shows the dossier at the top of the page.
last_key = st.session_state.get("_late_table_key")
selection = (st.session_state.get(last_key) or {}).get("selection", {}).get("rows") if last_key else None
if st.session_state.get("_late_picked") and not selection:
    st.query_params.pop("hs", None)
    st.session_state["_late_picked"] = None
linked = st.query_params.get("hs")
if linked and not selection:
    open_detail(linked)

# The headline figures, buckets, unit and field breakdowns and the list's count are sums of one count
# per unit × field (late.cube), read once.
counts = cached(late.cube, filters)
s = late.summary_of(counts, late.as_of_day(filters))
view_ui.kpi_cards(s, period)
if s.resolved == 0 and s.overdue == 0 and s.due_soon == 0:
    st.info(f"Không có hồ sơ nào đã giải quyết trong kỳ ({period.label()}), đang quá hạn hay sắp đến hạn với đơn vị, "
            "lĩnh vực đang chọn. Hãy chọn kỳ khác hoặc bỏ bớt đơn vị, lĩnh vực ở thanh bên.", icon=":material/info:")
    st.stop()

left, right = st.columns(2)
with left:
    st.plotly_chart(view_ui.buckets_chart(late.buckets_of(counts)), width="stretch")
with right:
    periods = tuple(reversed([period.shifted(i) for i in range(12)]))
    st.plotly_chart(view_ui.trend_chart(cached(late.trend, filters, periods), period), width="stretch")

# Ranked over the whole province (its cube is this one for a province-wide view), cut to what the viewer may read.
group_counts = counts if late.is_whole_group(filters) else cached(late.cube, filters.group())
ranking = late.unit_ranking_of(con, filters, group_counts)
left, right = st.columns(2)
with left:
    view_ui.ranking_block(ranking, can_compare=filters.scope.unit_codes is None or len(filters.scope.unit_codes) > 1)
with right:
    dims = {"unit": "Đơn vị", "field": "Lĩnh vực", "procedure": "Thủ tục", "officer": "Cán bộ xử lý"}
    by = st.segmented_control("Hồ sơ trễ nằm ở đâu? Theo", list(dims), format_func=dims.get, default="field",
                              key="late_by") or "field"
    parts = (late.breakdown_of(counts, by, 15) if by in late.CUBE_DIMENSIONS
             else cached(late.breakdown, filters, by, 15))
    st.plotly_chart(view_ui.breakdown_chart(parts, f"Hồ sơ trễ theo {dims[by].lower()}"), width="stretch")

st.markdown("#### Danh sách hồ sơ")
c1, c2, c3 = st.columns([2, 3, 2])
kind = c1.selectbox("Hiển thị", list(late.LIST_KINDS), format_func=lambda k: late.LIST_KINDS[k][0], key="late_kind")
search = c2.text_input("Tìm theo mã hồ sơ hoặc tên người nộp", key="late_q",
                       placeholder="Ví dụ: 261110-0012 hoặc nguyen van an (không cần gõ dấu)").strip()
sort = c3.selectbox("Sắp xếp", list(late.LIST_SORTS), format_func=lambda k: late.LIST_SORTS[k][0], key="late_sort")
total = cached(late.late_count, filters, kind, search) if search else late.late_count_of(counts, kind)
shown_max = view_ui.rows_shown()
rows = cached(late.late_list, filters, kind, search, sort, shown_max)
# Who viewed which unit's late list, for which period (once per distinct view, not per rerun).
audit("view_late_list", unit_codes=filters.unit_codes or None, period=period.label(),
      list=late.LIST_KINDS[kind][0], search=search)
if total == 0:
    st.info(("Không có hồ sơ nào khớp với «" + search + "» trong danh sách này. Kiểm tra lại mã hoặc tên, hoặc chọn "
             "«Trễ hạn và quá hạn» ở ô Hiển thị.") if search else
            "Danh sách này không có hồ sơ nào với bộ lọc đang chọn.", icon=":material/info:")
else:
    note = (f"Hiển thị {fmt.number(rows.height)} hồ sơ đầu trong {fmt.number(total)}, tải xuống để xem đủ."
            if total > rows.height else f"{fmt.number(total)} hồ sơ.")
    st.caption(f"{note} Bấm vào một dòng để xem chi tiết hồ sơ. Quá hạn tính đến {fmt.day(s.as_of)}."
               + ("" if personal else " Tên người nộp đã được che bớt."))
    table_key = "late_table_" + hashlib.md5(repr((filters, kind, search, sort)).encode()).hexdigest()[:12]
    st.session_state["_late_table_key"] = table_key
    event = view_ui.list_table(rows, personal, table_key)
    selected = event.selection.rows if event else []
    codes = rows["dossier_code"].to_list()
    if selected and selected[0] < len(codes):
        code = codes[selected[0]]
        if st.query_params.get("hs") != code:
            st.query_params["hs"] = code
        st.session_state["_late_picked"] = code
        open_detail(code, table_key)

    def xlsx() -> bytes:
        everything = late.late_list(connection(), filters, kind, search, sort, None)
        return late_xlsx_bytes(LateReport(
            rows=everything, issuer=view.unit_names[0].upper() if len(view.unit_names) == 1 else "",
            units_label=fmt.sentence(view.unit_label()), period_start=period.start,
            period_end=period.end, as_of=s.as_of, list_label=late.LIST_KINDS[kind][0], search=search,
            personal_data=personal))

    # The file is made, and the export audited, when the viewer clicks.
    download("Tải danh sách (.xlsx)", xlsx, f"ho-so-tre-han_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
             unit_codes=filters.unit_codes)
st.caption("Trễ hạn: có kết quả sau ngày hẹn trả (Biểu số 06, Thông tư 01/2020/TT-VPCP). Ngày trễ tính theo ngày làm "
           "việc, không kể thứ Bảy, Chủ nhật, ngày lễ, Tết; hoàn thành vào ngày nghỉ tính như sáng ngày làm việc kế "
           "tiếp. Hồ sơ tạm dừng chờ bổ sung vẫn được tính quá hạn khi đã qua ngày hẹn trả ghi trong tệp xuất.")
