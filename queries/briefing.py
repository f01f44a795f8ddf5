"""Query layer: the briefing's figures (KPIs, trend, field moves, working days of a period, and what
to act on — the late page's own counts from queries/late.py, never recounted here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from core.settings import settings
from queries import late, reference, volumes
from queries import satisfaction as sat
from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters
from queries.periods import Period


@dataclass(frozen=True)
class Kpis:
    """Counts for one period; rates are None when their denominator is zero."""

    received: int
    received_online: int
    resolved: int
    resolved_in_time: int  # early + on time
    resolved_late: int
    pending_overdue: int  # in progress and past due at the period end
    satisfied_answers: int
    survey_answers: int
    survey_responses: int

    @property
    def on_time_rate(self) -> float | None:
        return self.resolved_in_time / self.resolved if self.resolved else None

    @property
    def online_share(self) -> float | None:
        return self.received_online / self.received if self.received else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied_answers / self.survey_answers if self.survey_answers else None


def kpis(con: duckdb.DuckDBPyConnection, filters: Filters) -> Kpis:
    return kpis_of(volumes.cube(con, filters), sat.survey_rate(con, filters))


def kpis_of(counts: pl.DataFrame, survey: sat.Rate) -> Kpis:
    """`kpis` from the filters' Form 06 counts per unit × field × channel (queries.volumes.cube: the
    volumes page's, so the two pages share one count) and their survey rate."""
    total = volumes.totals_of(counts)
    row = total.row(0, named=True) if total.height else {}
    return Kpis(
        received=row.get("received_online", 0) + row.get("received_direct", 0),
        received_online=row.get("received_online", 0),
        resolved=row.get("resolved_total", 0),
        resolved_in_time=row.get("resolved_early", 0) + row.get("resolved_on_time", 0),
        resolved_late=row.get("resolved_late", 0),
        pending_overdue=row.get("pending_overdue", 0),
        satisfied_answers=survey.satisfied,
        survey_answers=survey.total,
        survey_responses=survey.responses,
    )


TREND_SQL = """
    -- Received, resolved, on time and late per period, as Biểu số 06 counts them (queries/sql/period_counts.sql:
    -- received = accepted in the period; resolved = finished in the period, received by its end), for
    -- every period at once: one scan of the window instead of one Biểu 06 query per period.
    WITH periods AS (  -- DISTINCT: a period asked for twice must not count its dossiers twice
        SELECT DISTINCT unnest($starts::DATE[]) AS p_start, unnest($ends::DATE[]) AS p_end
    ), scoped AS (
        -- Received in the window, or received before it and finished in it: two disjoint scans with
        -- plain date conditions, which skip the row groups outside the window (an OR across the two
        -- dates would read every dossier).
        SELECT d.received_date, d.finished_date, d.is_resolved, d.timeliness
        FROM (SELECT * FROM dossiers WHERE is_received AND received_date BETWEEN $window_start AND $window_end
              UNION ALL
              SELECT * FROM dossiers WHERE is_received AND is_resolved AND received_date < $window_start
                  AND finished_date BETWEEN $window_start AND $window_end) d
        WHERE {scope_sql} AND {selection_sql}
    ), by_day AS (  -- per received day: a few hundred rows to join with the periods, not millions
        SELECT received_date, count(*) AS n FROM scoped
        WHERE received_date >= $window_start GROUP BY received_date
    ), by_finish AS (  -- per finish day and received day (resolved needs: received by the period end)
        SELECT finished_date, received_date, count(*) AS n,
               count_if(timeliness IN ('early', 'on_time')) AS in_time, count_if(timeliness = 'late') AS late
        FROM scoped WHERE is_resolved AND finished_date BETWEEN $window_start AND $window_end
        GROUP BY finished_date, received_date
    ), received AS (
        SELECT p.p_start, CAST(sum(s.n) AS BIGINT) AS received
        FROM periods p JOIN by_day s ON s.received_date BETWEEN p.p_start AND p.p_end
        GROUP BY p.p_start
    ), resolved AS (
        SELECT p.p_start, CAST(sum(s.n) AS BIGINT) AS resolved,
               CAST(sum(s.in_time) AS BIGINT) AS resolved_in_time, CAST(sum(s.late) AS BIGINT) AS resolved_late
        FROM periods p JOIN by_finish s
          ON s.finished_date BETWEEN p.p_start AND p.p_end AND s.received_date <= p.p_end
        GROUP BY p.p_start
    )
    SELECT p.p_start AS period_start, coalesce(r.received, 0) AS received, coalesce(v.resolved, 0) AS resolved,
           coalesce(v.resolved_in_time, 0) AS resolved_in_time, coalesce(v.resolved_late, 0) AS resolved_late
    FROM periods p LEFT JOIN received r USING (p_start) LEFT JOIN resolved v USING (p_start)
"""


def trend(con: duckdb.DuckDBPyConnection, filters: Filters, periods: tuple[Period, ...]) -> pl.DataFrame:
    """One row per period (oldest first): received, resolved, on-time rate, late — the figures
    `kpis` gives for each period (tests/test_briefing.py checks they agree), in one query."""
    schema = {"period_start": pl.Date, "period_end": pl.Date, "label": pl.String, "short_label": pl.String,
              "received": pl.Int64, "resolved": pl.Int64, "resolved_late": pl.Int64, "on_time_rate": pl.Float64}
    if not periods:
        return pl.DataFrame(schema=schema)
    sql = TREND_SQL.replace("{scope_sql}", SCOPE_SQL).replace("{selection_sql}", SELECTION_SQL)
    params = {**filters.params(), "starts": [p.start for p in periods], "ends": [p.end for p in periods],
              "window_start": min(p.start for p in periods), "window_end": max(p.end for p in periods)}
    counts = {r["period_start"]: r for r in frame(con, sql, params).iter_rows(named=True)}
    rows = []
    for period in periods:
        c = counts.get(period.start, {})
        resolved = int(c.get("resolved") or 0)
        rows.append({"period_start": period.start, "period_end": period.end, "label": period.label(),
                     "short_label": period.short_label(), "received": int(c.get("received") or 0),
                     "resolved": resolved, "resolved_late": int(c.get("resolved_late") or 0),
                     "on_time_rate": (c.get("resolved_in_time") or 0) / resolved if resolved else None})
    return pl.DataFrame(rows, schema=schema)


def field_changes(con: duckdb.DuckDBPyConnection, filters: Filters, previous: Filters) -> pl.DataFrame:
    """Dossiers received per field in the period and the previous one, largest moves first."""
    return field_changes_of(volumes.cube(con, filters), volumes.cube(con, previous),
                            reference.fields(con, filters.scope))


def field_changes_of(counts: pl.DataFrame, before: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """`field_changes` from the two periods' Form 06 counts (queries.volumes.cube) and the field names
    (queries.reference.fields): field_code, field_name, received, received_before, change — the
    fields of the list with a dossier received in either period."""
    def received(cube: pl.DataFrame, name: str) -> pl.DataFrame:
        return cube.group_by(pl.col("group_field").alias("field_code")).agg(
            (pl.col("received_online") + pl.col("received_direct")).sum().alias(name))

    now, earlier = received(counts, "received"), received(before, "received_before")
    return (fields.select("field_code", "field_name")
            .join(now, on="field_code", how="left").join(earlier, on="field_code", how="left")
            .with_columns(pl.col("received", "received_before").fill_null(0).cast(pl.Int64))
            .filter((pl.col("received") > 0) | (pl.col("received_before") > 0))
            .with_columns(change=pl.col("received") - pl.col("received_before"))
            .sort([pl.col("change").abs(), pl.col("field_name")], descending=[True, False]))


@dataclass(frozen=True)
class PeriodDays:
    """The calendar of a period: how many days, how many working days, and its holidays."""

    days: int
    working_days: int
    holidays: tuple[tuple[date, str], ...]  # days off with a name (holidays, substitute days), in order


def period_days(con: duckdb.DuckDBPyConnection, filters: Filters) -> PeriodDays:
    """Days and working days of the filters' period from the `calendar` view (the one the due dates
    and lateness are counted on), with its named days off. The calendar is the same for every
    unit: the scope selects nothing here."""
    sql = """
        SELECT count(*), count(*) FILTER (is_working_day),
               list(struct_pack(d := cal_date, n := holiday_name) ORDER BY cal_date)
                   FILTER (NOT is_working_day AND holiday_name IS NOT NULL)
        FROM calendar WHERE cal_date BETWEEN $start AND $end
    """
    days, working, holidays = one_row(con, sql, {"start": filters.start, "end": filters.end})
    return PeriodDays(int(days), int(working), tuple((h["d"], h["n"]) for h in holidays or ()))


@dataclass(frozen=True, eq=False)
class Actions:
    """What the briefing asks units to do, from the late page's rules (queries/late.py): overdue
    dossiers and who holds them, late dossiers without an apology slip, dossiers due soon."""

    summary: late.LateSummary
    overdue: pl.DataFrame  # late.who_holds(kind="overdue")
    no_apology: pl.DataFrame  # late.who_holds(kind="no_apology")
    due_soon: pl.DataFrame  # late.who_holds(kind="due_soon")
    due_soon_until: date | None  # last working day of the due-soon window
    due_soon_days: int  # settings.toml [late] due_soon_working_days


def actions(con: duckdb.DuckDBPyConnection, filters: Filters, summary: late.LateSummary | None = None,
            units: int = 3, officers: int = 2) -> Actions:
    """The late page's summary (`summary`, when the caller has it from `late.cube`, else counted) and,
    per kind, the units (and officers) with most such dossiers."""
    holders = late.who_holds_all(con, filters, late.ACTION_KINDS, units=units, officers=officers)
    return Actions(summary or late.summary(con, filters), holders["overdue"], holders["no_apology"], holders["due_soon"],
                   late.due_soon_until(con, filters), settings().late.due_soon_working_days)
