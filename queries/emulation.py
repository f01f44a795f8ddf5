"""Query layer: the counts behind the emulation-contest criteria, one row per unit of a group (and per
period, for several periods at once); read-only, scope always applied, never imports Streamlit.

Timeliness, online share and late counts are Biểu số 06 counts with the rules of
queries/sql/period_counts.sql, so a unit's timeliness score always agrees with its Form 06 for the
same period. The other counts (fees paid online, digitised, electronic result, synchronised, ratings,
apologies) follow the same period rules: received in the period (status ≠ 1), or resolved in it
(status 9/10 with the finish date in the period).

All periods asked for are counted in one statement, by family of counts, each family reading only
the dossiers it concerns through filters DuckDB applies in the table scan: received in the span of
the periods, resolved in it, or open at the end of one of them. A period's figures are those of the
same statement run for that period alone (tests/test_rank_periods.py checks it). The viewer's scope
applies where the counts meet the units of the group (_METRICS_SELECT): a count of a unit outside
it is never returned.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise

import duckdb
import polars as pl

from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters, Scope

# The periods as rows, from bound lists, and each of their days (periods never overlap, so a day
# belongs to one period at most: a dossier is counted once per period it concerns).
_PERIODS_SQL = """
periods AS (
    SELECT unnest(range(len($starts::DATE[]))) AS period_index, unnest($starts::DATE[]) AS period_start,
           unnest($ends::DATE[]) AS period_end, unnest($cuts::DATE[]) AS cut
),
days AS (
    SELECT period_index, period_end,
           CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS day
    FROM periods
)"""
# Every dossier family below reads `dossiers` through filters the table scan applies; {selection}
# is SELECTION_SQL, or TRUE when nothing is selected.
# Received in a period (Biểu số 06 columns 3–4 and the shares of received dossiers).
# count(x) counts known values, sum(flag::INT) the true ones: count(*) FILTER (…) without its cost.
_RECEIVED_SQL = """
received AS (
    SELECT d.unit_code, y.period_index,
           sum(d.is_online::INT) AS received_online,
           sum((NOT d.is_online)::INT) AS received_direct,
           sum((d.fee_amount > 0 AND d.paid_online IS NOT NULL)::INT) AS fee_bearing,
           sum((d.fee_amount > 0 AND d.paid_online)::INT) AS fee_paid_online,
           count(d.is_digitised) AS digitised_known,
           sum(d.is_digitised::INT) AS digitised,
           count(d.is_synced) AS sync_known,
           sum(d.is_synced::INT) AS synced
    FROM dossiers d
    JOIN days y ON y.day = d.received_date
    WHERE d.is_received AND d.received_date BETWEEN $first AND $last AND {selection}
    GROUP BY d.unit_code, y.period_index
)"""
# Resolved in a period (status 9/10, finish date in it), first by timeliness (one grouping key costs
# less than a test per column). Biểu số 06 counts only dossiers received by the period end (a finish
# before the receipt is a data error); the other counts take them all.
_RESOLVED_SQL = """
resolved_by_timeliness AS (
    SELECT d.unit_code, y.period_index, d.timeliness,
           sum((d.received_date <= y.period_end)::INT) AS form06,
           count(d.has_e_result) AS e_result_known,
           sum(d.has_e_result::INT) AS e_result,
           count(d.rating_code) AS rated,
           sum((d.rating_code = 1)::INT) AS unsatisfied,
           count(d.apology_issued_at) AS apology
    FROM dossiers d
    JOIN days y ON y.day = d.finished_date
    WHERE d.is_received AND d.is_resolved AND d.finished_date BETWEEN $first AND $last AND {selection}
    GROUP BY d.unit_code, y.period_index, d.timeliness
),
resolved AS (
    SELECT unit_code, period_index,
           sum(form06) FILTER (timeliness = 'early') AS resolved_early,
           sum(form06) FILTER (timeliness = 'on_time') AS resolved_on_time,
           sum(form06) FILTER (timeliness = 'late') AS resolved_late,
           sum(form06) AS resolved_total,
           sum(e_result_known) AS e_result_known, sum(e_result) AS e_result,
           sum(rated) AS rated, sum(unsatisfied) AS unsatisfied,
           sum(apology) FILTER (timeliness = 'late') AS late_apology
    FROM resolved_by_timeliness
    GROUP BY unit_code, period_index
)"""
# In progress at a period's end (Biểu số 06 columns 11–13): received by then, neither closed otherwise
# nor finished by then. Only two kinds of dossier can be: the ones open now, and the resolved ones
# finished after the end of the period they were received in (or received before the first period);
# each is read by its own filtered scan, then matched with the periods whose end it spans.
_PENDING_SQL = """
spanning AS (
    SELECT d.unit_code, d.received_date, d.finished_date, d.is_resolved, d.due_date
    FROM dossiers d
    WHERE d.is_received AND NOT d.is_closed_other AND NOT d.is_resolved AND d.received_date <= $last
      AND {selection}
    UNION ALL
    SELECT d.unit_code, d.received_date, d.finished_date, d.is_resolved, d.due_date
    FROM dossiers d
    LEFT JOIN days y ON y.day = d.received_date
    WHERE d.is_received AND NOT d.is_closed_other AND d.is_resolved
      AND d.received_date <= $last AND d.finished_date > $first_end
      AND d.finished_date > d.received_date  -- tested before the join: nearly half finish the day received
      AND (y.period_end IS NULL OR d.finished_date > y.period_end)
      AND {selection}
),
pending AS (
    SELECT s.unit_code, p.period_index, count(*) AS pending_total,
           -- $cuts: each period's end, or today while it runs
           sum(coalesce(s.due_date < p.cut, FALSE)::INT) AS pending_overdue
    FROM spanning s
    JOIN periods p ON s.received_date <= p.period_end AND NOT (s.is_resolved AND s.finished_date <= p.period_end)
    GROUP BY s.unit_code, p.period_index
)"""
# Ratings (1 = Không hài lòng): from the `ratings` view when the database has it (rating exports
# plus the ratings dossier exports carry, dated by rating_date), else from dossiers.rating_code of
# the dossiers resolved in the period.
_RATINGS_SQL = {
    "ratings": """
rating_counts AS (
    SELECT d.unit_code, y.period_index, count(*) AS rated, count(*) FILTER (d.rating_code = 1) AS unsatisfied
    FROM ratings d
    JOIN days y ON y.day = d.rating_date
    WHERE d.rating_code IS NOT NULL AND d.rating_date BETWEEN $first AND $last AND {selection}
    GROUP BY d.unit_code, y.period_index
)""",
    "dossiers": """
rating_counts AS (SELECT unit_code, period_index, rated, unsatisfied FROM resolved)""",
}
_FORM06_COLUMNS = ("resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
                   "pending_within", "pending_overdue", "pending_total", "received_online", "received_direct")
EXTRA_COLUMNS = ("fee_bearing", "fee_paid_online", "digitised_known", "digitised", "e_result_known", "e_result",
                 "sync_known", "synced", "rated", "unsatisfied", "late_apology")
# Counts derived from the Form 06 columns (see scoring/metrics.py for which metric uses which).
METRIC_COLUMNS = _FORM06_COLUMNS + EXTRA_COLUMNS + (
    "handled_on_time", "handled", "received_in_period", "resolved")
# Every unit of the group the viewer may see (the scope applies here) for every period, with its
# counts (zero where it has none).
_METRICS_SELECT = f"""
SELECT d.unit_code, d.unit_name, d.unit_type, p.period_start, p.period_end,
       r.received_online, r.received_direct, r.fee_bearing, r.fee_paid_online, r.digitised_known, r.digitised,
       r.sync_known, r.synced,
       f.resolved_early, f.resolved_on_time, f.resolved_late, f.resolved_total, f.e_result_known, f.e_result,
       f.late_apology, t.rated, t.unsatisfied,
       w.pending_total - w.pending_overdue AS pending_within, w.pending_overdue, w.pending_total
FROM units d
CROSS JOIN periods p
LEFT JOIN received r ON r.unit_code = d.unit_code AND r.period_index = p.period_index
LEFT JOIN resolved f ON f.unit_code = d.unit_code AND f.period_index = p.period_index
LEFT JOIN rating_counts t ON t.unit_code = d.unit_code AND t.period_index = p.period_index
LEFT JOIN pending w ON w.unit_code = d.unit_code AND w.period_index = p.period_index
WHERE {SCOPE_SQL} AND list_contains($unit_types::VARCHAR[], d.unit_type)
ORDER BY p.period_start, d.unit_name, d.unit_code
"""


def group_units(con: duckdb.DuckDBPyConnection, scope: Scope, unit_types: tuple[str, ...]) -> pl.DataFrame:
    """The units of a group (units.unit_type in `unit_types`) the viewer may see, by name."""
    return frame(con, f"""
        SELECT d.unit_code, d.unit_name, d.unit_type FROM units d
        WHERE {SCOPE_SQL} AND list_contains($unit_types::VARCHAR[], d.unit_type)
        ORDER BY d.unit_name, d.unit_code
    """, {**scope.params(), "unit_types": list(unit_types)})


def unit_metrics(con: duckdb.DuckDBPyConnection, filters: Filters, unit_types: tuple[str, ...]) -> pl.DataFrame:
    """One row per unit of the group (every unit, with zeros when it has no dossier) with the
    counts of METRIC_COLUMNS for filters.start … end.

    handled_on_time = resolved early + on time + in progress within deadline;
    handled = resolved + in progress (Biểu số 06 columns 7 + 11);
    received_in_period = received online + in person/postal in the period (without carried over);
    rating_source = where rated/unsatisfied came from ('ratings' view or 'dossiers' column)."""
    return period_metrics(con, filters, ((filters.start, filters.end),), unit_types) \
        .drop("period_start", "period_end")


def period_metrics(con: duckdb.DuckDBPyConnection, filters: Filters, periods: Sequence[tuple[date, date]],
                   unit_types: tuple[str, ...]) -> pl.DataFrame:
    """unit_metrics for each of `periods` ((start, end) pairs, inclusive, none overlapping another)
    in one statement: one row per period and unit, with period_start and period_end, oldest first.

    `filters` gives the scope, the unit and field selection (applied to every count) and as_of
    (today, for a period still running); its own start and end are not used. A unit or field
    selection narrows every count (unit_metrics once narrowed only the Biểu số 06 ones); the ranking
    never selects: it counts the whole group."""
    spans = sorted(set(periods))
    if not spans:
        raise ValueError("no period to count")
    for (_, end), (start, _) in pairwise(spans):
        if start <= end:
            raise ValueError(f"periods overlap: one ends {end}, the next starts {start}")
    source = _rating_source(con)
    params = {**filters.params(), "unit_types": list(unit_types),
              "starts": [s for s, _ in spans], "ends": [e for _, e in spans],
              "cuts": [min(e, filters.as_of) if filters.as_of else e for _, e in spans],
              "first": spans[0][0], "last": spans[-1][1], "first_end": spans[0][1]}
    ctes = (_PERIODS_SQL, _RECEIVED_SQL, _RESOLVED_SQL, _PENDING_SQL, _RATINGS_SQL[source])
    # The selection's test costs a scan of field_code: left out when nothing is selected.
    selection = SELECTION_SQL if filters.unit_codes or filters.field_codes else "TRUE"
    sql = "WITH " + ",".join(ctes).replace("{selection}", selection) + _METRICS_SELECT
    out = frame(con, sql, params)
    out = out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in _FORM06_COLUMNS + EXTRA_COLUMNS)
    return out.select("unit_code", "unit_name", "unit_type", "period_start", "period_end",
                      *_FORM06_COLUMNS, *EXTRA_COLUMNS).with_columns(
        handled_on_time=pl.col("resolved_early") + pl.col("resolved_on_time") + pl.col("pending_within"),
        handled=pl.col("resolved_total") + pl.col("pending_total"),
        received_in_period=pl.col("received_online") + pl.col("received_direct"),
        resolved=pl.col("resolved_total"),
        rating_source=pl.lit(source),  # 'ratings' (the ratings view) or 'dossiers' (dossiers.rating_code)
    )


def first_received(con: duckdb.DuckDBPyConnection, scope: Scope) -> date | None:
    """The first received date of the dossiers in scope (queries.status.database_summary's
    first_received, without the summary's other counts)."""
    (first,) = one_row(con, f"SELECT min(d.received_date) FROM dossiers d WHERE {SCOPE_SQL}", scope.params())
    return first
def _rating_source(con: duckdb.DuckDBPyConnection) -> str:
    """'ratings' when the database has the ratings view, else 'dossiers' (the dossier column)."""
    (present,) = one_row(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'ratings'")
    return "ratings" if present else "dossiers"


def appraisal_scores(con: duckdb.DuckDBPyConnection, scope: Scope, scheme_code: str,
                     period_key: str) -> pl.DataFrame:
    """Appraised scores stored for a scheme and period (unit_code, criterion_code, score), within scope.
    An empty frame when no appraisal was ever imported into this database."""
    return period_appraisal_scores(con, scope, scheme_code, (period_key,)).drop("period_key")


def period_appraisal_scores(con: duckdb.DuckDBPyConnection, scope: Scope, scheme_code: str,
                            period_keys: Sequence[str]) -> pl.DataFrame:
    """appraisal_scores of several periods at once (period_key, unit_code, criterion_code, score)."""
    empty = pl.DataFrame(schema={"period_key": pl.String, "unit_code": pl.String, "criterion_code": pl.String,
                                 "score": pl.Float64})
    (present,) = one_row(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'appraisal_scores'")
    if not present:
        return empty
    result = frame(con, f"""
        SELECT d.period_key, d.unit_code, d.criterion_code, d.score FROM appraisal_scores d
        WHERE {SCOPE_SQL} AND d.scheme_code = $scheme AND list_contains($periods::VARCHAR[], d.period_key)
        ORDER BY d.period_key, d.unit_code, d.criterion_code
    """, {**scope.params(), "scheme": scheme_code, "periods": list(period_keys)})
    return result if result.height else empty
