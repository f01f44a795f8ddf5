"""Query layer: what is loaded and how fresh (home page, `python -m etl status`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, Scope
from queries.masking import MASKS


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
    """What is loaded for this viewer: counts, received-date range, last load.

    Every page shows it, so it reads little: one aggregate over the dossiers' unit and received
    date; the province sees every load and every rejected row, so the units each load wrote (a
    scan of every stored version) and the unit of each rejected row are looked up only for a
    viewer scoped to some units."""
    province = scope.unit_codes is None
    loads = _loads_in_scope(scope)
    rejects = ("SELECT count(DISTINCT (load_id, source_row, file_name)) FROM rejects WHERE severity = 'error'"
               if province else
               f"SELECT count(DISTINCT (load_id, source_row, file_name)) FROM ({_REJECTS}) d "
               f"WHERE severity = 'error' AND {SCOPE_SQL}")
    sql = f"""
        WITH d AS (
            SELECT count(*) AS dossiers, min(received_date) AS first_received, max(received_date) AS last_received,
                   count(DISTINCT unit_code) AS units_with_data
            FROM dossiers d WHERE {SCOPE_SQL}
        ), loads AS (  -- once: for a scoped viewer, finding his loads reads every stored version's unit
            SELECT count(*) AS loads, max(loaded_at) AS last_load_at FROM load_log l WHERE {loads}
        )
        SELECT
            d.dossiers,
            (SELECT count(*) FROM survey_responses d WHERE {SCOPE_SQL}),
            ({rejects}),
            loads.loads,
            d.first_received,
            d.last_received,
            loads.last_load_at,
            d.units_with_data
        FROM d, loads
    """
    return DatabaseSummary(*one_row(con, sql, scope.params()))


def unit_counts(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pl.DataFrame:
    """Dossiers per unit of the directory (zero where none), latest received date and the days since."""
    # The dossiers are counted per unit first (a hundred rows) and then joined with the directory:
    # joining millions of dossier rows with it costs a hash probe each.
    return frame(
        con,
        """
        WITH per_unit AS (
            SELECT d.unit_code, count(d.dossier_code) AS dossiers, max(d.received_date) AS last_received
            FROM dossiers d WHERE """ + SCOPE_SQL + """
            GROUP BY d.unit_code
        )
        SELECT u.unit_code, u.unit_name, u.unit_type, u.unit_level, coalesce(p.dossiers, 0) AS dossiers,
               p.last_received,
               date_diff('day', p.last_received, CAST($as_of AS DATE)) AS days_since_last
        FROM units u LEFT JOIN per_unit p ON p.unit_code = u.unit_code
        WHERE $scope_all OR list_contains($scope_units::VARCHAR[], u.unit_code)
        ORDER BY dossiers DESC, u.unit_name
        """,
        {**scope.params(), "as_of": as_of},
    )


def weekly_volume(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Dossiers received and resolved per week (Monday–Sunday) across all loaded data."""
    # Counted per day first, then per week: grouping millions of rows by a date is cheaper than
    # computing date_trunc on each, and a few hundred days are then put in their weeks.
    return frame(
        con,
        """
        WITH received AS (
            SELECT date_trunc('week', day) AS week_start, sum(n) AS n FROM (
                SELECT received_date AS day, count(*) AS n
                FROM dossiers d WHERE received_date IS NOT NULL AND is_received AND """ + SCOPE_SQL + """
                GROUP BY received_date)
            GROUP BY ALL
        ), resolved AS (
            SELECT date_trunc('week', day) AS week_start, sum(n) AS n FROM (
                SELECT finished_date AS day, count(*) AS n
                FROM dossiers d WHERE is_resolved AND """ + SCOPE_SQL + """
                GROUP BY finished_date)
            GROUP BY ALL
        )
        SELECT CAST(coalesce(r.week_start, s.week_start) AS DATE) AS week_start,
               CAST(coalesce(r.n, 0) AS BIGINT) AS received, CAST(coalesce(s.n, 0) AS BIGINT) AS resolved
        FROM received r FULL JOIN resolved s USING (week_start)
        ORDER BY week_start
        """,
        scope.params(),
    )


# Units each load wrote (every stored version of a dossier, and survey responses): a viewer
# scoped to some units sees the loads and rejected rows of those units only.
_LOAD_UNITS = """
    SELECT load_id, coalesce(resolving_unit_code, receiving_unit_code) AS unit_code FROM stg_dossier_versions
    UNION ALL SELECT load_id, unit_code FROM stg_survey_responses
"""
_LOADS_IN_SCOPE = f"($scope_all OR l.load_id IN (SELECT d.load_id FROM ({_LOAD_UNITS}) d WHERE {SCOPE_SQL}))"


def _loads_in_scope(scope: Scope) -> str:
    """Condition on load_log (alias l) for this viewer. The province sees every load: its condition is
    TRUE, not one DuckDB would still evaluate by reading every stored dossier version's unit."""
    return "TRUE" if scope.unit_codes is None else _LOADS_IN_SCOPE


def load_history(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int = 200,
                 files: frozenset[str] = frozenset(), loaded_by: frozenset[str] = frozenset(),
                 since: date | None = None, until: date | None = None) -> pl.DataFrame:
    """Loads (newest first) that wrote rows of units in scope, filtered by file names, who
    loaded, and load date (inclusive); the province sees every load."""
    sql = f"""
        SELECT l.* FROM load_log l
        WHERE {_loads_in_scope(scope)}
          AND (len($files::VARCHAR[]) = 0 OR list_contains($files::VARCHAR[], l.file_name))
          AND (len($users::VARCHAR[]) = 0 OR list_contains($users::VARCHAR[], l.loaded_by))
          AND ($since IS NULL OR CAST(l.loaded_at AS DATE) >= $since)
          AND ($until IS NULL OR CAST(l.loaded_at AS DATE) <= $until)
        ORDER BY l.load_id DESC LIMIT $limit
    """
    return frame(con, sql, {**scope.params(), "limit": limit, "files": sorted(files), "users": sorted(loaded_by),
                            "since": since, "until": until})


# A rejected row did not load, so its unit is taken from the dossier code when that dossier is
# stored (a warning, a duplicate, a later export), else from the unit the row names when that is
# a directory name as written, else from the load when the file held one unit.
_RAW_UNIT = ("lower(nfc_normalize(trim(coalesce(json_extract_string(r.raw_row, '$.resolving_unit'), "
             "json_extract_string(r.raw_row, '$.receiving_unit'), json_extract_string(r.raw_row, '$.unit')))))")
_REJECTS = f"""
    WITH load_units AS (  -- only the loads a reject names: every stored version is read otherwise
        SELECT load_id, min(unit_code) AS unit_code FROM ({_LOAD_UNITS})
        WHERE load_id IN (SELECT load_id FROM rejects)
        GROUP BY load_id HAVING count(DISTINCT unit_code) = 1
    ), known AS (  -- only the dossiers a reject names: a scan of millions otherwise, on every page
        SELECT DISTINCT ON (dossier_code) dossier_code, unit_code FROM dossiers
        WHERE dossier_code IN (SELECT dossier_code FROM rejects)
    ),
    named AS (SELECT DISTINCT ON (name) lower(nfc_normalize(unit_name)) AS name, unit_code FROM units)
    SELECT r.*, coalesce(k.unit_code, n.unit_code, lu.unit_code) AS unit_code
    FROM rejects r
    LEFT JOIN known k ON k.dossier_code = r.dossier_code
    LEFT JOIN named n ON n.name = {_RAW_UNIT}
    LEFT JOIN load_units lu ON lu.load_id = r.load_id
"""
# The whole row as read holds the applicant's name, phone, address and ID number.
_PERSONAL = ("applicant_name", "applicant_phone", "applicant_address", "applicant_id_number")


def _raw_row_sql() -> str:
    parts = ", ".join(
        f"'{key}', " + MASKS[key].replace("{col}", f"json_extract_string(d.raw_row, '$.{key}')") for key in _PERSONAL)
    return (f"CASE WHEN $personal_data OR d.raw_row IS NULL THEN d.raw_row "
            f"ELSE json_merge_patch(d.raw_row, json_object({parts})) END AS raw_row")


def rejects(con: duckdb.DuckDBPyConnection, scope: Scope, load_id: int | None = None, limit: int = 1000,
            files: frozenset[str] = frozenset(), severity: str | None = None,
            reasons: frozenset[str] = frozenset(), unit_code: str | None = None) -> pl.DataFrame:
    """Rejected and doubtful rows of units in scope (the province also sees rows whose unit is
    unknown), newest load first; the raw row's personal data masked unless the scope allows it."""
    sql = f"""
        SELECT d.* EXCLUDE (raw_row), {_raw_row_sql()}
        FROM ({_REJECTS}) d
        WHERE {SCOPE_SQL}
          AND ($load_id IS NULL OR d.load_id = $load_id)
          AND (len($files::VARCHAR[]) = 0 OR list_contains($files::VARCHAR[], d.file_name))
          AND ($severity IS NULL OR d.severity = $severity)
          AND (len($reasons::VARCHAR[]) = 0 OR list_contains($reasons::VARCHAR[], d.reason_code))
          AND ($unit IS NULL OR d.unit_code = $unit)
        ORDER BY d.load_id DESC, d.file_name, d.source_row, d.column_name LIMIT $limit
    """
    return frame(con, sql, {**scope.params(), "personal_data": scope.personal_data, "load_id": load_id,
                            "limit": limit, "files": sorted(files), "severity": severity,
                            "reasons": sorted(reasons), "unit": unit_code})


def reject_summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """What the reject filters can offer: one row per (file, severity, reason, unit) with counts."""
    sql = f"""
        SELECT d.file_name, max(d.load_id) AS load_id, d.severity, d.reason_code, d.unit_code,
               count(DISTINCT d.source_row) AS rows
        FROM ({_REJECTS}) d WHERE {SCOPE_SQL}
        GROUP BY ALL ORDER BY load_id DESC, d.file_name, d.severity, d.reason_code
    """
    return frame(con, sql, scope.params())
