"""Query layer: what is loaded and how fresh (home page, `python -m etl status`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from queries.connection import frame
from queries.filters import Scope


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


def database_summary(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> DatabaseSummary:
    scope = scope or Scope.province()
    params = {"scope_all": scope.unit_codes is None, "scope_units": sorted(scope.unit_codes or [])}
    row = con.execute(
        """
        SELECT
            (SELECT count(*) FROM dossiers d WHERE $scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code)),
            (SELECT count(*) FROM survey_responses s
              WHERE $scope_all OR list_contains($scope_units::VARCHAR[], s.unit_code)),
            (SELECT count(DISTINCT (load_id, source_row, file_name)) FROM rejects WHERE severity = 'error'),
            (SELECT count(*) FROM load_log),
            (SELECT min(received_date) FROM dossiers d
              WHERE $scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code)),
            (SELECT max(received_date) FROM dossiers d
              WHERE $scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code)),
            (SELECT max(loaded_at) FROM load_log),
            (SELECT count(DISTINCT unit_code) FROM dossiers d
              WHERE $scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code))
        """,
        params,
    ).fetchall()[0]
    return DatabaseSummary(*row)


def unit_counts(con: duckdb.DuckDBPyConnection, scope: Scope | None = None,
                as_of: date | None = None) -> pl.DataFrame:
    """Dossiers per unit of the directory (zero where none), latest received date and the days since."""
    scope = scope or Scope.province()
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
        {**_scope_params(scope), "as_of": as_of or date.today()},
    )


def weekly_volume(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Dossiers received and resolved per week (Monday–Sunday) across all loaded data."""
    return frame(
        con,
        """
        WITH received AS (
            SELECT date_trunc('week', received_date) AS week_start, count(*) AS n
            FROM dossiers d WHERE received_date IS NOT NULL AND status_code NOT IN (1, 3) AND """ + _SCOPE + """
            GROUP BY ALL
        ), resolved AS (
            SELECT date_trunc('week', finished_date) AS week_start, count(*) AS n
            FROM dossiers d WHERE is_resolved AND """ + _SCOPE + """
            GROUP BY ALL
        )
        SELECT CAST(coalesce(r.week_start, s.week_start) AS DATE) AS week_start,
               coalesce(r.n, 0) AS received, coalesce(s.n, 0) AS resolved
        FROM received r FULL JOIN resolved s USING (week_start)
        ORDER BY week_start
        """,
        _scope_params(scope),
    )


_SCOPE = "($scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code))"


def _scope_params(scope: Scope) -> dict:
    return {"scope_all": scope.unit_codes is None, "scope_units": sorted(scope.unit_codes or [])}


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
