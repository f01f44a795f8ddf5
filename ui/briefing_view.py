"""UI pieces of the briefing page: KPI cards (against the previous period, the same period a year
ago on screen under each card), the actions and cautions, the trend, the attention table."""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from core.settings import settings
from queries.briefing import Kpis
from queries.late import LateSummary
from queries.periods import Period
from ui.charts import COLORS, count_axis, titled
from ui.filters import View, clicked_row, go_to
from ui.narrative import (
    LAST_YEAR,
    change_text,
    count_delta,
    min_base,
    n_note,
    points,
    previous_word,
    rate_delta,
    reliable,
)
from ui.tables import PLACEHOLDER, count_column, numbers

# Pixel widths: on a phone (390 px wide, 356 px for the table) the unit and the three columns to act
# on fit the screen whole; the other columns follow on a swipe.
UNIT_PX, OVERDUE_PX, NUMBER_PX = 130, 58, 83
LATE_PAGE = "pages/late.py"  # «Xem →»: the unit's late dossiers, in this tab (same session)
ATTENTION_CLICK = "br_attention_open"
UNIT_WORDS = {"week": "tuần", "month": "tháng", "quarter": "quý", "year": "năm", "report_month": "kỳ tháng",
              "report_quarter": "kỳ quý", "report_year": "kỳ năm"}


def kpi_cards(now: Kpis, before: Kpis, year_ago: Kpis, late: LateSummary, previous: Period) -> None:
    """Eight cards, each with the change against the previous period (the arrow) and, under it, the
    same period a year ago. Colours follow meaning: more resolved is green, more late is red; a
    change resting on too few dossiers or respondents is grey and carries its n."""
    versus = f"so với {previous_word(previous) if previous.kind != 'custom' else 'kỳ trước'}"
    base, responses = min_base(), settings().satisfaction.min_responses
    has_year = year_ago.received > 0 or year_ago.survey_responses > 0

    def year_count(current: int, old: int) -> str:
        return f"{fmt.number(old)} ({change_text(current, old)})" if has_year else "chưa có dữ liệu"

    def year_rate(current: float | None, old: float | None, n_now: int, n_old: int, minimum: int) -> str:
        if not has_year or old is None:
            return "chưa có dữ liệu"
        if current is None:
            return fmt.percent(old)
        note = n_note(n_now, n_old, minimum, "năm trước")
        return f"{fmt.percent(old)} ({points(current, old)}{'; ' + note if note else ''})"

    cards = [
        ("Tiếp nhận", fmt.number(now.received), count_delta(now.received, before.received), "off",
         f"Hồ sơ tiếp nhận trong kỳ; thay đổi {versus}.", year_count(now.received, year_ago.received)),
        ("Đã giải quyết", fmt.number(now.resolved), count_delta(now.resolved, before.resolved), "normal",
         "Hồ sơ có kết quả trong kỳ (trước hạn, đúng hạn và trễ hạn).", year_count(now.resolved, year_ago.resolved)),
        ("Tỷ lệ đúng hạn", fmt.percent(now.on_time_rate),
         rate_delta(now.on_time_rate, before.on_time_rate, now.resolved, before.resolved, base),
         "normal" if reliable(now.resolved, before.resolved, base) else "off",
         f"(Trước hạn + đúng hạn) / {fmt.number(now.resolved)} hồ sơ đã giải quyết trong kỳ.",
         year_rate(now.on_time_rate, year_ago.on_time_rate, now.resolved, year_ago.resolved, base)),
        ("Giải quyết trễ hạn", fmt.number(now.resolved_late), count_delta(now.resolved_late, before.resolved_late),
         "inverse", "Hồ sơ có kết quả sau ngày hẹn trả, trong kỳ.",
         year_count(now.resolved_late, year_ago.resolved_late)),
        ("Đang giải quyết quá hạn", fmt.number(now.pending_overdue),
         count_delta(now.pending_overdue, before.pending_overdue), "inverse",
         "Hồ sơ chưa có kết quả và đã quá hạn vào cuối kỳ.", year_count(now.pending_overdue, year_ago.pending_overdue)),
        ("Nộp trực tuyến", fmt.percent(now.online_share),
         rate_delta(now.online_share, before.online_share, now.received, before.received, base),
         "normal" if reliable(now.received, before.received, base) else "off",
         f"Hồ sơ nộp trực tuyến / {fmt.number(now.received)} hồ sơ tiếp nhận trong kỳ.",
         year_rate(now.online_share, year_ago.online_share, now.received, year_ago.received, base)),
        ("Mức độ hài lòng", fmt.percent(now.satisfaction_rate),
         rate_delta(now.satisfaction_rate, before.satisfaction_rate, now.survey_responses, before.survey_responses,
                    responses),
         "normal" if reliable(now.survey_responses, before.survey_responses, responses) else "off",
         f"Câu trả lời «hài lòng» hoặc «rất hài lòng» (4–5 điểm) trong {fmt.number(now.survey_responses)} phiếu "
         f"khảo sát của kỳ; chỉ tiêu {fmt.percent(settings().satisfaction.target)}. Dưới {fmt.number(responses)} "
         "phiếu, thay đổi ghi kèm n và chưa đủ tin cậy.",
         year_rate(now.satisfaction_rate, year_ago.satisfaction_rate, now.survey_responses,
                   year_ago.survey_responses, responses)),
        ("Quá hạn tính đến hôm nay", fmt.number(late.overdue), None, "off",
         f"Hồ sơ chưa có kết quả mà ngày hẹn trả đã qua, tính đến {fmt.day(late.as_of)} (không phụ thuộc kỳ); "
         "như trang Trễ hạn.", None),
    ]
    for row in (cards[:4], cards[4:]):
        for column, (label, value, delta, colour, help_text, year_text) in zip(st.columns(4), row):
            with column:
                st.metric(label, value, delta, delta_color=colour, help=help_text)
                if year_text is not None:
                    st.caption(f"{LAST_YEAR[:1].upper()}{LAST_YEAR[1:]}: {year_text}")
                else:
                    st.caption(f"Sắp đến hạn: {fmt.number(late.due_soon)} hồ sơ")


def actions_block(items: list[str], cautions: list[str]) -> None:
    """The actions to assign (a numbered list), then the cautions on the comparisons."""
    st.markdown("#### Việc cần chỉ đạo")
    if items:
        st.markdown("\n".join(f"{i}. {item}" for i, item in enumerate(items, 1)))
    else:
        st.success("Không có hồ sơ quá hạn, trễ hạn chưa xin lỗi hay sắp đến hạn; các chỉ tiêu đều đạt.", icon=":material/check_circle:")
    if cautions:
        st.warning("**Lưu ý khi so sánh**\n\n" + "\n".join(f"- {c}" for c in cautions), icon=":material/warning:")


def trend_chart(trend: pl.DataFrame, period: Period, data_start: date | None = None) -> go.Figure:
    """Received and resolved (bars) and the on-time rate (line, right axis) per period, labelled as
    periods ('Tuần 46 (09/11–15/11)', 'Quý 3/2026'), from the first period holding data."""
    labels = trend["short_label"].to_list()  # one line: turned upright, twelve fit a phone's width
    fig = go.Figure()
    fig.add_bar(x=labels, y=trend["received"].to_list(), name="Tiếp nhận", marker_color=COLORS["received"],
                hovertext=trend["label"].to_list(), hovertemplate="%{hovertext}: %{y:,d} hồ sơ<extra></extra>")
    fig.add_bar(x=labels, y=trend["resolved"].to_list(), name="Đã giải quyết", marker_color=COLORS["resolved"],
                hovertemplate="%{y:,d} hồ sơ<extra>Đã giải quyết</extra>")
    rate = [None if r is None else r * 100 for r in trend["on_time_rate"].to_list()]
    fig.add_scatter(x=labels, y=rate, name="Tỷ lệ đúng hạn (%)", yaxis="y2", mode="lines+markers",
                    line={"color": COLORS["late"], "width": 2}, hovertemplate="%{y:.1f}%<extra>Đúng hạn</extra>")
    fig.update_layout(barmode="group", hovermode="closest", height=420,
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "dtick": 20,
                              "ticksuffix": "%", "showgrid": False})
    fig.update_xaxes(type="category", automargin=True)
    top = max([*trend["received"].to_list(), *trend["resolved"].to_list(), 1])
    count_axis(fig, top, "y", title={"text": "Số hồ sơ"})
    unit = UNIT_WORDS.get(period.kind, "kỳ")
    subtitle = f"{trend.height} {unit} gần nhất; đường đỏ: tỷ lệ đúng hạn (trục phải)"
    partial = trend.height and data_start and trend["period_start"][0] < data_start
    if partial:
        subtitle += f"<br>{trend['short_label'][0]} chỉ có dữ liệu từ {fmt.day(data_start)}"
    fig = titled(fig, f"Tiếp nhận và giải quyết theo {unit}", subtitle, legend_below=True)
    if partial:  # a second subtitle line: room for it above the plot
        fig.update_layout(margin={"t": 96})
    return fig


def attention_table(attention: pl.DataFrame, view: View) -> None:
    """Units to act on, the key columns first (overdue now, late without apology, due soon) so that
    a phone's width shows them; the late page's counts (queries.late.units_to_act_on). Counts stay
    numbers (a header click sorts them as numbers); «Xem →» opens the unit's late dossiers in this tab."""
    if attention.height == 0:
        st.success("Không có đơn vị nào có hồ sơ quá hạn, trễ hạn hoặc sắp đến hạn.", icon=":material/check_circle:")
        return
    shown = attention.select(
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("overdue").alias("Quá hạn"),
        pl.col("without_apology").alias("Chưa xin lỗi"),
        pl.col("due_soon").alias("Sắp đến hạn"),
        pl.col("resolved_late").alias("Trễ trong kỳ"),
        pl.col("resolved").alias("Đã giải quyết"),
        pl.col("late_rate").alias("Tỷ lệ trễ"),
        pl.lit("Xem →").alias("Chi tiết"),
    )
    soon = settings().late.due_soon_working_days
    st.dataframe(
        numbers(shown, percents={"Tỷ lệ trễ": 1}), hide_index=True, width="stretch", placeholder=PLACEHOLDER,
        column_config={
            "Đơn vị": st.column_config.TextColumn(width=UNIT_PX),
            "Quá hạn": count_column(
                width=OVERDUE_PX, help="Hồ sơ chưa có kết quả mà ngày hẹn trả đã qua, tính đến hôm nay."),
            "Chưa xin lỗi": count_column(
                width=NUMBER_PX, help="Hồ sơ trễ hạn (giải quyết trễ trong kỳ hoặc đang quá hạn) không có phiếu xin "
                                      "lỗi và hẹn lại ngày trả phát hành trước ngày hẹn trả: lỗi kỷ luật hành chính."),
            "Sắp đến hạn": count_column(
                width=NUMBER_PX, help=f"Hồ sơ chưa có kết quả, hạn trả hôm nay hoặc trong {soon} ngày làm việc tới."),
            "Trễ trong kỳ": count_column(width="small", help="Hồ sơ có kết quả trong kỳ sau ngày hẹn trả."),
            "Đã giải quyết": count_column(width="small"),
            "Tỷ lệ trễ": st.column_config.NumberColumn(width="small", help="Trễ trong kỳ / đã giải quyết trong kỳ."),
            "Chi tiết": st.column_config.ButtonColumn("Chi tiết", type="tertiary", key=ATTENTION_CLICK,
                                                      help="Mở trang Trễ hạn của đơn vị, cùng kỳ."),
        },
    )
    row = clicked_row(ATTENTION_CLICK)
    if row is not None:
        go_to(LATE_PAGE, view, dv=attention["unit_code"][row])
