"""ETL marts: the derived columns of dossiers, the ratings mart and the analyst views, written by
the load (etl/load.py) inside its transaction on the work copy. Only the rows a load touched are
recomputed, unless the rules they follow changed; never reads files, never publishes.

What the rows follow (the calendar, the status groups, the [timeliness] settings and this module's
version) is summed up in a fingerprint kept in `meta`: when it differs from the one the stored rows
were computed under, every row is recomputed (as `python -m etl rebuild` does), so a load after an
edit of calendar_overrides.csv or settings.toml gives the same figures as a rebuild."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

from core.settings import settings
from etl.schema import DOSSIER_COLUMNS, MART_DOSSIERS

SQL_FILE = Path(__file__).parent / "sql" / "marts.sql"
MARTS_VERSION = "4"  # 3: is_received / is_open / is_closed_other; 4: one dossier table, rows written per load
STORED = ", ".join(c.name for c in DOSSIER_COLUMNS)
# settings.toml values → SQL; anything else is refused by core.settings before it gets here.
FINISHED_EXPR = {"finished": "d.finished_at", "returned": "coalesce(d.returned_at, d.finished_at)"}
DUE_DATE_EXPR = {"as_is": "CAST(d.due_at AS DATE)",
                 "next_working_day": "coalesce(nw.next_working_day, CAST(d.due_at AS DATE))"}


def _sections() -> dict[str, str]:
    text = SQL_FILE.read_text(encoding="utf-8")
    parts = re.split(r"^-- @(\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body for name, body in zip(parts[1::2], parts[2::2])}


def _statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def dossier_select(source: str) -> str:
    """SELECT of every mart_dossiers column for the dossiers in `source` (stored columns)."""
    timeliness = settings().timeliness
    [sql] = _statements(_sections()["mart_dossiers"])
    return (sql.replace("{finished_expr}", FINISHED_EXPR[timeliness.compare_date])
            .replace("{due_date_expr}", DUE_DATE_EXPR[timeliness.due_on_day_off])
            .replace("{source}", source))


def ratings_select(rating_where: str = "TRUE", dossier_where: str = "TRUE") -> str:
    [sql] = _statements(_sections()["mart_ratings"])
    return sql.replace("{rating_where}", rating_where).replace("{dossier_where}", dossier_where)


def rules_fingerprint(con) -> str:
    """md5 of what the derived columns depend on besides the row itself."""
    timeliness = settings().timeliness
    calendar, statuses = con.execute("""
        SELECT (SELECT md5(coalesce(string_agg(concat_ws('|', cal_date, is_working_day, wd_seq), ','
                                               ORDER BY cal_date), '')) FROM ref_calendar),
               (SELECT md5(coalesce(string_agg(concat_ws('|', status_code, status_group), ','
                                               ORDER BY status_code), '')) FROM ref_status_codes)
    """).fetchall()[0]
    parts = (MARTS_VERSION, timeliness.compare_date, timeliness.due_on_day_off, calendar, statuses)
    return hashlib.md5("\n".join(parts).encode()).hexdigest()


def stored_meta(con) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def needs_full(con) -> bool:
    """True when the stored rows were not computed under today's rules (or never were)."""
    meta = stored_meta(con)
    return meta.get("marts_version") != MARTS_VERSION or meta.get("marts_rules") != rules_fingerprint(con)


def build_all(con) -> None:
    """Recompute every derived column and the ratings mart; (re)create the views."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE mart_stored AS SELECT {STORED} FROM mart_dossiers")
    con.execute(f"CREATE OR REPLACE TABLE mart_dossiers AS {dossier_select('mart_stored')}")
    con.execute("DROP TABLE mart_stored")
    con.execute(f"CREATE OR REPLACE TABLE mart_ratings AS {ratings_select()}")
    create_views(con)
    stamp(con)


def create_views(con) -> None:
    for statement in _statements(_sections()["views"]):
        con.execute(statement)
    con.execute(f"CREATE OR REPLACE VIEW stg_dossier_current AS SELECT {STORED} FROM mart_dossiers")
    con.execute("CREATE OR REPLACE VIEW stg_dossier_versions AS SELECT * FROM stg_dossier_superseded "
                "UNION ALL SELECT * FROM stg_dossier_current")


# True when the loads after $m only added dossiers: no rating export loaded, every dossier file's rows
# new (none updated, repeated, stale or kept: all of those count in rows_updated or rows_unchanged), and
# no stored rating naming one of its dossiers. Then no row of the ratings mart concerned those
# dossiers before (a dossier's own row 'hs:' + code exists only once it is stored), and the rows the
# ratings mart gains are exactly those carrying a load id after $m. {p}: '' or an attached catalog
# ('published.main.'), for the standby's catch-up (etl/sync.py).
ONLY_NEW_DOSSIERS = """
SELECT NOT EXISTS (SELECT 1 FROM {p}stg_ratings WHERE load_id > $m)
   AND NOT EXISTS (SELECT 1 FROM {p}load_log WHERE load_id > $m AND kind = 'dossier'
                   AND coalesce(rows_updated, 0) + coalesce(rows_unchanged, 0) > 0)
   AND NOT EXISTS (SELECT 1 FROM {p}stg_ratings WHERE dossier_code IN
                   (SELECT dossier_code FROM {p}mart_dossiers WHERE load_id > $m))
"""


def only_new_dossiers(con, load_id: int, catalog: str = "") -> bool:
    return con.execute(ONLY_NEW_DOSSIERS.format(p=catalog), {"m": load_id}).fetchall()[0][0]


def update_since(con, load_id: int) -> None:
    """The ratings mart for what loads after `load_id` touched. (Their dossiers' derived columns
    were written with the rows, by the merge.)

    A ratings-mart row depends on its rating (key K) and on its dossier (code); a dossier's own
    rating row ('hs:' + code) also on whether a rating export names that dossier. So the rows to
    recompute are those whose key is a rating loaded since, or whose dossier is one loaded since,
    or one such a rating names now or named before (A below); the same predicate picks the rows
    to delete and the rows to insert, so the mart equals a full rebuild. After loads of only new
    dossiers (ONLY_NEW_DOSSIERS) that predicate matches no stored row, and the delete is skipped."""
    con.execute("CREATE OR REPLACE TEMP TABLE touched_rating_keys AS "
                "SELECT rating_key FROM stg_ratings WHERE load_id > $m", {"m": load_id})
    # Dossiers named by a rating loaded since, now or before (usually none: a dossier export only).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE touched_rated_codes AS
        SELECT dossier_code FROM stg_ratings WHERE load_id > $m AND dossier_code IS NOT NULL
        UNION
        SELECT dossier_code FROM mart_ratings
        WHERE rating_key IN (SELECT rating_key FROM touched_rating_keys) AND dossier_code IS NOT NULL
    """, {"m": load_id})
    keys = "SELECT rating_key FROM touched_rating_keys"
    if con.execute("SELECT count(*) FROM touched_rated_codes").fetchall()[0][0]:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE touched_rating_codes AS
            SELECT dossier_code FROM mart_dossiers WHERE load_id > $m
            UNION SELECT dossier_code FROM touched_rated_codes
        """, {"m": load_id})
        codes = "SELECT dossier_code FROM touched_rating_codes"
        dossiers = f"d.dossier_code IN ({codes})"
    else:
        # then every touched dossier was written since: its row says so (a dossier's row is the
        # only one with its code), so the scan needs no list of codes
        codes = f"SELECT dossier_code FROM mart_dossiers WHERE load_id > {int(load_id)}"
        dossiers = f"d.load_id > {int(load_id)}"
    if con.execute("SELECT count(*) FROM mart_ratings").fetchall()[0][0] and not only_new_dossiers(con, load_id):
        con.execute(f"DELETE FROM mart_ratings WHERE rating_key IN ({keys}) OR dossier_code IN ({codes})")
    con.execute("INSERT INTO mart_ratings BY NAME " + ratings_select(
        f"(r.rating_key IN ({keys}) OR r.dossier_code IN ({codes}))", dossiers))
    for table in ("touched_rating_keys", "touched_rated_codes", "touched_rating_codes"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def ensure_tables(con) -> None:
    """mart_ratings and the views in a database that has none yet (a new file)."""
    con.execute(MART_DOSSIERS.ddl())
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mart_ratings'").fetchall()[0][0]
    if not exists:
        con.execute(f"CREATE TABLE mart_ratings AS {ratings_select('FALSE', 'FALSE')}")
    create_views(con)


def stamp(con) -> None:
    values = {"marts_built_at": datetime.now().isoformat(timespec="seconds"), "marts_version": MARTS_VERSION,
              "marts_rules": rules_fingerprint(con)}
    for key, value in values.items():
        con.execute("DELETE FROM meta WHERE key = $k", {"k": key})
        con.execute("INSERT INTO meta VALUES ($k, $v)", {"k": key, "v": value})
