"""UI charts: Plotly figures with Vietnamese titles, axes and number formats."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from core import format as fmt
from queries.standing import GroupSummary

COLORS = {"received": "#1f6fb2", "resolved": "#2e9d5b", "late": "#c8372d", "muted": "#8a8f98"}
# Under the plot, so that it never runs into a title and its subtitle.
BOTTOM_LEGEND = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"}


def base_layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        separators=",.",  # decimal comma, thousands dot (Vietnamese)
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        hovermode="x unified",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#e6e8eb", tickformat=",d")
    return fig


def whole_step(top: float, ticks: int = 8) -> int:
    """A tick step for a count axis running from 0 to `top`: 1, 2 or 5 times a power of ten, never
    below 1, with at most `ticks` intervals. Plotly's own choice on a short axis is 0,5 (shown as
    '0 1 1 2 2' under a whole-number format, or '0,5 1,5' without it): a count has no halves."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if top / (power * factor) <= ticks:
                return power * factor
        power *= 10


def count_axis(fig: go.Figure, top: float, axis: str = "y", **more) -> go.Figure:
    """Whole-number ticks (Vietnamese thousands separator) on the count axis `axis` ('x', 'y'),
    whose largest value drawn is `top` (the bars' maximum, or the range's upper end)."""
    settings = {"tickformat": ",d", "tick0": 0, "dtick": whole_step(max(top, 1)), "rangemode": "tozero", **more}
    # The first axis only (layout.xaxis / layout.yaxis): a rate on a second axis keeps its own ticks.
    (fig.layout.xaxis if axis == "x" else fig.layout.yaxis).update(**settings)
    return fig


def titled(fig: go.Figure, title: str, subtitle: str | None = None, legend_below: bool = False) -> go.Figure:
    """base_layout, plus a grey subtitle under the title and, if asked, the legend under the plot."""
    base_layout(fig, title)
    if subtitle:
        fig.update_layout(title={"subtitle": {"text": subtitle, "font": {"size": 12, "color": COLORS["muted"]}}},
                          margin={"t": 78})
    if legend_below:
        fig.update_layout(legend=BOTTOM_LEGEND, margin={"b": 70})
    return fig


def weekly_volume_chart(weekly: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    weeks = weekly["week_start"].to_list()
    fig.add_bar(x=weeks, y=weekly["received"].to_list(), name="Tiếp nhận", marker_color=COLORS["received"],
                hovertemplate="%{y:,d} hồ sơ")
    fig.add_scatter(x=weeks, y=weekly["resolved"].to_list(), name="Đã giải quyết", mode="lines",
                    line={"color": COLORS["resolved"], "width": 2}, hovertemplate="%{y:,d} hồ sơ")
    fig.update_xaxes(tickformat="%d/%m/%Y", hoverformat="Tuần từ %d/%m/%Y")
    count_axis(fig, max([*weekly["received"].to_list(), *weekly["resolved"].to_list(), 1]), "y")
    return base_layout(fig, "Số hồ sơ tiếp nhận và giải quyết mỗi tuần")


def rate_distribution_chart(group: GroupSummary, marks: list[tuple[str, float]], title: str, subtitle: str,
                            color: str) -> go.Figure:
    """How many ranked units of the group fall in each bin of a rate (no names), with the viewer's
    units (name, rate in percent) marked."""
    dist = group.distribution
    lows, highs, counts = dist["bin_low"].to_list(), dist["bin_high"].to_list(), dist["units"].to_list()
    fig = go.Figure()
    fig.add_bar(x=[(a + b) / 2 for a, b in zip(lows, highs)], y=counts, width=[b - a for a, b in zip(lows, highs)],
                marker_color=color, marker_line={"color": "white", "width": 1}, opacity=0.75,
                customdata=[f"{fmt.number(a)}–{fmt.number(b)}%" for a, b in zip(lows, highs)],
                hovertemplate="%{customdata}: %{y} đơn vị<extra></extra>")
    for i, (name, rate) in enumerate(marks):
        fig.add_vline(x=rate, line_color="#222", line_width=2)
        fig.add_annotation(x=rate, y=0.97 - 0.1 * i, yref="paper", yanchor="top", xanchor="left", xshift=4,
                           showarrow=False, text=f"{name}: {fmt.number(rate, 1)}%", font={"size": 11},
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(height=300, showlegend=False, hovermode="closest", bargap=0)
    fig.update_xaxes(title="%", ticksuffix="%", range=[lows[0] if lows else 0, highs[-1] if highs else 100])
    count_axis(fig, max(counts, default=0), title="Số đơn vị")
    return titled(fig, title, subtitle)
