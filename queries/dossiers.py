"""Query layer: dossier figures for a period (Form 06 counts); read-only, scope always applied."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from queries.connection import frame
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters

SQL_DIR = Path(__file__).parent / "sql"
# Grouping is chosen from this table, never from text a user typed.
GROUPS = {"unit": "d.unit_code", "field": "d.field_code", "total": "'total'"}
COUNT_COLUMNS = (
    "received_online", "received_direct", "carried_over", "received_total",
    "resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
    "pending_within", "pending_overdue", "pending_total", "withdrawn_stopped_refused",
)


def _sql(name: str, **parts: str) -> str:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for key, value in parts.items():
        text = text.replace("{" + key + "}", value)
    return text


def period_counts(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "unit") -> pl.DataFrame:
    """Biểu số 06 counts per unit, per field or in total for filters.start … filters.end."""
    sql = _sql("period_counts", group_col=GROUPS[by], scope_sql=SCOPE_SQL, selection_sql=SELECTION_SQL)
    result = frame(con, sql, filters.params())
    if result.height == 0:
        return pl.DataFrame({"group_key": [], **{c: [] for c in COUNT_COLUMNS}},
                            schema={"group_key": pl.String, **{c: pl.Int64 for c in COUNT_COLUMNS}})
    return result.with_columns(pl.col(c).cast(pl.Int64) for c in COUNT_COLUMNS)
