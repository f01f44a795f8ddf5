"""Query layer: volumes received, resolved, in progress (page Tiếp nhận & giải quyết); read-only, scope applied.

"Received" everywhere on that page means what Biểu số 06 counts as received in the period
(Thông tư 01/2020/TT-VPCP): accepted (status ≠ 1) with the received date inside the period, i.e.
`received_online + received_direct` of `period_counts`. Carried-over dossiers are not in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from queries import reference
from queries.connection import frame
from queries.dossiers import COUNT_COLUMNS, period_counts
from queries.dossiers import _sql as period_counts_sql  # the Form 06 SQL itself
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters
from queries.periods import Period, period_containing

# DOMAIN.md: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích; a missing channel counts as in person.
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}
UNKNOWN_PROCEDURE = "Chưa rõ thủ tục"


@dataclass(frozen=True)
class Grain:
    """A trend bucket size: the date_trunc unit, how many buckets the window holds, one step."""

    unit: str
    buckets: int
    step_sql: str
    label: str


# The trend grain is picked from this table, never from text a user typed.
GRAINS = {
    "week": Grain("week", 26, "INTERVAL 1 WEEK", "Tuần"),
    "month": Grain("month", 24, "INTERVAL 1 MONTH", "Tháng"),
}


def grain_for(period: Period) -> str:
    """Default trend grain: weeks for periods up to about three months, months beyond."""
    return "week" if period.days <= 95 else "month"


# Form 06 counts per unit × field × channel (channel as stored, a missing one counted in person): each
# dossier has one of each, so the totals, the counts per unit, per field and per channel are sums of
# it. The page counts once (`cube`) and sums four ways (`*_of`), where four counts of a year of 20M
# dossiers took half a second each; `totals`, `by_field`, `by_unit`, `by_channel` do both steps.
_CUBE_KEYS = {"group_unit": "d.unit_code", "group_field": "d.field_code", "group_channel": "coalesce(d.channel_code, 1)"}


def cube(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Form 06 counts of the selection per unit, field and channel code (group_unit, group_field,
    group_channel and COUNT_COLUMNS); the groups with no dossier are absent."""
    names = ", ".join(_CUBE_KEYS)
    sql = period_counts_sql("period_counts", group_select=", ".join(f"{e} AS {k}" for k, e in _CUBE_KEYS.items()),
                            group_names=names, key_columns=names, group_by=names,
                            scope_sql=SCOPE_SQL, selection_sql=SELECTION_SQL)
    counts = frame(con, sql, filters.params())
    schema = {"group_unit": pl.String, "group_field": pl.String, "group_channel": pl.Int64}
    if counts.height == 0:
        return pl.DataFrame(schema={**schema, **{c: pl.Int64 for c in COUNT_COLUMNS}})
    return counts.with_columns(*(pl.col(k).cast(t) for k, t in schema.items()),
                               *(pl.col(c).cast(pl.Int64) for c in COUNT_COLUMNS))


def _summed(counts: pl.DataFrame, key: str | None) -> pl.DataFrame:
    """COUNT_COLUMNS summed per `key` of the cube (as group_key), or over all of it (None: one row,
    none when the cube is empty)."""
    if key is None:
        if counts.height == 0:
            return pl.DataFrame(schema={"group_key": pl.String, **{c: pl.Int64 for c in COUNT_COLUMNS}})
        return counts.select(pl.lit("total").alias("group_key"), *(pl.col(c).sum() for c in COUNT_COLUMNS))
    return counts.group_by(pl.col(key).alias("group_key"), maintain_order=True).agg(
        pl.col(c).sum() for c in COUNT_COLUMNS)


def totals_of(counts: pl.DataFrame) -> pl.DataFrame:
    """Form 06 totals plus `received` (in period) from the cube: one row, none without dossiers."""
    return _summed(counts, None).with_columns(
        (pl.col("received_online") + pl.col("received_direct")).alias("received"))


def by_field_of(counts: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """Form 06 counts per field with its name (`fields`: queries.reference.fields, field_code and
    field_name) and `received` (in period), most received first."""
    names = fields.select(pl.col("field_code").alias("group_key"), "field_name")
    return _with_received(_summed(counts, "group_field"), names, "field_code", "field_name")


def by_unit_of(counts: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Form 06 counts per unit with its name (`units`: queries.reference.units, unit_code and
    unit_name) and `received` (in period), most received first."""
    names = units.select(pl.col("unit_code").alias("group_key"), "unit_name")
    return _with_received(_summed(counts, "group_unit"), names, "unit_code", "unit_name")


def by_channel_of(counts: pl.DataFrame) -> pl.DataFrame:
    """Received and resolved in the period, and in progress at its end, per channel (all three,
    zero where none), with each channel's share of received."""
    per_channel = _summed(counts, "group_channel").with_columns(pl.col("group_key").cast(pl.String))
    channels = pl.DataFrame({"group_key": [str(c) for c in CHANNELS], "channel_name": list(CHANNELS.values())})
    joined = channels.join(per_channel, on="group_key", how="left", maintain_order="left").with_columns(
        pl.col(c).fill_null(0) for c in COUNT_COLUMNS
    ).with_columns(
        channel_code=pl.col("group_key").cast(pl.Int64),
        received=pl.col("received_online") + pl.col("received_direct"),
    )
    total = joined["received"].sum()
    return joined.select(
        "channel_code", "channel_name", "received",
        (pl.col("received") / total if total else pl.lit(None, pl.Float64)).alias("received_share"),
        "resolved_total", "pending_within", "pending_overdue", "pending_total",
    )


def totals(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Form 06 totals of the selection plus `received` (in period): one row, none without dossiers."""
    return totals_of(cube(con, filters))


def by_field(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return by_field_of(cube(con, filters), reference.fields(con, filters.scope))


def by_unit(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return by_unit_of(cube(con, filters), reference.units(con, filters.scope))


def by_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return by_channel_of(cube(con, filters))


def _with_received(counts: pl.DataFrame, names: pl.DataFrame, code: str, name: str) -> pl.DataFrame:
    return (
        counts.join(names, on="group_key", how="left")
        .with_columns(pl.coalesce(pl.col(name), pl.col("group_key")).alias(name),
                      (pl.col("received_online") + pl.col("received_direct")).alias("received"))
        .rename({"group_key": code})
        .sort(["received", "resolved_total", name], descending=[True, True, False])
        .select(code, name, "received", *COUNT_COLUMNS)
    )


def window_start(end: date, grain: str) -> date:
    """First day of the trend window ending at `end`: 26 Monday–Sunday weeks or 24 calendar months."""
    spec = GRAINS[grain]
    return period_containing(spec.unit, end).shifted(spec.buckets - 1).start


def series(con: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "week") -> pl.DataFrame:
    """Received and resolved per week (Monday–Sunday) or calendar month, over the window ending at
    filters.end; every bucket present (zero where none), the last one cut at filters.end.

    Columns: bucket_start, bucket_end, label, received, resolved, in_period (overlaps the period).
    """
    spec = GRAINS[grain]  # KeyError for anything outside the allowlist

    def per_bucket(flag: str, day: str) -> str:
        """Dossiers with `flag` per bucket of their `day`: per day first, then per bucket (cheaper than
        date_trunc on every row)."""
        return f"""
            SELECT CAST(date_trunc('{spec.unit}', day) AS DATE) AS bucket_start, sum(n) AS n FROM (
                SELECT d.{day} AS day, count(*) AS n
                FROM dossiers d
                WHERE d.{flag} AND d.{day} BETWEEN $window_start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL}
                GROUP BY d.{day})
            GROUP BY ALL"""

    sql = f"""
        WITH buckets AS (
            SELECT CAST(b AS DATE) AS bucket_start
            FROM range($window_start::DATE, $end::DATE + 1, {spec.step_sql}) t(b)
        ), received AS ({per_bucket("is_received", "received_date")}
        ), resolved AS ({per_bucket("is_resolved", "finished_date")}
        )
        SELECT b.bucket_start,
               least(CAST(b.bucket_start + {spec.step_sql} - INTERVAL 1 DAY AS DATE), $end::DATE) AS bucket_end,
               coalesce(r.n, 0) AS received, coalesce(s.n, 0) AS resolved,
               least(CAST(b.bucket_start + {spec.step_sql} - INTERVAL 1 DAY AS DATE), $end::DATE)
                   >= $start::DATE AS in_period
        FROM buckets b
        LEFT JOIN received r USING (bucket_start)
        LEFT JOIN resolved s USING (bucket_start)
        ORDER BY b.bucket_start
    """
    params = {**filters.params(), "window_start": window_start(filters.end, grain)}
    result = frame(con, sql, params).with_columns(pl.col("received", "resolved").cast(pl.Int64))
    labels = [_bucket_label(grain, s, e) for s, e in zip(result["bucket_start"], result["bucket_end"])]
    return result.with_columns(pl.Series("label", labels, pl.String)).select(
        "bucket_start", "bucket_end", "label", "received", "resolved", "in_period")


def _bucket_label(grain: str, start: date, end: date) -> str:
    """'Tuần 45 (02/11–08/11/2026)', 'Tháng 10/2026'; a bucket cut at the window end says so."""
    whole = period_containing(GRAINS[grain].unit, start)
    return whole.label() + ("" if end == whole.end else f" (tính đến {end:%d/%m/%Y})")


def matrix(con: duckdb.DuckDBPyConnection, filters: Filters, top_units: int = 20) -> pl.DataFrame:
    """Dossiers received in the period per unit × field, for the `top_units` units that received most.

    Long form, one row per (unit, field) with dossiers. Also: unit_received and unit_rank (1 = most),
    field_received (over those units) and units_with_data (all units with dossiers in the selection).
    """
    sql = f"""
        WITH cells AS (
            SELECT d.unit_code, d.field_code, count(*) AS received
            FROM dossiers d
            WHERE d.is_received AND d.received_date BETWEEN $start AND $end
              AND {SCOPE_SQL} AND {SELECTION_SQL}
            GROUP BY ALL
        ), unit_totals AS (
            SELECT c.unit_code, sum(c.received) AS unit_received,
                   row_number() OVER (ORDER BY sum(c.received) DESC, any_value(u.unit_name), c.unit_code) AS unit_rank,
                   count(*) OVER () AS units_with_data
            FROM cells c LEFT JOIN units u USING (unit_code)
            GROUP BY c.unit_code
        ), top AS (
            SELECT c.*, t.unit_received, t.unit_rank, t.units_with_data
            FROM cells c JOIN unit_totals t USING (unit_code)
            WHERE t.unit_rank <= $top_units
        )
        SELECT t.unit_code, coalesce(u.unit_name, t.unit_code) AS unit_name,
               t.field_code, coalesce(f.field_name, t.field_code) AS field_name,
               t.received, t.unit_received, t.unit_rank,
               sum(t.received) OVER (PARTITION BY t.field_code) AS field_received,
               t.units_with_data
        FROM top t
        LEFT JOIN units u USING (unit_code)
        LEFT JOIN fields f USING (field_code)
        ORDER BY t.unit_rank, t.received DESC, field_name
    """
    result = frame(con, sql, {**filters.params(), "top_units": top_units})
    return result.with_columns(pl.col("received", "unit_received", "unit_rank", "field_received",
                                      "units_with_data").cast(pl.Int64))


def top_procedures(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 15) -> pl.DataFrame:
    """The procedures with most dossiers received in the period, with their field; most first.

    A procedure is its code (its name when the export had no code); the name shown is the one
    most dossiers carry. Also: resolved in the period and the share of all dossiers received.
    """
    sql = f"""
        WITH scoped AS MATERIALIZED (
            -- Received in the period, or resolved in it and not received in it: two disjoint scans
            -- with plain date conditions, which skip the row groups outside the period (an OR
            -- across the two dates would read every dossier).
            -- MATERIALIZED: the modes below are computed apart, and each would scan again otherwise.
            SELECT coalesce(d.procedure_code, d.procedure_name, '') AS procedure_key, d.procedure_code,
                   d.procedure_name, d.field_code, d.is_received, d.received_date, d.is_resolved, d.finished_date
            FROM (SELECT * FROM dossiers WHERE is_received AND received_date BETWEEN $start AND $end
                  UNION ALL
                  SELECT * FROM dossiers WHERE is_resolved AND finished_date BETWEEN $start AND $end
                      AND NOT coalesce(is_received AND received_date BETWEEN $start AND $end, FALSE)) d
            WHERE {SCOPE_SQL} AND {SELECTION_SQL}
        ), per_procedure AS (
            SELECT procedure_key,
                   any_value(procedure_code) AS procedure_code,
                   mode(procedure_name) AS procedure_name,
                   mode(field_code) AS field_code,
                   count(*) FILTER (is_received AND received_date BETWEEN $start AND $end) AS received,
                   count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end) AS resolved
            FROM scoped GROUP BY procedure_key
        )
        SELECT p.procedure_code, coalesce(p.procedure_name, $unknown) AS procedure_name,
               p.field_code, coalesce(f.field_name, p.field_code) AS field_name,
               p.received, p.resolved,
               p.received / sum(p.received) OVER () AS received_share
        FROM per_procedure p LEFT JOIN fields f USING (field_code)
        QUALIFY p.received > 0
        ORDER BY p.received DESC, procedure_name
        LIMIT $limit
    """
    result = frame(con, sql, {**filters.params(), "limit": limit, "unknown": UNKNOWN_PROCEDURE})
    return result.with_columns(pl.col("received", "resolved").cast(pl.Int64))
