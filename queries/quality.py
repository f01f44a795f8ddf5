"""Query layer: data-quality flags per unit that explain odd numbers; read-only, never imports Streamlit.

Each flag is one SQL query over the loaded data for the selected period, units and fields, with
the viewer's scope applied. The flags (codes in FLAG_CODES):

- `balance`: Biểu số 06's identity received = resolved + in progress + withdrawn/stopped/refused
  does not hold for the unit. Counted with the Form 06 SQL itself (queries/sql/period_counts.sql),
  per dossier, so the dossiers that break it are named.
- `finish_before_receipt`: finish date (the date that decides timeliness) before the received date.
- `due_on_day_off`: the export's due date falls on a weekend or public holiday, which a due date
  counted in working days never does.
- `due_too_early`: the export's due date is earlier than the earliest legal due date: received +
  the procedure's processing time in working days (office hours from settings, the dossier
  received after closing counts from the next morning), for procedures counted in working days.
  Supplement pauses only move a due date later, so they cannot explain an early one.
- `silent_unit`: no dossier received in the last `silent_days` days before the period end (or
  today) by a unit whose earlier volume makes that very unlikely.
- `month_end_burst`: an officer who finished a large share of his or her dossiers in the last
  working days of the month.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, time, timedelta

import duckdb
import polars as pl

from core.settings import settings
from queries.connection import frame
from queries.dossiers import (
    _sql as period_counts_sql,  # the Form 06 SQL itself, with our own group keys
)
from queries.dossiers import period_counts
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters

FLAG_CODES = ("balance", "finish_before_receipt", "due_on_day_off", "due_too_early", "silent_unit",
              "month_end_burst")
SCHEMA = {
    "flag": pl.String, "unit_code": pl.String, "unit_name": pl.String, "officer_name": pl.String,
    "count": pl.Int64, "base": pl.Int64, "share": pl.Float64, "last_date": pl.Date,
    "examples": pl.List(pl.String),
}


@dataclass(frozen=True)
class QualityRules:
    """Thresholds of the flags (settings.toml [quality]; see the help text there)."""

    silent_days: int = 14
    silent_baseline_days: int = 90
    silent_min_expected: float = 10
    burst_last_working_days: int = 2
    burst_min_finishes: int = 20
    burst_share: float = 0.35
    examples: int = 5
    office_start: time = time(7, 0)
    office_end: time = time(17, 0)

    @classmethod
    def from_settings(cls) -> QualityRules:
        conf, cal = asdict(settings().quality), settings().calendar
        return cls(**conf, office_start=cal.start, office_end=cal.end)

    def params(self) -> dict:
        return {"examples": self.examples, "silent_days": self.silent_days, "baseline_days": self.silent_baseline_days,
                "min_expected": self.silent_min_expected, "burst_days": self.burst_last_working_days,
                "burst_min": self.burst_min_finishes, "burst_share": self.burst_share,
                "office_start": self.office_start, "office_end": self.office_end}


def quality_flags(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Every flag for the filters, one row per (flag, unit[, officer]): count, a base to compare
    with (see each query), share, a date, and example dossier codes. Sorted by flag, then count."""
    parts = [fn(con, filters, rules) for fn in (balance_flags, finish_before_receipt, due_on_day_off,
                                                  due_too_early, silent_units, month_end_bursts)]
    out = pl.concat([p.select(list(SCHEMA)).cast(SCHEMA) for p in parts])
    order = {code: i for i, code in enumerate(FLAG_CODES)}
    return out.with_columns(pl.col("flag").replace_strict(order, return_dtype=pl.Int32).alias("_o")).sort(
        "_o", "count", "unit_name", descending=[False, True, False]).drop("_o")


def _run(con, sql: str, filters: Filters, rules: QualityRules, flag: str, **more) -> pl.DataFrame:
    result = frame(con, sql, {**filters.params(), **rules.params(), **more})
    result = result.with_columns(pl.lit(flag).alias("flag"))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in SCHEMA.items() if c not in result.columns]
    return result.with_columns(missing).select(list(SCHEMA)).cast(SCHEMA)


_UNIT_NAME = "(SELECT unit_name FROM units u WHERE u.unit_code = x.unit_code)"


def balance_flags(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Units where received ≠ resolved + in progress + withdrawn/stopped/refused in Biểu số 06.

    count = the gap (received minus the three), which is also the number of dossiers counted as
    received but nowhere else; base = received total; examples = those dossiers.

    The gap adds up over dossiers, so it is first counted per unit (one grouped Form 06 query);
    the dossiers are named only for the units where it is not zero, usually none: grouping every
    dossier of the period by its code costs seconds on millions of rows."""
    per_unit = period_counts(con, filters, by="unit")
    gaps = per_unit.filter(pl.col("received_total") != pl.col("resolved_total") + pl.col("pending_total")
                           + pl.col("withdrawn_stopped_refused"))
    if gaps.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    # The units come from the scoped, selected query above: narrowing the selection to them stays
    # within the viewer's scope and selection. (A dossier without a unit cannot be selected by
    # unit: then every unit is read, as before.)
    codes = gaps["group_key"].to_list()
    narrowed = filters if None in codes else replace(filters, unit_codes=frozenset(codes))
    per_dossier = period_counts_sql(
        "period_counts", group_select="d.dossier_code AS g_code, d.unit_code AS g_unit", group_names="g_code, g_unit",
        key_columns="g_code, g_unit", group_by="g_code, g_unit", scope_sql=SCOPE_SQL, selection_sql=SELECTION_SQL)
    sql = f"""
        WITH per_dossier AS ({per_dossier}),
        x AS (
            SELECT g_unit AS unit_code, sum(received_total) AS base,
                   sum(received_total - resolved_total - pending_total - withdrawn_stopped_refused) AS count,
                   list(g_code ORDER BY g_code) FILTER (
                       received_total <> resolved_total + pending_total + withdrawn_stopped_refused) AS codes
            FROM per_dossier GROUP BY g_unit
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, count, base, codes[1:$examples] AS examples
        FROM x WHERE count <> 0
    """
    return _run(con, sql, narrowed, rules, "balance")


def finish_before_receipt(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Dossiers received or finished in the period whose finish date is before the received date."""
    sql = f"""
        WITH x AS (
            SELECT d.unit_code, count(*) AS count,
                   list(d.dossier_code ORDER BY d.received_date DESC, d.dossier_code) AS codes
            -- Received in the period, or finished in it and so received after it (finish < receipt):
            -- two disjoint scans with plain date conditions, which skip the row groups outside the
            -- period (an OR across the two dates would read every dossier).
            FROM (SELECT * FROM dossiers WHERE received_date BETWEEN $start AND $end
                  UNION ALL
                  SELECT * FROM dossiers WHERE finished_date BETWEEN $start AND $end AND received_date > $end) d
            WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.finished_date < d.received_date
            GROUP BY d.unit_code
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, count, codes[1:$examples] AS examples FROM x
    """
    return _run(con, sql, filters, rules, "finish_before_receipt")


def due_on_day_off(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Dossiers received in the period whose due date, as exported, is a weekend day or holiday.
    base = dossiers received in the period with an exported due date."""
    sql = f"""
        WITH x AS (
            SELECT d.unit_code, count(*) FILTER (NOT c.is_working_day) AS count, count(*) AS base,
                   list(d.dossier_code ORDER BY d.received_date DESC, d.dossier_code)
                       FILTER (NOT c.is_working_day) AS codes
            FROM dossiers d JOIN calendar c ON c.cal_date = d.due_date
            WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.due_source = 'export' AND d.is_received AND d.status_group <> 'refused'
              AND d.received_date BETWEEN $start AND $end
            GROUP BY d.unit_code
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, count, base, codes[1:$examples] AS examples
        FROM x WHERE count > 0
    """
    return _run(con, sql, filters, rules, "due_on_day_off")


# National catalogue key of a procedure code: its first two parts ('1.001612').
_KEY = "split_part({c}, '.', 1) || '.' || split_part({c}, '.', 2)"


def due_too_early(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Dossiers received in the period whose exported due date is before the legal one counted in
    working days (etl.calendar.WorkCalendar.due_date: received after closing or on a day off counts
    from the next working morning; before opening, the day itself counts). Only procedures the
    catalogue (procedures.csv) counts in working days; base = such dossiers checked."""
    sql = f"""
        WITH kinds AS (
            SELECT {_KEY.format(c='procedure_code')} AS proc_key, bool_and(day_kind = 'working') AS working
            FROM procedures GROUP BY 1
        ), checked AS (
            SELECT d.unit_code, d.dossier_code, d.received_date,
                   cd.wd_seq < cr.wd_seq + CASE
                       WHEN NOT cr.is_working_day OR CAST(d.received_at AS TIME) >= $office_end
                           THEN CAST(round(d.processing_days) AS INTEGER)
                       WHEN CAST(d.received_at AS TIME) <= $office_start
                           THEN CAST(round(d.processing_days) AS INTEGER) - 1
                       ELSE CAST(round(d.processing_days) AS INTEGER) END AS too_early
            FROM dossiers d
            JOIN kinds k ON k.proc_key = {_KEY.format(c='d.procedure_code')} AND k.working
            JOIN calendar cr ON cr.cal_date = d.received_date
            JOIN calendar cd ON cd.cal_date = d.due_date
            WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.due_source = 'export' AND d.is_received AND d.status_group <> 'refused'
              AND d.processing_days >= 1 AND d.received_date BETWEEN $start AND $end
        ), x AS (
            SELECT unit_code, count(*) FILTER (too_early) AS count, count(*) AS base,
                   list(dossier_code ORDER BY received_date DESC, dossier_code) FILTER (too_early) AS codes
            FROM checked GROUP BY unit_code
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, count, base, codes[1:$examples] AS examples
        FROM x WHERE count > 0
    """
    return _run(con, sql, filters, rules, "due_too_early")


def silent_units(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Units with no dossier received in the `silent_days` days up to the period end (or today,
    while the period runs) although their previous `silent_baseline_days` days would give at least
    `silent_min_expected` in such a stretch. count = days since the last dossier; base = dossiers
    in the baseline window; last_date = last received date; examples = the last dossier."""
    sql = f"""
        WITH x AS (
            SELECT d.unit_code,
                   max(d.received_date) AS last_date,
                   arg_max(d.dossier_code, d.received_at) AS last_code,
                   count(*) FILTER (d.received_date > CAST($cut AS DATE) - CAST($silent_days AS INTEGER)) AS recent,
                   count(*) FILTER (d.received_date <= CAST($cut AS DATE) - CAST($silent_days AS INTEGER)
                                    AND d.received_date > CAST($cut AS DATE) - CAST($silent_days AS INTEGER)
                                                          - CAST($baseline_days AS INTEGER)) AS base
            FROM dossiers d
            WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.is_received AND d.received_date <= $cut
              AND d.received_date >= $read_from
            GROUP BY d.unit_code
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, date_diff('day', last_date, CAST($cut AS DATE)) AS count,
               base, last_date, [last_code] AS examples
        FROM x
        WHERE recent = 0 AND base * CAST($silent_days AS DOUBLE) / $baseline_days >= $min_expected
    """
    # A unit is flagged only with dossiers in the baseline window (base > 0 when silent_min_expected
    # > 0) and none after it, so its last dossier lies in the two windows: only they are read. With
    # a threshold of zero a unit silent for years is flagged too, and its last dossier may be older.
    window = timedelta(days=rules.silent_days + rules.silent_baseline_days - 1)
    read_from = filters.params()["cut"] - window if rules.silent_min_expected > 0 else date.min
    return _run(con, sql, filters, rules, "silent_unit", read_from=read_from)


def month_end_bursts(con: duckdb.DuckDBPyConnection, filters: Filters, rules: QualityRules) -> pl.DataFrame:
    """Officers who finished at least `burst_min_finishes` dossiers in the period and at least
    `burst_share` of them in the last `burst_last_working_days` working days of their month (or on
    a day off after them). count = finished at month end; base = finished in the period."""
    sql = f"""
        WITH month_end AS (
            SELECT month, min(cal_date) AS from_day FROM (
                SELECT cal_date, date_trunc('month', cal_date) AS month,
                       row_number() OVER (PARTITION BY date_trunc('month', cal_date) ORDER BY cal_date DESC) AS rn
                FROM calendar WHERE is_working_day
            ) WHERE rn <= $burst_days GROUP BY month
        ), fin AS (
            SELECT d.unit_code, d.officer_name, d.dossier_code, d.finished_date,
                   d.finished_date >= m.from_day AS at_end
            FROM dossiers d JOIN month_end m ON m.month = date_trunc('month', d.finished_date)
            WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.is_resolved AND d.officer_name IS NOT NULL
              AND d.finished_date BETWEEN $start AND $end
        ), x AS (
            SELECT unit_code, officer_name, count(*) FILTER (at_end) AS count, count(*) AS base,
                   list(dossier_code ORDER BY finished_date DESC, dossier_code) FILTER (at_end) AS codes
            FROM fin GROUP BY unit_code, officer_name
        )
        SELECT unit_code, {_UNIT_NAME} AS unit_name, officer_name, count, base,
               count / base AS share, codes[1:$examples] AS examples
        FROM x WHERE base >= $burst_min AND count >= $burst_share * base
    """
    return _run(con, sql, filters, rules, "month_end_burst")
