"""UI tables: Vietnamese column names and formats for st.dataframe."""
from __future__ import annotations

import polars as pl
import streamlit as st

from core import format as fmt
from core.units import UNIT_TYPE_LABELS

QUIET_DAYS = 14  # a unit with no new dossier for this long may have stopped sending data


def units_table(units: pl.DataFrame) -> None:
    shown = units.select(
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS, default="").alias("Loại"),
        pl.col("dossiers").map_elements(fmt.number, return_dtype=pl.String).alias("Hồ sơ"),
        pl.col("last_received").alias("Tiếp nhận gần nhất"),
        pl.when(pl.col("days_since_last").is_null()).then(pl.lit("Chưa có dữ liệu"))
        .when(pl.col("days_since_last") > QUIET_DAYS)
        .then(pl.format("Không có hồ sơ mới {} ngày", pl.col("days_since_last")))
        .otherwise(pl.lit("")).alias("Lưu ý"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", height=420,
        column_config={"Tiếp nhận gần nhất": st.column_config.DateColumn(format="DD/MM/YYYY")},
    )


def loads_table(loads: pl.DataFrame) -> None:
    if loads.height == 0:
        st.caption("Chưa có lần nạp nào.")
        return
    shown = loads.select(
        pl.col("loaded_at").alias("Thời điểm"),
        pl.col("file_name").alias("Tệp"),
        pl.col("kind").replace_strict({"dossier": "Hồ sơ", "survey": "Khảo sát", "rating": "Đánh giá"}, default="").alias("Loại"),
        *(pl.col(c).map_elements(fmt.number, return_dtype=pl.String).alias(label) for c, label in
          (("rows_new", "Thêm mới"), ("rows_updated", "Cập nhật"), ("rows_rejected", "Bị loại"))),
        pl.col("loaded_by").alias("Người nạp"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", height=420,
        column_config={"Thời điểm": st.column_config.DatetimeColumn(format="HH:mm DD/MM/YYYY")},
    )
