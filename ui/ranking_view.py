"""UI of the Xếp hạng thi đua page: pickers, ranking table, charts and the scheme, in Vietnamese;
shapes what scoring.rank returned, never counts or scores."""
from __future__ import annotations

from datetime import date
from html import escape

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from queries.periods import Period, period_containing
from reports.ranking import unit_note
from scoring.rank import (
    HISTORY_STEPS,
    Ranking,
    first_place_streak,
    period_title,
    points_text,
)
from scoring.scheme import GROUPS, MISSING, SOURCES, Scheme
from ui.charts import COLORS, base_layout, count_axis
from ui.tables import PLACEHOLDER, WRAP_ROW_HEIGHT, numbers

KINDS = {"year": "Năm", "quarter": "Quý", "custom": "Tùy chọn"}
BAND_COLORS = ("#1a7f37", "#2e9d5b", "#f0b429", "#e07b39", "#c8372d", "#8a8f98")
GOLD = "#d4a017"
_PERIOD_WORDS = {"year": "năm", "quarter": "quý", "month": "tháng", "custom": "kỳ"}


# --- pickers -----------------------------------------------------------------------------------------


def period_picker(today: date) -> Period:
    """Quarter, year or custom range; the year and the quarter still running are offered, marked."""
    kind = st.segmented_control("Loại kỳ", list(KINDS), format_func=KINDS.get, key="rk_kind",
                                default="year") or "year"
    if kind == "custom":
        if not isinstance(st.session_state.get("rk_range"), (tuple, list)):
            year = period_containing("year", today)
            st.session_state["rk_range"] = (year.start, min(year.end, today))
        picked = st.date_input("Từ ngày – đến ngày", key="rk_range", format="DD/MM/YYYY")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            return Period("custom", picked[0], picked[1])
        st.info("Chọn cả ngày bắt đầu và ngày kết thúc của kỳ.", icon=":material/info:")
        st.stop()
    current = period_containing(kind, today)
    options = [current]
    for _ in range(HISTORY_STEPS[kind] - 1):
        options.append(options[-1].previous())
    by_start = {p.start.isoformat(): p for p in options}
    # A new kind starts on its current period (a year's start is also a quarter's: keep them apart).
    if st.session_state.get("rk_period") not in by_start or st.session_state.get("_rk_kind_seen") != kind:
        st.session_state["rk_period"] = current.start.isoformat()
    st.session_state["_rk_kind_seen"] = kind
    chosen = st.selectbox("Kỳ đánh giá", list(by_start), key="rk_period",
                          format_func=lambda s: _period_option(by_start[s], today))
    return by_start[chosen]


def _period_option(period: Period, today: date) -> str:
    label = period_title(period)
    return label + (f" (đang diễn ra, số liệu đến {fmt.day(today)})" if period.end >= today else "")


def group_picker(scheme: Scheme) -> str:
    options = [g for g in GROUPS if g in scheme.groups]
    if st.session_state.get("rk_group") not in options:
        st.session_state["rk_group"] = options[0]
    return st.selectbox("Nhóm đơn vị", options, format_func=lambda g: GROUPS[g][0], key="rk_group")


# --- summary and table -------------------------------------------------------------------------------


def summary_cards(rank: Ranking) -> None:
    """The group's figures (the whole group, whatever the viewer may read by name)."""
    group = rank.summary
    cols = st.columns(4)
    cols[0].metric("Đơn vị được xếp hạng", fmt.number(group.ranked),
                   help=f"Trong {fmt.number(group.units)} đơn vị của nhóm «{rank.group_label}».")
    top = rank.ranked.filter(pl.col("rank") == 1)
    cols[1].metric("Điểm cao nhất", points_text(group.best),
                   help=", ".join(top["unit_name"].to_list()) if rank.peers_named and top.height else
                   "Điểm của đơn vị hạng nhất nhóm.")
    cols[2].metric("Điểm trung vị", fmt.number(group.median, 2) if group.median is not None else "—",
                   help="Điểm của đơn vị đứng giữa các đơn vị được xếp hạng.")
    best_band = rank.scheme.bands[0].name
    cols[3].metric(f"Đạt loại «{best_band}»", fmt.number(rank.grades.get(best_band, 0)))


def standing_text(rank: Ranking, unit: dict) -> str:
    """'Phường Hải Châu đứng thứ 13/93 trong nhóm «Cấp xã …»: 78,5 điểm; trung vị nhóm 74,2, cao nhất 91,3.'"""
    group = rank.summary
    gap = "" if unit["rank"] == 1 else f" (kém {points_text(round(group.best - unit['total'], 2))} điểm)"
    return (f"**{unit['unit_name']}** đứng thứ **{unit['rank']}/{fmt.number(group.ranked)}** trong nhóm "
            f"«{rank.group_label}»: {points_text(unit['total'])} điểm; trung vị nhóm "
            f"{fmt.number(group.median, 2)}, cao nhất nhóm {points_text(group.best)}{gap}.")


AREA_HELP = "«—»: không có dữ liệu (xem cột Lưu ý)"


def area_header(area) -> str:
    return f"{area.label} ({points_text(area.max_points)})"


def ranking_table(rank: Ranking, key: str) -> str | None:
    """The ranking (the rows the viewer may read); returns the unit code of a row the user clicked.
    Ranks and points stay numbers (a header click sorts them as numbers), shown 90,25."""
    areas = rank.scheme.areas
    shown = rank.units.select(
        pl.col("rank").alias("Hạng"),
        pl.col("change_text").fill_null("").alias("Thay đổi"),
        (pl.col("unit_name") + pl.when(pl.col("small").list.len() > 0).then(pl.lit(" ⚑")).otherwise(pl.lit("")))
        .alias("Đơn vị"),
        pl.col("total").alias("Tổng điểm"),
        pl.col("grade").fill_null("").alias("Xếp loại"),
        *(pl.col(f"area_{a.code}").alias(area_header(a)) for a in areas),
        pl.struct(rank.units.columns).map_elements(lambda r: unit_note(rank, r), return_dtype=pl.String)
        .alias("Lưu ý"),
    )
    decimals = {"Tổng điểm": 2, **{area_header(a): 2 for a in areas}}
    event = st.dataframe(
        numbers(shown, decimals=decimals), hide_index=True, width="stretch",
        height=min(38 + WRAP_ROW_HEIGHT * shown.height, 560), key=key, row_height=WRAP_ROW_HEIGHT,
        on_select="rerun", selection_mode="single-row", placeholder=PLACEHOLDER,
        column_config={
            "Hạng": st.column_config.NumberColumn(width=60, format="%d",
                                                  help="«—»: không xếp hạng (xem cột Lưu ý)"),
            "Thay đổi": st.column_config.TextColumn(width=70, help="So với kỳ trước: ▲ lên hạng, ▼ xuống hạng, "
                                                    "«mới»: kỳ trước chưa xếp hạng"),
            "Đơn vị": st.column_config.TextColumn(width=190, help="⚑ đơn vị nhỏ: ít hồ sơ ở một số tiêu chí"),
            **{area_header(a): st.column_config.NumberColumn(width=105, help=f"{a.name}. {AREA_HELP}")
               for a in areas},
            "Tổng điểm": st.column_config.NumberColumn(width=85, help="Tổng điểm (quy đổi về thang điểm của bộ "
                                                       "tiêu chí khi có tiêu chí không có dữ liệu)"),
            "Xếp loại": st.column_config.TextColumn(width=85),
            "Lưu ý": st.column_config.TextColumn(width=360),
        },
    )
    picked = event.selection.rows if event is not None else []
    codes = rank.units["unit_code"].to_list()
    return codes[picked[0]] if picked else None


# --- charts ------------------------------------------------------------------------------------------


def distribution_chart(rank: Ranking, mine: list[tuple[str, float]] = ()) -> go.Figure:
    """How many ranked units of the group fall in each 2-point bin of the total (scoring's anonymous
    distribution), with the grade bands behind; `mine`: (name, total) of the viewer's units to mark."""
    dist = rank.summary.distribution
    scheme = rank.scheme
    low = dist["bin_low"][0] if dist.height else 0.0
    fig = go.Figure()
    for i, band in enumerate(scheme.bands):
        start, end = max(band.low, low), band.high
        if end <= low:
            continue
        fig.add_vrect(x0=start, x1=end, fillcolor=BAND_COLORS[i % len(BAND_COLORS)], opacity=0.09, line_width=0,
                      layer="below")
        fig.add_annotation(x=(start + end) / 2, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"<b>{escape(band.name)}</b><br>{points_text(band.low)}"
                                + (f"–{points_text(band.high)}" if band.high < scheme.total else "+"),
                           font={"size": 11, "color": BAND_COLORS[i % len(BAND_COLORS)]})
        if band.low > low:
            fig.add_vline(x=band.low, line_dash="dot", line_color="#8a8f98", line_width=1)
    lows, highs, counts = dist["bin_low"].to_list(), dist["bin_high"].to_list(), dist["units"].to_list()
    fig.add_bar(x=[(a + b) / 2 for a, b in zip(lows, highs)], y=counts, width=[b - a for a, b in zip(lows, highs)],
                marker_color=COLORS["received"], marker_line={"color": "white", "width": 1}, name="Số đơn vị",
                customdata=[f"{points_text(a)}–{points_text(b)}" for a, b in zip(lows, highs)],
                hovertemplate="%{customdata} điểm: %{y} đơn vị<extra></extra>")
    for name, total in mine:
        fig.add_vline(x=total, line_color=COLORS["late"], line_width=2)
        fig.add_annotation(x=total, y=0.92, yref="paper", text=f"{escape(name)}: {points_text(total)}",
                           showarrow=False, xanchor="right", font={"size": 11, "color": COLORS["late"]},
                           bgcolor="rgba(255,255,255,0.8)")
    base_layout(fig, "Phân bố tổng điểm")
    fig.update_layout(height=460, showlegend=False, margin={"t": 95}, hovermode="closest", bargap=0)
    fig.update_xaxes(range=[low, scheme.total], title="Tổng điểm", dtick=5)
    count_axis(fig, max(counts, default=0), title="Số đơn vị")
    return fig


def components_chart(components: pl.DataFrame, unit_name: str) -> go.Figure:
    """The unit's points per criterion against the group's median and best (max as the track)."""
    data = components.with_columns(label=pl.format("{} ({})", pl.col("criterion_name"),
                                                   pl.col("max_points").map_elements(points_text,
                                                                                     return_dtype=pl.String)))
    labels = data["label"].to_list()
    fig = go.Figure()
    fig.add_bar(y=labels, x=data["max_points"].to_list(), orientation="h", marker_color="#e9edf2", name="Điểm tối đa",
                hoverinfo="skip", width=0.7, showlegend=False)
    points = [p if s not in ("no_data", "not_appraised", "small_excluded") else None
              for p, s in zip(data["points"].to_list(), data["status"].to_list())]
    texts = [points_text(p) if p is not None else "không có dữ liệu" for p in points]
    fig.add_bar(y=labels, x=[p or 0 for p in points], orientation="h", marker_color=COLORS["received"],
                name="Đơn vị", text=texts, width=0.45, textposition="none",
                hovertemplate="%{y}: %{text} điểm<extra></extra>")
    fig.add_scatter(y=labels, x=data["median"].to_list(), mode="markers", name="Trung vị nhóm",
                    marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#444"}},
                    hovertemplate="Trung vị nhóm: %{x:.2f}<extra></extra>")
    fig.add_scatter(y=labels, x=data["best"].to_list(), mode="markers", name="Cao nhất nhóm",
                    marker={"symbol": "diamond", "size": 11, "color": COLORS["resolved"]},
                    hovertemplate="Cao nhất nhóm: %{x:.2f}<extra></extra>")
    missing = [label for label, p in zip(labels, points) if p is None]
    for label in missing:
        fig.add_annotation(y=label, x=0, xanchor="left", text="không có dữ liệu", showarrow=False,
                           font={"size": 11, "color": COLORS["muted"]})
    base_layout(fig, f"Điểm từng tiêu chí của {unit_name}")
    fig.update_layout(barmode="overlay", height=max(300, 130 + 40 * len(labels)), hovermode="closest",
                      title={"subtitle": {"text": "so với trung vị (vạch đen) và đơn vị cao nhất (hình thoi) của nhóm",
                                          "font": {"size": 12, "color": COLORS["muted"]}}},
                      margin={"t": 80}, showlegend=False)  # the subtitle says what the marks are
    fig.update_yaxes(autorange="reversed", gridcolor="white")
    fig.update_xaxes(title=None, tickformat=",.0f", showgrid=True, gridcolor="#e6e8eb",
                     range=[0, max(data["max_points"].to_list()) * 1.05])
    return fig


def history_chart(history: pl.DataFrame, unit_code: str, unit_name: str) -> go.Figure:
    """Rank over the periods (1 on top, the axis down to the largest group any period ranked); first
    places drawn as gold stars."""
    group_size = int(history["group_ranked"].max() or 1)
    mine = history.filter(pl.col("unit_code") == unit_code).sort("period_start")
    labels, ranks = mine["period_label"].to_list(), mine["rank"].to_list()
    fig = go.Figure()
    fig.add_scatter(x=labels, y=ranks, mode="lines+markers+text", name=unit_name,
                    line={"color": COLORS["received"], "width": 2},
                    marker={"size": [18 if r == 1 else 9 for r in ranks],
                            "symbol": ["star" if r == 1 else "circle" for r in ranks],
                            "color": [GOLD if r == 1 else COLORS["received"] for r in ranks]},
                    text=[f"Hạng {r}" if r is not None else "" for r in ranks], textposition="top center",
                    customdata=list(zip([points_text(t) for t in mine["total"].to_list()],
                                        [fmt.number(n) for n in mine["group_ranked"].to_list()])),
                    hovertemplate="%{x}: hạng %{y}/%{customdata[1]}, %{customdata[0]} điểm<extra></extra>")
    base_layout(fig, f"Thứ hạng của {unit_name} qua các kỳ")
    fig.update_layout(height=330, showlegend=False, hovermode="closest", margin={"t": 60})
    step = max(1, round(group_size / 6 / 5) * 5) if group_size > 10 else 1
    ticks = [1, *range(step, group_size + 1, step)] if step > 1 else list(range(1, group_size + 1))
    fig.update_yaxes(autorange=False, range=[group_size + 0.5, 1 - max(1.0, group_size * 0.12)],
                     title="Hạng (1 ở trên cùng)", tickvals=ticks, tickformat=",d")
    fig.update_xaxes(type="category")
    return fig


def streak_text(history: pl.DataFrame, unit_code: str, period: Period) -> str | None:
    """'Hạng nhất 2 năm liền' when the unit ranked first in this and the previous periods."""
    streak = first_place_streak(history, unit_code)
    word = _PERIOD_WORDS.get(period.kind, "kỳ")
    if streak >= 2:
        return f"Hạng nhất {streak} {word} liền"
    if streak == 1:
        return f"Hạng nhất {word} này"
    return None


def first_places(history: pl.DataFrame) -> pl.DataFrame:
    """Who ranked first in each period (ties listed together)."""
    top = history.filter(pl.col("rank") == 1).sort("period_start")
    return top.group_by("period_label", "period_start", maintain_order=True).agg(
        pl.col("unit_name").str.join(", ").alias("Hạng nhất"), pl.col("total").first().alias("Tổng điểm")
    ).select(pl.col("period_label").alias("Kỳ"), "Hạng nhất", "Tổng điểm")


def own_history(history: pl.DataFrame, unit_code: str) -> pl.DataFrame:
    """One unit's rank of the group and total against the group's median and best, period by period
    (what a viewer who may not see peers reads instead of the first places)."""
    return history.filter(pl.col("unit_code") == unit_code).sort("period_start").select(
        pl.col("period_label").alias("Kỳ"), pl.col("rank").alias("Hạng"), pl.col("group_ranked").alias("Trong số"),
        pl.col("total").alias("Tổng điểm"), pl.col("group_median").alias("Trung vị nhóm"),
        pl.col("group_best").alias("Cao nhất nhóm"))


def movers_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("prev_rank").alias("Kỳ trước"),
        pl.col("rank").alias("Kỳ này"),
        pl.col("change_text").alias("Thay đổi"),
    )


# --- the scheme --------------------------------------------------------------------------------------


def sentence_lines(components: pl.DataFrame) -> list[str]:
    """One line per criterion; appraised criteria not scored yet are gathered in one line."""
    waiting = components.filter(pl.col("status") == "not_appraised")
    lines = components.filter(pl.col("status") != "not_appraised")["sentence"].to_list()
    if waiting.height:
        rule = waiting["sentence"][0].rsplit(" — ", 1)[-1]
        lines.append(f"Chưa nhập điểm thẩm định ({waiting.height} tiêu chí: "
                     + "; ".join(waiting["criterion_name"].to_list()) + f") — {rule}")
    return lines


def scheme_html(scheme: Scheme) -> str:
    """Areas, criteria, maximum points, source and formula as one table (escaped text only)."""
    rows = []
    for area in scheme.areas:
        rows.append(f'<tr class="area"><td colspan="2">{escape(area.name)}</td>'
                    f'<td class="n">{points_text(area.max_points)}</td><td colspan="2"></td></tr>')
        for c in area.criteria:
            note = f"<br><i>{escape(c.note)}</i>" if c.note else ""
            missing = (f"<br><i>Không có dữ liệu: {escape(MISSING[c.missing])}</i>"
                       if c.missing and c.missing != scheme.missing else "")
            rows.append(f"<tr><td></td><td>{escape(c.name)}</td><td class='n'>{points_text(c.max_points)}</td>"
                        f"<td>{escape(SOURCES[c.source])}</td><td>{escape(c.formula())}{note}{missing}</td></tr>")
    rows.append(f'<tr class="area"><td colspan="2">Tổng cộng</td><td class="n">{points_text(scheme.total)}</td>'
                '<td colspan="2"></td></tr>')
    style = ("<style>table.sch{border-collapse:collapse;width:100%;font-size:.88rem}"
             "table.sch th,table.sch td{border:1px solid #d5d9e0;padding:4px 8px;vertical-align:top}"
             "table.sch th{background:#f1f4f8;text-align:left}table.sch td.n{text-align:right;white-space:nowrap}"
             "table.sch tr.area td{background:#f7f9fb;font-weight:600}</style>")
    head = "<tr><th></th><th>Lĩnh vực / tiêu chí</th><th>Điểm tối đa</th><th>Nguồn</th><th>Cách tính</th></tr>"
    return f'{style}<table class="sch"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def scheme_rules(scheme: Scheme) -> list[str]:
    bands = "; ".join(f"{b.name}: từ {points_text(b.low)}" + (f" đến dưới {points_text(b.high)}"
                                                              if b.high < scheme.total else " trở lên")
                      for b in scheme.bands)
    return [*scheme.settings_text(), f"Xếp loại — {bands}."]
