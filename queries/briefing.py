"""Query layer: the weekly briefing's figures (KPIs, trend, units needing attention, field moves)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb
import polars as pl

from queries import satisfaction as sat
from queries.connection import frame, one_row
from queries.dossiers import period_counts
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
    counts = period_counts(con, filters, by="total")
    row = counts.row(0, named=True) if counts.height else {}
    survey = sat.survey_rate(con, filters)  # the satisfaction page's query (queries/satisfaction.py)
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


def overdue_now(con: duckdb.DuckDBPyConnection, filters: Filters, as_of: date) -> int:
    """Open dossiers past their due date today (period ignored: this is the current state)."""
    sql = f"""
        SELECT count(*) FROM dossiers d
        WHERE d.is_open AND d.due_date < $as_of
          AND {SCOPE_SQL} AND {SELECTION_SQL}
    """
    return one_row(con, sql, {**filters.params(), "as_of": as_of})[0]


def trend(con: duckdb.DuckDBPyConnection, filters: Filters, periods: tuple[Period, ...]) -> pl.DataFrame:
    """One row per period (oldest first): received, resolved, on-time rate, late."""
    rows = []
    for period in periods:
        k = kpis(con, replace(filters, start=period.start, end=period.end))
        rows.append({"period_start": period.start, "period_end": period.end, "label": period.label(),
                     "received": k.received, "resolved": k.resolved, "resolved_late": k.resolved_late,
                     "on_time_rate": k.on_time_rate})
    return pl.DataFrame(rows, schema={"period_start": pl.Date, "period_end": pl.Date, "label": pl.String,
                                      "received": pl.Int64, "resolved": pl.Int64, "resolved_late": pl.Int64,
                                      "on_time_rate": pl.Float64})


def units_needing_attention(con: duckdb.DuckDBPyConnection, filters: Filters, as_of: date,
                            limit: int = 10) -> pl.DataFrame:
    """Units with dossiers overdue now or resolved late in the period, worst first, volume beside."""
    sql = f"""
        WITH scoped AS (
            SELECT d.* FROM dossiers d WHERE {SCOPE_SQL} AND {SELECTION_SQL}
        ), per_unit AS (
            SELECT unit_code,
                count(*) FILTER (is_open AND due_date < $as_of)
                    AS overdue_now,
                count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end) AS resolved,
                count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end AND timeliness = 'late')
                    AS resolved_late,
                count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end AND timeliness = 'late'
                                 -- as on the late page: a slip counts only if issued before the due day
                                 AND NOT coalesce(CAST(apology_issued_at AS DATE) < due_date, FALSE))
                    AS late_without_apology
            FROM scoped GROUP BY unit_code
        )
        SELECT p.unit_code, u.unit_name, p.overdue_now, p.resolved, p.resolved_late,
               CASE WHEN p.resolved > 0 THEN p.resolved_late / p.resolved END AS late_rate,
               p.late_without_apology
        FROM per_unit p JOIN units u USING (unit_code)
        WHERE p.overdue_now > 0 OR p.resolved_late > 0
        ORDER BY p.overdue_now DESC, p.resolved_late DESC, u.unit_name
        LIMIT $limit
    """
    return frame(con, sql, {**filters.params(), "as_of": as_of, "limit": limit})


def field_changes(con: duckdb.DuckDBPyConnection, filters: Filters, previous: Filters) -> pl.DataFrame:
    """Dossiers received per field in the period and the previous one, largest moves first."""
    sql = f"""
        SELECT d.field_code, f.field_name,
            count(*) FILTER (d.received_date BETWEEN $start AND $end) AS received,
            count(*) FILTER (d.received_date BETWEEN $prev_start AND $prev_end) AS received_before
        FROM dossiers d JOIN fields f USING (field_code)
        WHERE d.is_received AND d.received_date BETWEEN $prev_start AND $end
          AND {SCOPE_SQL} AND {SELECTION_SQL}
        GROUP BY ALL
        ORDER BY abs(count(*) FILTER (d.received_date BETWEEN $start AND $end)
                     - count(*) FILTER (d.received_date BETWEEN $prev_start AND $prev_end)) DESC, f.field_name
    """
    params = {**filters.params(), "prev_start": previous.start, "prev_end": previous.end}
    return frame(con, sql, params).with_columns(change=pl.col("received") - pl.col("received_before"))
