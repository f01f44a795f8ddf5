"""UI charts: Plotly figures with Vietnamese titles, axes and number formats."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

COLORS = {"received": "#1f6fb2", "resolved": "#2e9d5b", "late": "#c8372d", "muted": "#8a8f98"}


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


def weekly_volume_chart(weekly: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    weeks = weekly["week_start"].to_list()
    fig.add_bar(x=weeks, y=weekly["received"].to_list(), name="Tiếp nhận", marker_color=COLORS["received"],
                hovertemplate="%{y:,d} hồ sơ")
    fig.add_scatter(x=weeks, y=weekly["resolved"].to_list(), name="Đã giải quyết", mode="lines",
                    line={"color": COLORS["resolved"], "width": 2}, hovertemplate="%{y:,d} hồ sơ")
    fig.update_xaxes(tickformat="%d/%m/%Y", hoverformat="Tuần từ %d/%m/%Y")
    return base_layout(fig, "Số hồ sơ tiếp nhận và giải quyết mỗi tuần")
