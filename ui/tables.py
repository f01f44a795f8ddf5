"""UI tables: Vietnamese column names and formats for st.dataframe.

Numbers stay numbers in every table, so that a click on a column header sorts 387, 469, 1.153,
2.030 — never "1.153" before "387" as text would. They are only *shown* the Vietnamese way:
- whole numbers through `count_column` (NumberColumn with the printf format "%'.,d": sprintf-js
  groups thousands with the padding character, here "."), drawn by the browser;
- decimals and percentages through `numbers`, a pandas Styler whose display text comes from
  core.format (1.234,5 and 87,5%) while the cell keeps its value (Streamlit sorts on the value).
A missing value shows the table's `placeholder` (PLACEHOLDER), never "None".
"""
from __future__ import annotations

from collections.abc import Mapping

import polars as pl
import streamlit as st

from core import format as fmt
from core.units import UNIT_TYPE_LABELS

QUIET_DAYS = 14  # a unit with no new dossier for this long may have stopped sending data
COUNT_FORMAT = "%'.,d"  # 1153 → 1.153; see the module docstring
PLACEHOLDER = "—"
# Rows tall enough for Streamlit to wrap long text (it wraps from 4rem = 64 px), so that a long name
# or comment is read in full rather than cut.
WRAP_ROW_HEIGHT = 66


def count_column(label: str | None = None, **kwargs) -> dict:
    """A whole-number column shown 1.234 and sorted as a number."""
    return st.column_config.NumberColumn(label, format=COUNT_FORMAT, **kwargs)


def numbers(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None,
            percents: Mapping[str, int] | None = None):
    """`frame` for st.dataframe with decimal columns shown fmt.number(v, digits) and share columns
    (0–1) shown fmt.percent(v, digits), still numeric underneath. Without such columns, the frame itself."""
    decimals, percents = dict(decimals or {}), dict(percents or {})
    if not decimals and not percents:
        return frame
    styler = frame.to_pandas().style
    for column, digits in decimals.items():
        styler = styler.format(lambda v, d=digits: fmt.number(v, d), subset=[column], na_rep=PLACEHOLDER)
    for column, digits in percents.items():
        styler = styler.format(lambda v, d=digits: fmt.percent(v, d), subset=[column], na_rep=PLACEHOLDER)
    return styler


def units_table(units: pl.DataFrame) -> None:
    shown = units.select(
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS, default="").alias("Loại"),
        pl.col("dossiers").alias("Hồ sơ"),
        pl.col("last_received").alias("Tiếp nhận gần nhất"),
        pl.when(pl.col("days_since_last").is_null()).then(pl.lit("Chưa có dữ liệu"))
        .when(pl.col("days_since_last") > QUIET_DAYS)
        .then(pl.format("Không có hồ sơ mới {} ngày", pl.col("days_since_last")))
        .otherwise(pl.lit("")).alias("Lưu ý"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", height=420, placeholder=PLACEHOLDER,
        column_config={"Đơn vị": st.column_config.TextColumn(width="medium"), "Hồ sơ": count_column(width="small"),
                       "Tiếp nhận gần nhất": st.column_config.DateColumn(format="DD/MM/YYYY")},
    )


def loads_table(loads: pl.DataFrame) -> None:
    if loads.height == 0:
        st.caption("Chưa có lần nạp nào.")
        return
    shown = loads.select(
        pl.col("loaded_at").alias("Thời điểm"),
        pl.col("file_name").alias("Tệp"),
        pl.col("kind").replace_strict({"dossier": "Hồ sơ", "survey": "Khảo sát", "rating": "Đánh giá"}, default="").alias("Loại"),
        *(pl.col(c).alias(label) for c, label in
          (("rows_new", "Thêm mới"), ("rows_updated", "Cập nhật"), ("rows_rejected", "Bị loại"))),
        pl.col("loaded_by").alias("Người nạp"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", height=420, placeholder=PLACEHOLDER,
        column_config={"Thời điểm": st.column_config.DatetimeColumn(format="HH:mm DD/MM/YYYY"),
                       **{label: count_column() for label in ("Thêm mới", "Cập nhật", "Bị loại")}},
    )
