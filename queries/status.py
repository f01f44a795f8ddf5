"""Query layer: what is loaded and how fresh (home page, `python -m etl status`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, Scope


@dataclass(frozen=True)
class DatabaseSummary:
    dossiers: int
    survey_responses: int
    rejects: int
    loads: int
    first_received: date | None
    last_received: date | None
    last_load_at: datetime | None
    units_with_data: int


def database_summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> DatabaseSummary:
    """What is loaded for this viewer: counts, received-date range, last load."""
    sql = f"""
        WITH d AS (SELECT * FROM dossiers d WHERE {SCOPE_SQL}),
             s AS (SELECT * FROM survey_responses d WHERE {SCOPE_SQL})
        SELECT
            (SELECT count(*) FROM d),
            (SELECT count(*) FROM s),
            (SELECT count(DISTINCT (load_id, source_row, file_name)) FROM rejects WHERE severity = 'error'),
            (SELECT count(*) FROM load_log),
            (SELECT min(received_date) FROM d),
            (SELECT max(received_date) FROM d),
            (SELECT max(loaded_at) FROM load_log),
            (SELECT count(DISTINCT unit_code) FROM d)
    """
    return DatabaseSummary(*one_row(con, sql, scope.params()))


def unit_counts(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pl.DataFrame:
    """Dossiers per unit of the directory (zero where none), latest received date and the days since."""
    return frame(
        con,
        """
        SELECT u.unit_code, u.unit_name, u.unit_type, u.unit_level, count(d.dossier_code) AS dossiers,
               max(d.received_date) AS last_received,
               date_diff('day', max(d.received_date), CAST($as_of AS DATE)) AS days_since_last
        FROM units u LEFT JOIN dossiers d ON d.unit_code = u.unit_code
        WHERE $scope_all OR list_contains($scope_units::VARCHAR[], u.unit_code)
        GROUP BY ALL ORDER BY dossiers DESC, u.unit_name
        """,
        {**scope.params(), "as_of": as_of},
    )


def weekly_volume(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Dossiers received and resolved per week (Monday–Sunday) across all loaded data."""
    return frame(
        con,
        """
        WITH received AS (
            SELECT date_trunc('week', received_date) AS week_start, count(*) AS n
            FROM dossiers d WHERE received_date IS NOT NULL AND status_code <> 1 AND """ + SCOPE_SQL + """
            GROUP BY ALL
        ), resolved AS (
            SELECT date_trunc('week', finished_date) AS week_start, count(*) AS n
            FROM dossiers d WHERE is_resolved AND """ + SCOPE_SQL + """
            GROUP BY ALL
        )
        SELECT CAST(coalesce(r.week_start, s.week_start) AS DATE) AS week_start,
               coalesce(r.n, 0) AS received, coalesce(s.n, 0) AS resolved
        FROM received r FULL JOIN resolved s USING (week_start)
        ORDER BY week_start
        """,
        scope.params(),
    )


def load_history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pl.DataFrame:
    return frame(
        con, "SELECT * FROM load_log ORDER BY load_id DESC LIMIT $limit", {"limit": limit}
    )


def rejects(con: duckdb.DuckDBPyConnection, load_id: int | None = None, limit: int = 1000) -> pl.DataFrame:
    return frame(
        con, """
        SELECT * FROM rejects WHERE $load_id IS NULL OR load_id = $load_id
        ORDER BY load_id DESC, file_name, source_row LIMIT $limit
        """,
        {"load_id": load_id, "limit": limit},
    )
