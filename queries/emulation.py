"""Query layer: the counts behind the emulation-contest criteria, one row per unit of a group;
read-only, scope always applied, never imports Streamlit.

Timeliness, online share and late counts are Biểu số 06 counts (`period_counts(by="unit")`),
so a unit's timeliness score always agrees with its Form 06 for the same period. The other
counts (fees paid online, digitised, electronic result, synchronised, ratings, apologies) come
from one query with the same period rules: received in the period (status ≠ 1), or resolved
in it (status 9/10 with the finish date in the period).
"""
from __future__ import annotations

import duckdb
import polars as pl

from queries.connection import frame, one_row
from queries.dossiers import period_counts
from queries.filters import SCOPE_SQL, Filters, Scope

# Ratings (1 = Không hài lòng): from the `ratings` view when the database has it (rating exports
# plus the ratings dossier exports carry, dated by rating_date), else from dossiers.rating_code of
# the dossiers resolved in the period.
_RATINGS_SQL = f"""
SELECT d.unit_code, count(*) AS rated, count(*) FILTER (d.rating_code = 1) AS unsatisfied
FROM ratings d
JOIN units u ON u.unit_code = d.unit_code
WHERE {SCOPE_SQL} AND list_contains($unit_types::VARCHAR[], u.unit_type)
  AND d.rating_code IS NOT NULL AND d.rating_date BETWEEN $start AND $end
GROUP BY d.unit_code
"""
_EXTRA_SQL = f"""
WITH scoped AS (
    SELECT d.*,
           d.received_date BETWEEN $start AND $end AS in_period,
           d.is_resolved AND d.finished_date BETWEEN $start AND $end AS resolved
    FROM dossiers d
    JOIN units u ON u.unit_code = d.unit_code
    WHERE d.is_received
      AND {SCOPE_SQL}
      AND list_contains($unit_types::VARCHAR[], u.unit_type)
      AND ((d.received_date BETWEEN $start AND $end) OR (d.is_resolved AND d.finished_date BETWEEN $start AND $end))
)
SELECT
    unit_code,
    count(*) FILTER (in_period AND fee_amount > 0 AND paid_online IS NOT NULL) AS fee_bearing,
    count(*) FILTER (in_period AND fee_amount > 0 AND paid_online) AS fee_paid_online,
    count(*) FILTER (in_period AND is_digitised IS NOT NULL) AS digitised_known,
    count(*) FILTER (in_period AND is_digitised) AS digitised,
    count(*) FILTER (resolved AND has_e_result IS NOT NULL) AS e_result_known,
    count(*) FILTER (resolved AND has_e_result) AS e_result,
    count(*) FILTER (in_period AND is_synced IS NOT NULL) AS sync_known,
    count(*) FILTER (in_period AND is_synced) AS synced,
    count(*) FILTER (resolved AND rating_code IS NOT NULL) AS rated,
    count(*) FILTER (resolved AND rating_code = 1) AS unsatisfied,
    count(*) FILTER (resolved AND timeliness = 'late' AND apology_issued_at IS NOT NULL) AS late_apology
FROM scoped
GROUP BY unit_code
"""
_FORM06_COLUMNS = ("resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
                   "pending_within", "pending_overdue", "pending_total", "received_online", "received_direct")
EXTRA_COLUMNS = ("fee_bearing", "fee_paid_online", "digitised_known", "digitised", "e_result_known", "e_result",
                 "sync_known", "synced", "rated", "unsatisfied", "late_apology")
# Counts derived from the Form 06 columns (see scoring/metrics.py for which metric uses which).
METRIC_COLUMNS = _FORM06_COLUMNS + EXTRA_COLUMNS + (
    "handled_on_time", "handled", "received_in_period", "resolved")


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
    units = group_units(con, filters.scope, unit_types)
    counts = period_counts(con, filters, by="unit").rename({"group_key": "unit_code"})
    params = {**filters.params(), "unit_types": list(unit_types)}
    extra = frame(con, _EXTRA_SQL, params)
    if extra.height == 0:
        extra = pl.DataFrame(schema={"unit_code": pl.String, **{c: pl.Int64 for c in EXTRA_COLUMNS}})
    source = _rating_source(con)
    if source == "ratings":
        ratings = frame(con, _RATINGS_SQL, params)
        extra = extra.drop("rated", "unsatisfied").join(ratings, on="unit_code", how="full", coalesce=True)
    out = (units.join(counts.select("unit_code", *_FORM06_COLUMNS), on="unit_code", how="left")
           .join(extra, on="unit_code", how="left")
           .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in _FORM06_COLUMNS + EXTRA_COLUMNS))
    return out.with_columns(
        handled_on_time=pl.col("resolved_early") + pl.col("resolved_on_time") + pl.col("pending_within"),
        handled=pl.col("resolved_total") + pl.col("pending_total"),
        received_in_period=pl.col("received_online") + pl.col("received_direct"),
        resolved=pl.col("resolved_total"),
        rating_source=pl.lit(source),  # 'ratings' (the ratings view) or 'dossiers' (dossiers.rating_code)
    )


def _rating_source(con: duckdb.DuckDBPyConnection) -> str:
    """'ratings' when the database has the ratings view, else 'dossiers' (the dossier column)."""
    (present,) = one_row(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'ratings'")
    return "ratings" if present else "dossiers"


def appraisal_scores(con: duckdb.DuckDBPyConnection, scope: Scope, scheme_code: str,
                     period_key: str) -> pl.DataFrame:
    """Appraised scores stored for a scheme and period (unit_code, criterion_code, score), within scope.
    An empty frame when no appraisal was ever imported into this database."""
    empty = pl.DataFrame(schema={"unit_code": pl.String, "criterion_code": pl.String, "score": pl.Float64})
    (present,) = one_row(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'appraisal_scores'")
    if not present:
        return empty
    result = frame(con, f"""
        SELECT d.unit_code, d.criterion_code, d.score FROM appraisal_scores d
        WHERE {SCOPE_SQL} AND d.scheme_code = $scheme AND d.period_key = $period
        ORDER BY d.unit_code, d.criterion_code
    """, {**scope.params(), "scheme": scheme_code, "period": period_key})
    return result if result.height else empty
