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


def unit_counts(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> pl.DataFrame:
    """Dossiers per unit of the directory (zero where none), with the latest received date."""
    scope = scope or Scope.province()
    return frame(
        con, """
        SELECT u.unit_code, u.unit_name, u.unit_type, count(d.dossier_code) AS dossiers,
               max(d.received_date) AS last_received
        FROM units u LEFT JOIN dossiers d ON d.unit_code = u.unit_code
        WHERE $scope_all OR list_contains($scope_units::VARCHAR[], u.unit_code)
        GROUP BY ALL ORDER BY dossiers DESC, u.unit_name
        """,
        {"scope_all": scope.unit_codes is None, "scope_units": sorted(scope.unit_codes or [])},
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
