"""UI sections of the ranking page (Xếp hạng thi đua): the table with its export, one unit's
components and history, the scheme, and the import of appraised scores. Draws only; every figure comes
from scoring.rank and queries.emulation; writing appraised scores goes through etl.appraisal."""
from __future__ import annotations

import polars as pl
import streamlit as st

from core import format as fmt
from core.units import province
from etl.appraisal import import_appraisal
from etl.errors import EtlError
from queries.emulation import group_units
from reports.ranking import appraisal_template_xlsx, ranking_xlsx_bytes, unit_note
from scoring.rank import Ranking, movers, period_key, period_title, points_text, ranking_with_history
from scoring.scheme import GROUPS, SchemeError, available_schemes, load_scheme
from ui import ranking_view as view
from ui.auth import audit, download, may
from ui.cache import cached
from ui.data import database_file
from ui.hints import admin_only
from ui.session import current_viewer
from ui.tables import WRAP_ROW_HEIGHT, numbers


def usable_schemes() -> dict:
    """The schemes that load; each one that does not is shown with its problems."""
    schemes = {}
    for code in available_schemes():
        try:
            schemes[code] = load_scheme(code)
        except SchemeError as exc:
            st.error(f"{exc.name}: bộ tiêu chí không dùng được, "
                     + admin_only(f"cần sửa tệp {code}.toml (thư mục schemes/ của thư mục thiết lập, hoặc "
                                  "scoring/schemes/):", "quản trị dữ liệu cần sửa:") + "\n\n"
                     + "\n".join(f"- {p}" for p in exc.problems), icon=":material/warning:")
    return schemes


def ranking_table(rank: Ranking, scheme, group: str, period) -> str | None:
    """Cards, the ranking table with its .xlsx, distribution and movers; returns the clicked unit.
    A viewer who may not see peers gets his own rows and the group's anonymous figures only."""
    view.summary_cards(rank)
    st.subheader("Bảng xếp hạng")
    st.caption("Tổng điểm làm tròn 2 chữ số thập phân trước khi xếp hạng; đơn vị bằng điểm cùng hạng (1, 2, 2, 4). "
               "⚑ đơn vị nhỏ (ít hồ sơ ở một số tiêu chí, "
               + ("chấm trên tỷ lệ co về tỷ lệ chung của nhóm" if scheme.small_unit == "shrink"
                  else "không chấm tiêu chí đó") + "). «—»: không có dữ liệu hoặc không xếp hạng (xem cột Lưu ý). "
               + ("Bấm một dòng để xem chi tiết đơn vị." if rank.peers_named else
                  f"Hạng tính trong cả nhóm ({fmt.number(rank.summary.ranked)} đơn vị được xếp hạng); theo phân "
                  "quyền, bạn xem kết quả của đơn vị mình, không xem tên và điểm của các đơn vị khác."))
    clicked = view.ranking_table(rank, key="rk_table")
    issuer = province().committee
    name = f"xep_hang_{scheme.code}_{group}_{period_key(period)}.xlsx"
    # ui.auth.download checks the export right and audits the export when the viewer clicks.
    download("Tải kết quả xếp hạng (.xlsx)", lambda: ranking_xlsx_bytes(rank, issuer), name,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", type="primary",
             icon=":material/download:", key="rk_download")

    mine = [] if rank.peers_named else [(r["unit_name"], r["total"]) for r in rank.ranked.iter_rows(named=True)]
    if not rank.peers_named:
        st.plotly_chart(view.distribution_chart(rank, mine), width="stretch", key="rk_dist")
        return clicked
    chart_col, movers_col = st.columns([3, 2])
    chart_col.plotly_chart(view.distribution_chart(rank), width="stretch", key="rk_dist")
    with movers_col:
        up, down = movers(rank)
        st.markdown(f"**Tăng hạng nhiều nhất** so với {period_title(rank.previous)}")
        if up.height:
            st.dataframe(view.movers_table(up), hide_index=True, width="stretch")
        else:
            st.caption("Không có đơn vị nào tăng hạng (hoặc kỳ trước chưa xếp hạng).")
        st.markdown("**Giảm hạng nhiều nhất**")
        if down.height:
            st.dataframe(view.movers_table(down), hide_index=True, width="stretch")
        else:
            st.caption("Không có đơn vị nào giảm hạng.")
    return clicked


def unit_detail(rank: Ranking, scheme, group: str, period, scope, as_of, clicked: str | None) -> None:
    """One unit: rank, total, grade, each criterion's sentence, components chart and rank history."""
    ranked = rank.ranked
    st.subheader("Chi tiết một đơn vị")
    codes = ranked["unit_code"].to_list()
    if not codes:  # the viewer's own units, none ranked this period
        notes = "; ".join(f"{r['unit_name']}: {unit_note(rank, r) or 'không xếp hạng'}"
                          for r in rank.units.iter_rows(named=True))
        st.info(f"Đơn vị của bạn không được xếp hạng trong {period_title(period)}" + (f" ({notes})" if notes else "")
                + ". Chọn kỳ khác để xem hạng của đơn vị.", icon=":material/info:")
        return
    names = dict(zip(rank.units["unit_code"].to_list(), rank.units["unit_name"].to_list()))
    if clicked and clicked in codes and clicked != st.session_state.get("_rk_clicked"):
        st.session_state["rk_unit"] = clicked
    st.session_state["_rk_clicked"] = clicked
    if st.session_state.get("rk_unit") not in codes:
        st.session_state["rk_unit"] = codes[0]
    group_size = rank.summary.ranked
    unit_code = st.selectbox("Đơn vị", codes, key="rk_unit",
                             format_func=lambda c: f"{names[c]} (hạng {rank.unit(c)['rank']}/{group_size})")
    unit = rank.unit(unit_code)
    _, past = cached(ranking_with_history, scope, scheme, period, group, as_of)  # cached by the page
    streak = view.streak_text(past, unit_code, period)
    cards = st.columns(4)
    change = unit["rank_change"]
    cards[0].metric("Hạng", f"{unit['rank']}/{fmt.number(group_size)}",
                    delta=None if change is None else ("giữ hạng" if change == 0 else f"{change:+d} hạng"),
                    delta_color="off" if not change else "normal",
                    delta_arrow="auto" if change else "off",
                    help=f"Trong {fmt.number(group_size)} đơn vị được xếp hạng của nhóm «{rank.group_label}»; "
                         f"thay đổi so với {period_title(rank.previous)}.")
    cards[1].metric("Tổng điểm", points_text(unit["total"]),
                    help=("Quy đổi từ " + points_text(unit["raw_points"]) + "/" + points_text(unit["available_max"])
                          + " điểm của các tiêu chí có dữ liệu") if unit["rescaled"] else None)
    cards[2].metric("Xếp loại", unit["grade"] or "—")
    cards[3].metric(f"Hạng {period_title(rank.previous)}", str(unit["prev_rank"]) if unit["prev_rank"] else "—",
                    help="«—»: kỳ trước đơn vị chưa được xếp hạng (không có số liệu).")
    st.markdown(view.standing_text(rank, unit))
    if streak:
        st.success(f"{names[unit_code]}: {streak.lower()}.", icon=":material/emoji_events:")
    components = rank.components(unit_code)
    detail, chart = st.columns([1, 1])
    with detail:
        st.markdown("**Cách tính điểm từng tiêu chí**")
        st.markdown("\n".join(f"- {line}" for line in view.sentence_lines(components)))
        if unit["rescaled"]:
            st.caption(f"Tổng điểm = {points_text(unit['raw_points'])} × {points_text(scheme.total)} / "
                       f"{points_text(unit['available_max'])} = {points_text(unit['total'])} (quy đổi vì có tiêu chí "
                       "không có dữ liệu).")
    chart.plotly_chart(view.components_chart(components, names[unit_code]), width="stretch", key="rk_components")
    if past.height:
        hist_col, first_col = st.columns([3, 2])
        hist_col.plotly_chart(view.history_chart(past, unit_code, names[unit_code]), width="stretch",
                              key="rk_history")
        with first_col:
            if rank.peers_named:
                st.markdown("**Đơn vị hạng nhất các kỳ**")
                st.dataframe(numbers(view.first_places(past), decimals={"Tổng điểm": 2}), hide_index=True,
                             width="stretch", row_height=WRAP_ROW_HEIGHT, column_config={
                                 "Kỳ": st.column_config.TextColumn(
                                     width=150, help="«(từ …)»: kỳ bắt đầu trước ngày có dữ liệu đầu tiên"),
                                 "Hạng nhất": st.column_config.TextColumn(width=140),
                                 "Tổng điểm": st.column_config.NumberColumn(width=70)})
            else:
                st.markdown(f"**{names[unit_code]} qua các kỳ**")
                st.dataframe(numbers(view.own_history(past, unit_code),
                                     decimals={"Tổng điểm": 2, "Trung vị nhóm": 2, "Cao nhất nhóm": 2}),
                             hide_index=True, width="stretch", placeholder="—", row_height=WRAP_ROW_HEIGHT,
                             column_config={
                                 "Kỳ": st.column_config.TextColumn(width=140),
                                 "Hạng": st.column_config.NumberColumn(format="%d", width=50),
                                 "Trong số": st.column_config.NumberColumn(
                                     format="%d", width=65, help="Số đơn vị được xếp hạng của nhóm trong kỳ")})


def scheme_panel(scheme, rank: Ranking, expanded: bool) -> None:
    """The scheme: criteria, points, bands and rules."""
    with st.expander("Bộ tiêu chí: " + scheme.name, expanded=expanded):
        if scheme.description:
            st.markdown(scheme.description)
        st.html(view.scheme_html(scheme))
        st.markdown("\n".join(f"- {line}" for line in view.scheme_rules(scheme)))
        st.caption("Số «Không hài lòng» lấy từ " + ("dữ liệu đánh giá (bảng ratings: tệp đánh giá và cột đánh giá của "
                                                     "tệp hồ sơ)" if rank.rating_source == "ratings"
                                                     else "cột đánh giá của tệp hồ sơ") + "."
                   + admin_only(f" Sửa bộ tiêu chí trong tệp {scheme.code}.toml: bộ tiêu chí riêng của tỉnh đặt trong "
                                "thư mục schemes/ của thư mục thiết lập."))


def appraisal_import(scheme, group: str, period, scope, expanded: bool) -> None:
    """Template download and import of appraised scores (only for roles that may load data)."""
    if not (scheme.appraised and may(current_viewer(), "load")):
        return
    report_key = (scheme.code, period_key(period))
    report = st.session_state.get("_rk_report")
    report = report[1] if report and report[0] == report_key else None
    with st.expander("Nhập điểm thẩm định", expanded=report is not None or expanded):
        members = cached(group_units, scope, GROUPS[group][1])
        st.markdown(f"Bảng điểm của kỳ **{period_title(period)}** (mã kỳ `{period_key(period)}`): một dòng cho mỗi "
                    f"đơn vị, một cột cho mỗi tiêu chí thẩm định ({len(scheme.appraised)} tiêu chí). Ô để trống là "
                    "chưa chấm; điểm vượt điểm tối đa, điểm âm, chữ, hoặc đơn vị không có trong danh mục bị loại và "
                    "được nêu tên.")
        download("Tải mẫu nhập điểm (.xlsx)",
                 lambda: appraisal_template_xlsx(scheme, period_key(period), period_title(period), members),
                 f"mau_diem_tham_dinh_{scheme.code}_{period_key(period)}.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="rk_template",
                 icon=":material/download:")
        upload = st.file_uploader("Bảng điểm đã chấm (.xlsx)", type=["xlsx"], key="rk_upload")
        if upload is not None and st.button("Nhập điểm", key="rk_import", type="primary"):
            try:
                outcome = import_appraisal(upload.getvalue(), database_file(), scheme, period_key(period),
                                           file_name=upload.name, loaded_by=current_viewer().username)
                audit("load_file", file=upload.name, kind="appraisal", scheme=scheme.code,
                      period=period_key(period), status="loaded")
            except EtlError as exc:
                outcome = str(exc)
            except Exception as exc:  # the database refused the write: say so, nothing was published
                outcome = (f"Không nhập được tệp «{upload.name}» ({type(exc).__name__}: {exc}). Cơ sở dữ liệu không "
                           "thay đổi. Báo cho quản trị dữ liệu kèm tệp này.")
            st.session_state["_rk_report"] = (report_key, outcome)
            st.rerun()
        if isinstance(report, str):
            st.error(report, icon=":material/warning:")
        elif report is not None:
            (st.success if not report.rejects else st.warning)(report.summary())
            for warning in report.warnings:
                st.caption(warning)
            if report.rejects:
                st.dataframe(pl.DataFrame({"Dòng": [r.row for r in report.rejects],
                                           "Đơn vị": [r.unit for r in report.rejects],
                                           "Tiêu chí": [r.criterion for r in report.rejects],
                                           "Giá trị": [r.value for r in report.rejects],
                                           "Lý do": [r.message for r in report.rejects]}),
                             hide_index=True, width="stretch")
