"""UI figures of the Tiếp nhận & giải quyết page: Plotly, Vietnamese titles, axes, hover and separators.

Builders only shape frames the query layer returned (pick rows, pivot); they never count.
"""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from core import format as fmt
from ui.charts import COLORS, count_axis, titled

RECEIVED, RESOLVED = "Tiếp nhận trong kỳ", "Đã giải quyết"
PENDING_WITHIN, PENDING_OVERDUE = "Đang giải quyết – trong hạn", "Đang giải quyết – quá hạn"
PENDING_WITHIN_COLOR = "#f0b429"  # amber: in progress, still in time
GRAIN_WORDS = {"week": "tuần", "month": "tháng"}
NAME_CHARS = 58  # longer procedure names are cut on the axis; the hover shows them whole


def counts_chart(counts: pl.DataFrame, name_col: str, title: str, subtitle: str | None = None,
                 axis_title: str = "") -> go.Figure:
    """Horizontal grouped bars per row of `counts` (biggest first, shown on top): received in the
    period, resolved in it, and in progress at its end split within deadline / overdue.

    `counts` has the Form 06 columns of the query layer plus `received`.
    """
    names = counts[name_col].to_list()
    within, overdue = counts["pending_within"].to_list(), counts["pending_overdue"].to_list()
    fig = go.Figure()
    fig.add_bar(y=names, x=counts["received"].to_list(), name=RECEIVED, orientation="h", offsetgroup="received",
                marker_color=COLORS["received"], hovertemplate="%{x:,d} hồ sơ", texttemplate="%{x:,d}",
                textposition="outside", constraintext="none", cliponaxis=False, textfont={"size": 11})
    fig.add_bar(y=names, x=counts["resolved_total"].to_list(), name=RESOLVED, orientation="h",
                offsetgroup="resolved", marker_color=COLORS["resolved"], hovertemplate="%{x:,d} hồ sơ")
    fig.add_bar(y=names, x=within, name=PENDING_WITHIN, orientation="h", offsetgroup="pending",
                marker_color=PENDING_WITHIN_COLOR, hovertemplate="%{x:,d} hồ sơ")
    # Overdue is drawn on the end of the within-deadline bar: together they are "đang giải quyết".
    fig.add_bar(y=names, x=overdue, base=within, name=PENDING_OVERDUE, orientation="h", offsetgroup="pending",
                marker_color=COLORS["late"], customdata=overdue, hovertemplate="%{customdata:,d} hồ sơ")
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05, hovermode="y unified",
                      height=max(380, 170 + 46 * len(names)))
    fig.update_yaxes(autorange="reversed", title=axis_title or None, gridcolor="white")
    widest = max(*(counts[c].max() or 0 for c in ("received", "resolved_total", "pending_total")), 1)
    fig.update_xaxes(title="Số hồ sơ", showgrid=True, gridcolor="#e6e8eb", range=[0, widest * 1.15])
    return count_axis(titled(fig, title, subtitle, legend_below=True), widest, "x")


def channel_chart(channels: pl.DataFrame) -> go.Figure:
    """Columns per channel: received (labelled with its share), resolved, and in progress at the
    period end (within deadline, overdue on top)."""
    names = channels["channel_name"].to_list()
    within, overdue = channels["pending_within"].to_list(), channels["pending_overdue"].to_list()
    fig = go.Figure()
    fig.add_bar(x=names, y=channels["received"].to_list(), name=RECEIVED, offsetgroup="received",
                marker_color=COLORS["received"], customdata=channels["received_share"].fill_null(0).to_list(),
                texttemplate="%{y:,d}<br>(%{customdata:.1%})", textposition="outside", cliponaxis=False,
                constraintext="none", textfont={"size": 12},
                hovertemplate="%{y:,d} hồ sơ (%{customdata:.1%})")
    fig.add_bar(x=names, y=channels["resolved_total"].to_list(), name=RESOLVED, offsetgroup="resolved",
                marker_color=COLORS["resolved"], hovertemplate="%{y:,d} hồ sơ")
    fig.add_bar(x=names, y=within, name=PENDING_WITHIN, offsetgroup="pending",
                marker_color=PENDING_WITHIN_COLOR, hovertemplate="%{y:,d} hồ sơ")
    fig.add_bar(x=names, y=overdue, base=within, name=PENDING_OVERDUE, offsetgroup="pending",
                marker_color=COLORS["late"], customdata=overdue, hovertemplate="%{customdata:,d} hồ sơ")
    fig.update_layout(barmode="group", bargap=0.2, hovermode="x unified", height=480)
    tallest = max(*(channels[c].max() or 0 for c in ("received", "resolved_total", "pending_total")), 1)
    fig.update_yaxes(title="Số hồ sơ", range=[0, tallest * 1.25])
    return count_axis(titled(fig, "Người dân nộp hồ sơ qua kênh nào?",
                             "Trong ngoặc: tỷ lệ trong số hồ sơ tiếp nhận trong kỳ", legend_below=True), tallest)


def trend_chart(series: pl.DataFrame, grain: str, period_label: str, data_end: date | None = None) -> go.Figure:
    """Received (bars, darker inside the selected period) and resolved (line) per week or month.

    Buckets that start after `data_end` (the newest received date loaded) are left out: a period
    still running would otherwise end in empty weeks that read as a collapse.
    """
    word = GRAIN_WORDS[grain]
    if data_end is not None:
        series = series.filter(pl.col("bucket_start") <= data_end)
    starts = series["bucket_start"].to_list()
    labels = series["label"].to_list()
    fig = go.Figure()
    fig.add_bar(x=starts, y=series["received"].to_list(), name="Tiếp nhận", customdata=labels,
                marker_color=[COLORS["received"] if p else "#a9c6e3" for p in series["in_period"].to_list()],
                hovertemplate="%{customdata}<br>Tiếp nhận: %{y:,d} hồ sơ<extra></extra>")
    fig.add_scatter(x=starts, y=series["resolved"].to_list(), name="Đã giải quyết", mode="lines+markers",
                    line={"color": COLORS["resolved"], "width": 2}, marker={"size": 5},
                    hovertemplate="Đã giải quyết: %{y:,d} hồ sơ<extra></extra>")
    fig.update_layout(hovermode="x unified", height=380, bargap=0.15)
    fig.update_xaxes(title=None, tickformat="%d/%m/%Y" if grain == "week" else "%m/%Y",
                     hoverformat="Tuần từ %d/%m/%Y" if grain == "week" else "Tháng %m/%Y")
    fig.update_yaxes(title="Số hồ sơ", rangemode="tozero")
    tallest = max(series["received"].max() or 0, series["resolved"].max() or 0) if series.height else 0
    subtitle = None
    if series.height:
        end = min(series["bucket_end"][-1], data_end or series["bucket_end"][-1])
        subtitle = f"{series.height} {word} gần nhất, đến {end:%d/%m/%Y}. Cột đậm: {_lower_first(period_label)}"
    return count_axis(titled(fig, f"Số hồ sơ theo {word}", subtitle), tallest)


def _lower_first(text: str) -> str:
    """'Tháng 10/2026' → 'tháng 10/2026' ('Quý IV' keeps its capitals, unlike str.lower)."""
    return text[:1].lower() + text[1:]


def heatmap_chart(cells: pl.DataFrame) -> go.Figure:
    """Units (rows, most received on top) × fields (columns, most received on the left).

    The colour follows the square root of the count, so that communes stay readable next to a
    department that receives hundreds of dossiers in one field; cells and colour bar show counts.
    """
    units = cells.select("unit_rank", "unit_name").unique().sort("unit_rank")["unit_name"].to_list()
    fields = (cells.select("field_received", "field_name").unique()
              .sort(["field_received", "field_name"], descending=[True, False])["field_name"].to_list())
    wide = pl.DataFrame({"unit_name": units}).join(
        cells.pivot(on="field_name", index="unit_name", values="received"), on="unit_name", how="left")
    counts = [[row.get(f) for f in fields] for row in wide.to_dicts()]
    top = max((c for row in counts for c in row if c), default=1)
    ticks = [t for t in (1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000) if t <= top]
    fig = go.Figure(go.Heatmap(
        z=[[c ** 0.5 if c else None for c in row] for row in counts], x=fields, y=units,
        text=[[fmt.number(c) if c else "" for c in row] for row in counts], texttemplate="%{text}",
        textfont={"size": 10}, colorscale="Blues", zmin=0, zmax=top ** 0.5, hoverongaps=False, xgap=1, ygap=1,
        colorbar={"title": {"text": "Hồ sơ"}, "thickness": 12, "tickvals": [t ** 0.5 for t in ticks],
                  "ticktext": [fmt.number(t) for t in ticks]},
        hovertemplate="%{y}<br>%{x}: %{text} hồ sơ<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", height=260 + 30 * len(units))
    fig.update_xaxes(side="top", tickangle=-45, tickfont={"size": 11}, title=None, showgrid=False)
    fig.update_yaxes(autorange="reversed", gridcolor="white", title=None)
    units_with_data = cells["units_with_data"][0] if cells.height else 0
    shown = len(units)
    subtitle = (f"{shown} đơn vị tiếp nhận nhiều nhất trong số {units_with_data} đơn vị có hồ sơ"
                if units_with_data > shown else f"{shown} đơn vị có hồ sơ")
    fig = titled(fig, "Đơn vị nào nhận nhiều hồ sơ ở lĩnh vực nào?", subtitle + "; ô trống: không có hồ sơ")
    # Column labels are long and slanted: pin the title to the top and leave them room under it.
    fig.update_layout(margin={"t": 250}, title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}})
    return fig


def procedures_chart(top: pl.DataFrame) -> go.Figure:
    """The most requested procedures, each labelled with its field; the biggest on top."""
    names = top["procedure_name"].to_list()
    fields = top["field_name"].fill_null("Chưa rõ lĩnh vực").to_list()
    codes = top["procedure_code"].fill_null("không có mã").to_list()
    ticks = [f"{_cut(n)}<br><span style='color:{COLORS['muted']};font-size:11px'>{f}</span>"
             for n, f in zip(names, fields)]
    fig = go.Figure()
    fig.add_bar(
        y=ticks, x=top["received"].to_list(), orientation="h", name="Tiếp nhận trong kỳ",
        marker_color=COLORS["received"], textposition="outside", cliponaxis=False, constraintext="none",
        customdata=list(zip(names, fields, codes, top["received_share"].to_list(), top["resolved"].to_list())),
        texttemplate="%{x:,d} (%{customdata[3]:.1%})",
        hovertemplate=("<b>%{customdata[0]}</b><br>Lĩnh vực: %{customdata[1]}<br>Mã thủ tục: %{customdata[2]}"
                       "<br>Tiếp nhận: %{x:,d} hồ sơ (%{customdata[3]:.1%})"
                       "<br>Đã giải quyết trong kỳ: %{customdata[4]:,d}<extra></extra>"),
    )
    fig.update_layout(hovermode="closest", height=140 + 48 * len(ticks), showlegend=False)
    fig.update_yaxes(autorange="reversed", gridcolor="white", title=None)
    widest = max(top["received"].max() or 0, 1)
    fig.update_xaxes(title="Số hồ sơ tiếp nhận", showgrid=True, gridcolor="#e6e8eb", range=[0, widest * 1.18])
    return count_axis(titled(fig, "Thủ tục nào có nhiều hồ sơ nhất?",
                  f"{len(ticks)} thủ tục tiếp nhận nhiều hồ sơ nhất; tỷ lệ trong ngoặc: phần của thủ tục "
                  "trong số hồ sơ tiếp nhận trong kỳ"), widest, "x")


def _cut(text: str, limit: int = NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"

