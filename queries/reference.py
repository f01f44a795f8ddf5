"""Query layer: reference lists for pickers (units within a scope, fields in use)."""
from __future__ import annotations

import duckdb
import polars as pl

from queries.connection import frame
from queries.filters import SCOPE_SQL, Scope


def units(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Units the viewer may pick: provincial departments first, then communes by name."""
    return frame(
        con,
        """
        SELECT unit_code, unit_name, unit_type, unit_level FROM units u
        WHERE $scope_all OR list_contains($scope_units::VARCHAR[], u.unit_code)
        ORDER BY unit_level DESC, unit_name
        """,
        scope.params(),
    )


def fields(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Fields that have at least one dossier of a unit in scope, the catalogue's first."""
    return frame(
        con,
        f"""
        SELECT f.field_code, f.field_name, f.in_catalogue
        FROM fields f WHERE f.field_code IN (SELECT DISTINCT d.field_code FROM dossiers d WHERE {SCOPE_SQL})
        ORDER BY NOT f.in_catalogue, f.field_name
        """,
        scope.params(),
    )
