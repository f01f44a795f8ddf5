"""UI pieces of the briefing page: KPI cards, the 12-period trend, the attention table."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from queries.briefing import Kpis
from queries.periods import Period
from ui.charts import COLORS, base_layout, count_axis
from ui.filters import View, clicked_row, go_to
from ui.narrative import count_delta, previous_word, rate_delta
from ui.tables import PLACEHOLDER, count_column, numbers

LATE_PAGE = "pages/late.py"  # «Xem →»: the unit's late dossiers
ATTENTION_CLICK = "br_attention_open"


def kpi_cards(now: Kpis, before: Kpis, year_ago: Kpis, overdue_now: int, previous: Period) -> None:
    """Seven cards; colours follow meaning: more resolved is green, more late is red."""
    versus = f"so với {previous_word(previous) if previous.kind != 'custom' else 'kỳ trước'}"
    last_year = year_ago.received > 0

    def note(text: str, value: str | None = None) -> str:
        return text + (f" Cùng kỳ năm trước: {value}." if last_year and value is not None else "")

    row1, row2 = st.columns(4), st.columns(4)
    row1[0].metric("Tiếp nhận", fmt.number(now.received), count_delta(now.received, before.received),
                   delta_color="off", help=note(f"Hồ sơ tiếp nhận trong kỳ; thay đổi {versus}.",
                                                fmt.number(year_ago.received)))
    row1[1].metric("Đã giải quyết", fmt.number(now.resolved), count_delta(now.resolved, before.resolved),
                   help=note("Hồ sơ có kết quả trong kỳ (trước hạn, đúng hạn và trễ hạn).",
                             fmt.number(year_ago.resolved)))
    row1[2].metric("Tỷ lệ đúng hạn", fmt.percent(now.on_time_rate), rate_delta(now.on_time_rate, before.on_time_rate),
                   help=note("(Trước hạn + đúng hạn) / số đã giải quyết trong kỳ.", fmt.percent(year_ago.on_time_rate)))
    row1[3].metric("Giải quyết trễ hạn", fmt.number(now.resolved_late),
                   count_delta(now.resolved_late, before.resolved_late), delta_color="inverse",
                   help=note("Hồ sơ có kết quả sau ngày hẹn trả, trong kỳ.", fmt.number(year_ago.resolved_late)))
    row2[0].metric("Đang giải quyết quá hạn", fmt.number(now.pending_overdue),
                   count_delta(now.pending_overdue, before.pending_overdue), delta_color="inverse",
                   help=f"Hồ sơ chưa có kết quả và đã quá hạn vào cuối kỳ. Tính đến hôm nay: "
                        f"{fmt.number(overdue_now)} hồ sơ.")
    row2[1].metric("Nộp trực tuyến", fmt.percent(now.online_share), rate_delta(now.online_share, before.online_share),
                   help=note("Tỷ lệ hồ sơ nộp trực tuyến trên số tiếp nhận trong kỳ.", fmt.percent(year_ago.online_share)))
    row2[2].metric("Mức độ hài lòng", fmt.percent(now.satisfaction_rate),
                   rate_delta(now.satisfaction_rate, before.satisfaction_rate),
                   help=f"Tỷ lệ câu trả lời «hài lòng» hoặc «rất hài lòng» (4–5 điểm) trong "
                        f"{fmt.number(now.survey_responses)} phiếu khảo sát của kỳ.")
    row2[3].metric("Quá hạn tính đến hôm nay", fmt.number(overdue_now),
                   help="Hồ sơ chưa có kết quả mà ngày hẹn trả đã qua, tính đến hôm nay (không phụ thuộc kỳ).")


def trend_chart(trend: pl.DataFrame, period: Period) -> go.Figure:
    labels = [f"{s:%d/%m/%y}" for s in trend["period_start"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=labels, y=trend["received"].to_list(), name="Tiếp nhận", marker_color=COLORS["received"],
                hovertext=trend["label"].to_list(), hovertemplate="%{hovertext}: %{y:,d} hồ sơ<extra></extra>")
    fig.add_bar(x=labels, y=trend["resolved"].to_list(), name="Đã giải quyết", marker_color=COLORS["resolved"],
                hovertemplate="%{y:,d} hồ sơ<extra>Đã giải quyết</extra>")
    rate = [None if r is None else r * 100 for r in trend["on_time_rate"].to_list()]
    fig.add_scatter(x=labels, y=rate, name="Tỷ lệ đúng hạn (%)", yaxis="y2", mode="lines+markers",
                    line={"color": COLORS["late"], "width": 2}, hovertemplate="%{y:.1f}%<extra>Đúng hạn</extra>")
    fig.update_layout(barmode="group", hovermode="closest",
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "dtick": 20,
                              "ticksuffix": "%", "showgrid": False})
    unit = {"week": "tuần", "month": "tháng", "quarter": "quý", "year": "năm"}.get(period.kind, "kỳ")
    fig = base_layout(fig, f"Tiếp nhận, giải quyết và tỷ lệ đúng hạn trong 12 {unit} gần nhất")
    count_axis(fig, max([*trend["received"].to_list(), *trend["resolved"].to_list(), 0]))
    fig.update_layout(legend={"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left", "yanchor": "top"})
    return fig


def attention_table(attention: pl.DataFrame, view: View) -> None:
    """Units needing attention; «Xem →» opens the unit's late dossiers in this tab (same session)."""
    if attention.height == 0:
        st.success("Không có đơn vị nào có hồ sơ quá hạn hoặc trễ hạn trong kỳ.", icon="✅")
        return
    shown = attention.select(
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("overdue_now").alias("Quá hạn hiện nay"),
        pl.col("resolved_late").alias("Trễ hạn trong kỳ"),
        pl.col("resolved").alias("Đã giải quyết"),
        pl.col("late_rate").alias("Tỷ lệ trễ"),
        pl.col("late_without_apology").alias("Trễ không xin lỗi"),
        pl.lit("Xem →").alias("Chi tiết"),
    )
    counts = ("Quá hạn hiện nay", "Trễ hạn trong kỳ", "Đã giải quyết", "Trễ không xin lỗi")
    st.dataframe(
        numbers(shown, percents={"Tỷ lệ trễ": 1}), hide_index=True, width="stretch", placeholder=PLACEHOLDER,
        column_config={
            "Đơn vị": st.column_config.TextColumn(width="medium"),
            **{c: count_column() for c in counts},
            "Tỷ lệ trễ": st.column_config.NumberColumn(help="Trễ hạn trong kỳ / đã giải quyết trong kỳ."),
            "Chi tiết": st.column_config.ButtonColumn("Chi tiết", type="tertiary", key=ATTENTION_CLICK,
                                                      help="Mở trang Trễ hạn của đơn vị, cùng kỳ."),
            "Trễ không xin lỗi": count_column(
                help="Hồ sơ trễ hạn không có phiếu xin lỗi và hẹn lại ngày trả: lỗi kỷ luật hành chính."),
        },
    )
    row = clicked_row(ATTENTION_CLICK)
    if row is not None:
        go_to(LATE_PAGE, view, dv=attention["unit_code"][row])
