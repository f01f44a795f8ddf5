"""ETL standby catch-up: brings the store's standby copy (the database as published one load ago)
up to the database as published now, by replaying from the published file the rows that load wrote.

Called by core/store.py in the writer, with the published file attached read-only; writes only
the standby. Every row a load writes carries that load's id (a replaced current version is written
anew, a provenance change sets load_id), so the rows to replay are found from the load ids above
the standby's last one. Tables not named below are small (reference tables, meta, the store's
own version row, appraisal scores) and copied whole."""
from __future__ import annotations

from core.store import StandbyMismatch
from etl.marts import only_new_dossiers

# Tables replayed by key; the others are copied whole.
REPLAYED = ("load_log", "rejects", "mart_dossiers", "stg_dossier_superseded", "mart_ratings", "stg_ratings",
            "stg_rating_criteria", "stg_survey_responses", "stg_survey_answers")

# sync_stored: the dossiers the last load wrote that the standby may hold an earlier row of; none
# when its dossier files only added dossiers (load_log: no row updated or unchanged), so that a
# weekly load of new dossiers does not scan every stored one to delete nothing.
_KEYS = """
CREATE OR REPLACE TEMP TABLE sync_dossiers AS SELECT dossier_code FROM {p}.mart_dossiers WHERE load_id > $m;
CREATE OR REPLACE TEMP TABLE sync_stored AS
    SELECT dossier_code FROM sync_dossiers
    WHERE EXISTS (SELECT 1 FROM {p}.load_log WHERE load_id > $m AND kind = 'dossier'
                  AND coalesce(rows_updated, 0) + coalesce(rows_unchanged, 0) > 0);
CREATE OR REPLACE TEMP TABLE sync_versions AS
    SELECT dossier_code FROM sync_stored
    UNION SELECT dossier_code FROM {p}.stg_dossier_superseded WHERE load_id > $m;
CREATE OR REPLACE TEMP TABLE sync_rating_keys AS SELECT rating_key FROM {p}.stg_ratings WHERE load_id > $m;
CREATE OR REPLACE TEMP TABLE sync_rating_codes AS
    SELECT dossier_code FROM sync_dossiers
    UNION SELECT dossier_code FROM {p}.stg_ratings WHERE load_id > $m AND dossier_code IS NOT NULL
    UNION SELECT dossier_code FROM mart_ratings
          WHERE rating_key IN (SELECT rating_key FROM sync_rating_keys) AND dossier_code IS NOT NULL;
CREATE OR REPLACE TEMP TABLE sync_responses AS
    SELECT response_key FROM {p}.stg_survey_responses WHERE load_id > $m
"""
# (table, rows of the standby to delete, rows of the published file to insert), in this order.
_REPLAY = (
    ("load_log", "FALSE", "load_id > $m"),
    ("rejects", "FALSE", "load_id > $m"),
    ("mart_dossiers", "dossier_code IN (SELECT dossier_code FROM sync_stored)", "load_id > $m"),
    ("stg_dossier_superseded", "dossier_code IN (SELECT dossier_code FROM sync_versions)",
     "dossier_code IN (SELECT dossier_code FROM sync_versions)"),
    # The ratings mart: the rows etl/marts.py update_since recomputes (their key or their dossier).
    ("mart_ratings", ("rating_key IN (SELECT rating_key FROM sync_rating_keys) "
                      "OR dossier_code IN (SELECT dossier_code FROM sync_rating_codes)"), None),
    ("stg_ratings", "rating_key IN (SELECT rating_key FROM sync_rating_keys)", "load_id > $m"),
    ("stg_rating_criteria", "rating_key IN (SELECT rating_key FROM sync_rating_keys)", None),
    ("stg_survey_responses", "response_key IN (SELECT response_key FROM sync_responses)", "load_id > $m"),
    ("stg_survey_answers", "response_key IN (SELECT response_key FROM sync_responses)", None),
)


def catch_up(con, source: str) -> None:
    """Replay onto the database of `con` what the last load wrote into the attached catalog
    `source`. Raises StandbyMismatch when `con` is not the database that load started from."""
    p = f"{source}.main"
    _check_layout(con, source)
    m = con.execute("SELECT coalesce(max(load_id), 0) FROM load_log").fetchall()[0][0]
    mine, theirs = con.execute(f"SELECT (SELECT count(*) FROM load_log), "
                               f"(SELECT count(*) FROM {p}.load_log WHERE load_id <= $m)", {"m": m}).fetchall()[0]
    if mine != theirs:
        raise StandbyMismatch(f"the standby's {mine} loads are not the published file's first {theirs}")
    for statement in _KEYS.format(p=p).split(";"):
        _run(con, statement, m)
    only_new = only_new_dossiers(con, m, f"{p}.")
    for table, remove, insert in _REPLAY:
        if table == "mart_ratings" and only_new:  # nothing of it to delete; what the load added carries its id
            remove, insert = "FALSE", "load_id > $m"
        _run(con, f"DELETE FROM {table} WHERE {remove}", m)
        _run(con, f"INSERT INTO {table} SELECT * FROM {p}.{table} WHERE {insert or remove}", m)
    for table in ("sync_dossiers", "sync_stored", "sync_versions", "sync_rating_keys", "sync_rating_codes",
                  "sync_responses"):
        con.execute(f"DROP TABLE {table}")
    for table in _small_tables(con, source):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {p}.{table}")


def _run(con, sql: str, m: int) -> None:
    con.execute(sql, {"m": m} if "$m" in sql else None)


def _tables(con, catalog: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = $d "
                                      "AND schema_name = 'main'", {"d": catalog}).fetchall()}


def _small_tables(con, source: str) -> list[str]:
    return sorted(_tables(con, source) - set(REPLAYED))


def _check_layout(con, source: str) -> None:
    """The replayed tables have the same columns in both files, and the standby has no table the
    published file lacks (the views, made by the same code version, are then the same)."""
    mine = con.execute("SELECT current_database()").fetchall()[0][0]
    extra = _tables(con, mine) - _tables(con, source)
    if extra:
        raise StandbyMismatch(f"tables only in the standby: {sorted(extra)}")
    layout = ("SELECT table_name, column_index, column_name, data_type FROM duckdb_columns() "
              "WHERE database_name = $d AND schema_name = 'main' AND table_name IN "
              f"({', '.join(repr(t) for t in REPLAYED)}) ORDER BY 1, 2")
    if con.execute(layout, {"d": mine}).fetchall() != con.execute(layout, {"d": source}).fetchall():
        raise StandbyMismatch("the replayed tables differ in their columns")
