"""Query layer: the official report Biểu số 06 as rows ready to print; read-only, never imports Streamlit.

Biểu số 06 (Thông tư 01/2020/TT-VPCP), "Tình hình, kết quả giải quyết TTHC": one row per field
(lĩnh vực) grouped by level (I. Cấp tỉnh: departments and branches; II. Cấp xã: communes, wards,
special zone), a subtotal per level and a grand total. Every number comes from one SQL query,
`period_counts(…, by="level_field", rollup=True)`, with the viewer's scope applied.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from queries.connection import frame
from queries.dossiers import period_counts
from queries.filters import SCOPE_SQL, Filters, Scope
from queries.periods import ROMAN, Period

# The 11 count columns of the form, in print order.
FORM_COLUMNS = (
    "received_total", "received_online", "received_direct", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "pending_total", "pending_within", "pending_overdue",
)
COUNTS = FORM_COLUMNS + ("withdrawn_stopped_refused",)
# Levels in print order (units.unit_level) and the label of their group row.
LEVELS = {"tinh": "Cấp tỉnh", "xa": "Cấp xã"}
OTHER_LEVEL = "Đơn vị chưa xác định cấp"  # a unit missing from the directory; the ETL rejects those
TOTAL_LABEL = "Tổng cộng"
UNKNOWN_FIELD_CODE = "chua_ro"  # etl.normalize.UNKNOWN_FIELD: printed after every named field
ROW_SCHEMA = {
    "level": pl.String, "row_kind": pl.String, "stt": pl.String, "field_code": pl.String,
    "field_name": pl.String, **{c: pl.Int64 for c in COUNTS},
}
# grouping_id of the ROLLUP (group_level, group_field): one bit per rolled-up key.
_FIELD_ROW, _LEVEL_ROW, _TOTAL_ROW = 0, 1, 3


@dataclass(frozen=True, eq=False)
class Form06:
    """Biểu số 06 for one period and a set of units.

    `rows`: level ('tinh' | 'xa' | None for the total), row_kind ('subtotal' | 'field' | 'total'),
    stt ('I', 'II' for a level's subtotal row, '1', '2', … for its fields, None for the total),
    field_code, field_name, the 11 counts of FORM_COLUMNS, withdrawn_stopped_refused and
    balance_ok (received = resolved + in progress + withdrawn/stopped/refused)."""

    period: Period
    rows: pl.DataFrame
    unit_names: tuple[str, ...]  # every unit covered, provincial first
    whole_province: bool  # no unit restriction: the report speaks for the province
    province_name: str
    issuer: str  # the issuing body as printed: "UBND THÀNH PHỐ ĐÀ NẴNG", "SỞ TƯ PHÁP", …

    @property
    def total(self) -> dict:
        """The grand total row as a dict."""
        return self.rows.filter(pl.col("row_kind") == "total").to_dicts()[0]

    @property
    def unbalanced(self) -> pl.DataFrame:
        """Rows where received ≠ resolved + in progress + withdrawn/stopped/refused."""
        return self.rows.filter(~pl.col("balance_ok"))


def form06(con: duckdb.DuckDBPyConnection, filters: Filters) -> Form06:
    """Biểu số 06 for filters.start … filters.end, within the viewer's scope and selection."""
    counts = period_counts(con, filters, by="level_field", rollup=True)
    rows = _layout(counts, _field_order(con))
    units = _units(con, filters)
    whole = filters.scope.unit_codes is None and not filters.unit_codes
    province = _province_name(con)
    return Form06(
        period=Period("custom", filters.start, filters.end),
        rows=rows,
        unit_names=tuple(u["unit_name"] for u in units),
        whole_province=whole,
        province_name=province,
        issuer=_issuer(units, whole, province),
    )


def missing_unit_codes(con: duckdb.DuckDBPyConnection, scope: Scope, codes) -> list[str]:
    """The codes among `codes` that name no unit of the directory within `scope`."""
    wanted = sorted(set(codes))
    known = frame(con, "SELECT unit_code FROM units d WHERE list_contains($codes::VARCHAR[], d.unit_code) AND "
                  + SCOPE_SQL, {"codes": wanted, **scope.params()})
    found = set(known["unit_code"].to_list()) if known.height else set()
    return [c for c in wanted if c not in found]


def issuing_body(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[str, list[dict], bool]:
    """(issuer as printed, the units covered — unit_code, unit_name, unit_level —, whole province?)
    for a document about these filters: the same heading as Biểu số 06."""
    units = _units(con, filters)
    whole = filters.scope.unit_codes is None and not filters.unit_codes
    return _issuer(units, whole, _province_name(con)), units, whole


# --- layout ---------------------------------------------------------------------------------------


def _layout(counts: pl.DataFrame, field_order: dict[str, tuple]) -> pl.DataFrame:
    """Subtotal row, then its field rows, per level; the grand total last. All-zero rows are left out."""
    nonzero = pl.any_horizontal(pl.col(c) > 0 for c in COUNTS)
    if "grouping_id" not in counts.columns:  # no rows at all (cannot happen with ROLLUP, kept safe)
        counts = counts.with_columns(grouping_id=pl.lit(_TOTAL_ROW, pl.Int64))
    fields = counts.filter((pl.col("grouping_id") == _FIELD_ROW) & nonzero)
    subtotals = counts.filter((pl.col("grouping_id") == _LEVEL_ROW) & nonzero)
    total = counts.filter(pl.col("grouping_id") == _TOTAL_ROW).to_dicts()
    out = []
    levels = sorted(subtotals["group_level"].to_list(), key=_level_rank)
    for number, level in enumerate(levels):
        [subtotal] = subtotals.filter(pl.col("group_level") == level).to_dicts()
        out.append(_row(level, "subtotal", ROMAN[number], None, LEVELS.get(level, OTHER_LEVEL), subtotal))
        mine = fields.filter(pl.col("group_level") == level).to_dicts()
        mine.sort(key=lambda r: field_order.get(r["group_field"], (9, 0, r["group_field"] or "")))
        for i, r in enumerate(mine, start=1):
            code = r["group_field"]
            name = field_order[code][2] if code in field_order else code
            out.append(_row(level, "field", str(i), code, name, r))
    out.append(_row(None, "total", None, None, TOTAL_LABEL, total[0] if total else {}))
    rows = pl.DataFrame(out, schema=ROW_SCHEMA, orient="row")
    return rows.with_columns(
        balance_ok=pl.col("received_total")
        == pl.col("resolved_total") + pl.col("pending_total") + pl.col("withdrawn_stopped_refused")
    )


def _row(level, kind, stt, code, name, counts: dict) -> tuple:
    return (level, kind, stt, code, name, *(int(counts.get(c) or 0) for c in COUNTS))


def _level_rank(level: str | None) -> tuple[int, str]:
    order = list(LEVELS)
    return (order.index(level), "") if level in LEVELS else (len(order), level or "")


def _field_order(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, str]]:
    """field_code → (group, position, name): the catalogue in its own order, then fields first seen
    in exports, then 'Chưa rõ lĩnh vực'. Codes missing from `fields` sort after all of these."""
    catalogue = frame(con, "SELECT field_code, field_name, in_catalogue, row_number() OVER () AS position "
                           "FROM fields")
    order = {}
    for r in catalogue.iter_rows(named=True):
        group = 2 if r["field_code"] == UNKNOWN_FIELD_CODE else (0 if r["in_catalogue"] else 1)
        order[r["field_code"]] = (group, r["position"], r["field_name"])
    return order


# --- units covered --------------------------------------------------------------------------------


def _units(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict]:
    params = filters.params()
    sql = (
        "SELECT unit_code, unit_name, unit_level FROM units d WHERE " + SCOPE_SQL
        + " AND (len($sel_units::VARCHAR[]) = 0 OR list_contains($sel_units::VARCHAR[], d.unit_code))"
        " ORDER BY unit_level = 'xa', unit_name"
    )
    keep = ("scope_all", "scope_units", "sel_units")
    return frame(con, sql, {k: params[k] for k in keep}).to_dicts()


def _province_name(con: duckdb.DuckDBPyConnection) -> str:
    [(name,)] = con.execute("SELECT any_value(province_name) FROM units").fetchall()
    return name or ""


def _issuer(units: list[dict], whole: bool, province: str) -> str:
    """The body the form is issued by: the People's Committee of the province for several units
    or the whole province; a commune's People's Committee; a department by its own name."""
    if len(units) == 1 and not whole:
        unit = units[0]
        prefix = "UBND " if unit["unit_level"] == "xa" else ""
        return (prefix + unit["unit_name"]).upper()
    return f"UBND {province}".upper() if province else ""
