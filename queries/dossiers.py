"""Query layer: dossier figures for a period (Form 06 counts); read-only, scope always applied."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from queries.connection import frame
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters

SQL_DIR = Path(__file__).parent / "sql"
# Grouping is chosen from this table, never from text a user typed: name → the key columns it
# returns, each (column name, SQL expression over d = dossiers, u = the dossier's unit in `units`).
_LEVEL = "coalesce(u.unit_level, 'khac')"
GROUPS = {
    "unit": (("group_key", "d.unit_code"),),
    "field": (("group_key", "d.field_code"),),
    "level": (("group_key", _LEVEL),),
    "total": (("group_key", "'total'"),),
    "channel": (("group_key", "CAST(coalesce(d.channel_code, 1) AS VARCHAR)"),),  # missing = in person
    "level_field": (("group_level", _LEVEL), ("group_field", "d.field_code")),
}
COUNT_COLUMNS = (
    "received_online", "received_direct", "carried_over", "received_total",
    "resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
    "pending_within", "pending_overdue", "pending_total", "withdrawn_stopped_refused",
)


def _sql(name: str, **parts: str) -> str:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    # The unit directory is joined only for keys that read it (`u.`, the level): joined to a year of
    # 20M dossiers for nothing, it cost the volumes cube 0.56 s instead of 0.48.
    parts.setdefault("units_join", "LEFT JOIN units u ON u.unit_code = d.unit_code"
                     if re.search(r"\bu\.", parts.get("group_select", "")) else "")
    for key, value in parts.items():
        text = text.replace("{" + key + "}", value)
    return text


def period_counts(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "unit",
                  rollup: bool = False) -> pl.DataFrame:
    """Biểu số 06 counts per unit, field, level, level and field, or in total for filters.start … end.

    rollup=True adds SQL ROLLUP subtotal rows over the keys (for 'level_field': one per level and
    the grand total) and a `grouping_id` column: 0 for a detail row, then one bit per rolled-up key
    (for 'level_field': 1 = level subtotal, 3 = grand total). The grand total row is always there.
    """
    keys = GROUPS[by]
    names = ", ".join(name for name, _ in keys)
    sql = _sql(
        "period_counts",
        group_select=", ".join(f"{expr} AS {name}" for name, expr in keys),
        group_names=names,
        key_columns=names + (f", grouping({names}) AS grouping_id" if rollup else ""),
        group_by=f"ROLLUP ({names})" if rollup else names,
        scope_sql=SCOPE_SQL,
        selection_sql=SELECTION_SQL,
    )
    result = frame(con, sql, filters.params())
    if result.height == 0:
        schema = {name: pl.String for name, _ in keys}
        return pl.DataFrame(schema={**schema, **{c: pl.Int64 for c in COUNT_COLUMNS}})
    return result.with_columns(pl.col(c).cast(pl.Int64) for c in COUNT_COLUMNS)
