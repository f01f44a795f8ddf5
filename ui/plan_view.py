"""UI pieces of the reform-plan page (Kế hoạch CCHC): the headline sentence, tables and chart."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from queries.plan import STATUS_LABELS, PlanSummary
from ui.charts import COLORS, titled


def headline(s: PlanSummary) -> str:
    """'Kế hoạch CCHC năm 2026: hoàn thành 49/53 đầu công việc, đạt 92,5%; 2 nhiệm vụ quá hạn.'"""
    text = (f"Kế hoạch CCHC năm {s.year}: hoàn thành {fmt.number(s.done)}/{fmt.number(s.total)} đầu công việc, "
            f"đạt {fmt.percent(s.rate)}")
    if s.done_late:
        text += f" ({fmt.number(s.done_late)} hoàn thành sau thời hạn)"
    text += (f"; {fmt.number(s.overdue)} nhiệm vụ quá hạn chưa hoàn thành tính đến ngày {fmt.day(s.as_of)}."
             if s.overdue else "; không có nhiệm vụ nào quá hạn.")
    return text


def progress_table(df: pl.DataFrame, name: str, label: str) -> None:
    number = lambda c: pl.col(c).map_elements(fmt.number, return_dtype=pl.String)  # noqa: E731
    shown = df.select(
        pl.col(name).alias(label),
        number("total").alias("Số nhiệm vụ"),
        number("done").alias("Hoàn thành"),
        pl.col("rate").map_elements(fmt.percent, return_dtype=pl.String).alias("Tỷ lệ hoàn thành"),
        number("done_late").alias("Hoàn thành sau thời hạn"),
        number("overdue").alias("Quá hạn chưa hoàn thành"),
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def area_chart(areas: pl.DataFrame) -> go.Figure:
    names = areas["area"].to_list()
    fig = go.Figure()
    fig.add_bar(y=names, x=areas["done"].to_list(), name="Hoàn thành", orientation="h",
                marker_color=COLORS["resolved"], hovertemplate="%{x:,d} nhiệm vụ")
    fig.add_bar(y=names, x=(areas["total"] - areas["done"] - areas["overdue"]).to_list(), name="Chưa đến hạn",
                orientation="h", marker_color=COLORS["muted"], hovertemplate="%{x:,d} nhiệm vụ")
    fig.add_bar(y=names, x=areas["overdue"].to_list(), name="Quá hạn", orientation="h", marker_color=COLORS["late"],
                hovertemplate="%{x:,d} nhiệm vụ")
    fig.update_layout(barmode="stack", height=120 + 40 * len(names), yaxis={"autorange": "reversed"})
    return titled(fig, "Tiến độ theo lĩnh vực", legend_below=True)


def overdue_table(tasks: pl.DataFrame) -> None:
    if tasks.height == 0:
        st.success("Không có nhiệm vụ nào quá hạn chưa hoàn thành.", icon=":material/check_circle:")
        return
    shown = tasks.select(
        pl.col("task_no").alias("STT"), pl.col("area").alias("Lĩnh vực"), pl.col("task").alias("Nhiệm vụ"),
        pl.col("unit_name").alias("Đơn vị chủ trì"),
        pl.col("deadline").map_elements(fmt.day, return_dtype=pl.String).alias("Thời hạn"),
        pl.col("status").replace_strict(STATUS_LABELS, default="").alias("Tình trạng"),
        pl.col("days_overdue").map_elements(fmt.number, return_dtype=pl.String).alias("Số ngày quá hạn"),
    )
    st.dataframe(shown, hide_index=True, width="stretch")
