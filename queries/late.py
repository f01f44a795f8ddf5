"""Query layer: late dossiers (page Trễ hạn); read-only, scope always applied, never imports Streamlit.

Three views of lateness for the filters (DOMAIN.md, Thông tư 01/2020/TT-VPCP):
- resolved late: finished in the period after the due day (`timeliness = 'late'` of the mart);
- overdue now: open (accepted, not resolved, not withdrawn/stopped/refused) and due before
  `as_of` (filters.as_of, else today) — the current state, whatever the period;
- due soon: open, due today or within the next `due_soon_working_days` working days (settings.toml
  [late]), counted on the `calendar` view's `wd_seq`.
Working days late: from the due day to the finish day (the mart's `late_working_days`), or to
`as_of` for an open dossier, a day off counting as the next working morning in both cases.
"Without apology": late (resolved late in the period or overdue now) and no apology slip issued at
least one day before the due date (DOMAIN.md, Apology) — a slip dated on or after the due day is
too late to count. Personal data is masked in SQL unless the scope allows it (queries.masking).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from core.calendar import WorkCalendar, default_calendar
from core.procedures import day_kind
from core.settings import settings
from core.text import normalize_dossier_code
from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, SELECTION_SQL, VISIBLE_SQL, Filters
from queries.masking import FOLD, MASKS, UNLESS_ALLOWED
from queries.periods import Period
from queries.standing import Standing, summarise

SQL_DIR = Path(__file__).parent / "sql"
_BASE = ((SQL_DIR / "late_base.sql").read_text(encoding="utf-8")
         .replace("{scope_sql}", SCOPE_SQL).replace("{selection_sql}", SELECTION_SQL))
UNKNOWN_PROCEDURE, UNKNOWN_OFFICER = "Chưa rõ thủ tục", "Chưa rõ cán bộ"

# Working-days-late buckets: (label, lowest, highest or None).
BUCKETS = (("1–2 ngày", 1, 2), ("3–5 ngày", 3, 5), ("6–10 ngày", 6, 10), ("Trên 10 ngày", 11, None))

# Which dossiers the list shows, chosen from this table, never from text a user typed.
LIST_KINDS = {
    "late": ("Trễ hạn và quá hạn", "l.is_resolved_late OR l.is_overdue"),
    "resolved_late": ("Đã giải quyết trễ hạn trong kỳ", "l.is_resolved_late"),
    "overdue": ("Đang quá hạn", "l.is_overdue"),
    "no_apology": ("Trễ hạn không xin lỗi", "l.is_without_apology"),
    "due_soon": ("Sắp đến hạn", "l.is_due_soon"),
}
# How the list sorts: (column, descending) pairs over the list's columns, nulls last both in SQL and
# when the list's parts are merged (late_list).
LIST_SORTS = {
    "days_late": ("Trễ nhiều ngày nhất", (("days_late", True), ("due_date", False), ("dossier_code", False))),
    "due": ("Hạn trả sớm nhất", (("due_date", False), ("dossier_code", False))),
    "received": ("Tiếp nhận gần nhất", (("received_at", True), ("dossier_code", False))),
    "unit": ("Theo đơn vị", (("unit_name", False), ("days_late", True), ("dossier_code", False))),
}
# Breakdown dimensions: key expression over `late l`, and the display name — over the key `g.group_key`
# with u = units, f = fields joined after counting, or, from the dossiers' own text, the most
# frequent among the group's rows (mode, as `l_name`).
DIMENSIONS = {
    "unit": ("l.unit_code", "coalesce(u.unit_name, g.group_key)"),
    "field": ("l.field_code", "coalesce(f.field_name, g.group_key)"),
    "procedure": ("coalesce(l.procedure_code, l.procedure_name, '')", f"coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}')"),
    "officer": ("coalesce(nullif(trim(l.officer_name), ''), '')",
                f"coalesce(nullif(trim(l.officer_name), ''), '{UNKNOWN_OFFICER}')"),
}
# Names looked up by key once counted, not joined to every dossier.
_NAMES_JOIN = {"unit": "LEFT JOIN units u ON u.unit_code = g.group_key",
               "field": "LEFT JOIN fields f ON f.field_code = g.group_key"}
_NAMED_AFTER = set(_NAMES_JOIN)
LIST_COLUMNS = (
    "state", "dossier_code", "procedure_code", "procedure_name", "field_name", "unit_code", "unit_name",
    "officer_name", "received_at", "due_at", "finished_at", "returned_at", "is_open", "days_late",
    "supplement_count", "apology_issued_at", "apology_due_at", "apology_state", "is_without_apology",
    "applicant_name", "applicant_phone",
)


def as_of_day(filters: Filters) -> date:
    """The day 'now' means for overdue and due soon: filters.as_of, else today."""
    return filters.as_of or date.today()


# Which dossiers the `late` CTE reads. Every flag of the page concerns a dossier open now or one
# finished in the period, so only those are read: two scans whose conditions DuckDB applies inside
# the table scan (zone maps skip row groups; the wide columns are read for matching rows only), where
# one OR would read every column of every dossier (late_list: 2.4 s → 0.3 s on 20M dossiers). `trend`
# reads the resolved dossiers of its span, a dossier's detail reads that dossier.
ROWS = {
    "period": ("SELECT * FROM dossiers WHERE is_open UNION ALL "
               "SELECT * FROM dossiers WHERE NOT is_open AND finished_date BETWEEN $start AND $end"),
    "open": "SELECT * FROM dossiers WHERE is_open",  # overdue and due soon: open dossiers only
    # Late (resolved late in the period, or overdue) and nothing else: the late list, buckets, holders.
    "late": ("SELECT * FROM dossiers WHERE is_open UNION ALL SELECT * FROM dossiers "
             "WHERE NOT is_open AND finished_date BETWEEN $start AND $end AND timeliness = 'late'"),
    "span": "SELECT * FROM dossiers WHERE is_resolved AND finished_date BETWEEN $span_start AND $span_end",
    # Finished in the period (resolved or not: the flags tell), for the cube's count of the resolved.
    "resolved_in_period": "SELECT * FROM dossiers WHERE NOT is_open AND finished_date BETWEEN $start AND $end",
    # The two parts of "late", each sorted and cut on its own by the list (`_LIST_PARTS`).
    "resolved_late": ("SELECT * FROM dossiers "
                      "WHERE NOT is_open AND finished_date BETWEEN $start AND $end AND timeliness = 'late'"),
    "code": "SELECT * FROM dossiers WHERE dossier_code = $code",
    # The same, among the dossiers received near the day the code carries (`code_day`): zone maps
    # skip the rest of the table (20M dossiers: 0.6 → 0.03 s warm); a miss falls back to "code".
    "code_near": ("SELECT * FROM dossiers WHERE dossier_code = $code "
                  "AND received_date BETWEEN $near_from AND $near_to"),
}
# How far from the code's day a dossier's receipt may lie for the near lookup (online dossiers get
# their code when submitted, and are received later).
CODE_DAY_WINDOW = 14


def code_day(code: str) -> date | None:
    """The day a dossier code carries (DOMAIN.md: agency code, yyMMdd, sequence:
    `000.00.53.H48-220921-0099` → 21/09/2022), or None when the code has no such part."""
    found = re.search(r"-(\d{2})(\d{2})(\d{2})(?:-|$)", code)
    if not found:
        return None
    try:
        return date(2000 + int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _sql(body: str, rows: str = "period", narrowed: str = "") -> str:
    """`body` after the late_base.sql CTEs reading ROWS[rows]; `narrowed`: a further condition on a
    single-SELECT entry of ROWS (a list part), applied in its table scan."""
    return "WITH " + _BASE.replace("{rows}", ROWS[rows] + narrowed) + "\n" + body


def _rows_for(kind: str) -> str:
    """The dossiers a list kind (LIST_KINDS) can hold: overdue and due soon are open ones, the others
    late ones, where a year's window would read every dossier finished in it (20M, a year: the
    due-soon list 1.3 → 0.1 s, the late list 1.8 → 0.5 s)."""
    return "open" if kind in ("overdue", "due_soon") else "late"


def _masked(column: str, alias: str = "l") -> str:
    """alias.column, masked unless $personal_data (queries.masking), AS column."""
    col = f"{alias}.{column}"
    return UNLESS_ALLOWED.replace("{mask}", MASKS[column]).replace("{col}", col) + f" AS {column}"


def _folded(expr: str) -> str:
    return FOLD.replace("{col}", expr)


def _params(con: duckdb.DuckDBPyConnection, filters: Filters, **more) -> dict:
    """The bound parameters of late_base.sql, with today's working-day numbers read once from the
    `calendar` table ($today_seq; $late_seq: a day off counts as the next working morning), bound as
    values rather than joined to every dossier (a year of 20M dossiers: 0.88 → 0.70 s a read)."""
    as_of = as_of_day(filters)
    day = con.execute("SELECT wd_seq, is_working_day FROM calendar WHERE cal_date = $d", {"d": as_of}).fetchall()
    seq, working = day[0] if day else (None, None)
    return {**filters.params(), "as_of": as_of, "personal_data": filters.scope.personal_data,
            "soon_days": settings().late.due_soon_working_days, "today_seq": seq,
            "late_seq": None if seq is None else seq + (0 if working else 1), **more}


# --- headline figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LateSummary:
    resolved: int  # resolved in the period
    resolved_late: int
    overdue: int  # open and past due as of `as_of`
    due_soon: int
    resolved_late_without_apology: int
    overdue_without_apology: int
    apology_too_late: int  # late dossiers whose slip was issued on or after the due day
    as_of: date

    @property
    def late_rate(self) -> float | None:
        return self.resolved_late / self.resolved if self.resolved else None

    @property
    def without_apology(self) -> int:
        return self.resolved_late_without_apology + self.overdue_without_apology


# The per-unit × field counts every headline figure of the page is a sum of (`cube`): one read of the
# period's dossiers where the summary, buckets, unit and field breakdowns, list counts and the
# briefing's units to act on each read them again (a year of 20M dossiers: five reads of 0.4–0.6 s).
# The dossiers are first counted per combination of flags (a few thousand groups), then the counts
# summed per flag: one count per dossier rather than eighteen filtered ones (2.0 → 1.2 s).
_BUCKET = "CASE " + " ".join(
    f"WHEN l.days_late >= {low}" + ("" if high is None else f" AND l.days_late <= {high}") + f" THEN {i}"
    for i, (_, low, high) in enumerate(BUCKETS)) + " END"
_FLAG_SUMS = {
    "resolved": "resolved", "resolved_late": "resolved_late", "overdue": "overdue", "due_soon": "due_soon",
    "without_apology": "without_apology", "resolved_late_without_apology": "resolved_late AND without_apology",
    "overdue_without_apology": "overdue AND without_apology", "apology_too_late": "too_late",
    **{f"b{i}_{what}": f"{what} AND bucket = {i}" for i in range(len(BUCKETS)) for what in ("resolved_late", "overdue")},
}
CUBE_COUNTS = tuple(_FLAG_SUMS)


def cube(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per (unit, field) with any dossier resolved in the period, overdue or due soon: the late page's
    counts (CUBE_COUNTS) and the unit and field names. `summary_of`, `buckets_of`, `breakdown_of`,
    `late_count_of` and `units_to_act_on_of` are sums of it; `summary`, `buckets`, … are those over
    these two queries: the dossiers resolved in the period counted per unit and field alone, and the
    flags counted over the late and open dossiers only (a year of 20M dossiers: the flags of 9.3M
    dossiers, 0.80 s, against 0.20 s for the count and 0.28 s for the 0.56M late or open ones)."""
    named = """
        SELECT g.*, coalesce(u.unit_name, g.unit_code) AS unit_name, coalesce(f.field_name, g.field_code) AS field_name
        FROM grouped g LEFT JOIN units u ON u.unit_code = g.unit_code
        LEFT JOIN fields f ON f.field_code = g.field_code
    """
    params = _params(con, filters)
    resolved = frame(con, _sql(f"""
        , grouped AS (
            SELECT l.unit_code, l.field_code, count(*) AS resolved
            FROM late l WHERE l.is_resolved_in_period GROUP BY l.unit_code, l.field_code
        ) {named}
    """, rows="resolved_in_period"), params)
    flagged = {name: cond for name, cond in _FLAG_SUMS.items() if name != "resolved"}
    sums = ",\n               ".join(f"coalesce(sum(k.n) FILTER ({cond}), 0) AS {name}" for name, cond in flagged.items())
    late_open = frame(con, _sql(f"""
        , keyed AS (
            SELECT l.unit_code, l.field_code, l.is_resolved_late AS resolved_late,
                   l.is_overdue AS overdue, l.is_due_soon AS due_soon, l.is_without_apology AS without_apology,
                   (l.is_resolved_late OR l.is_overdue) AND l.apology_state = 'too_late' AS too_late,
                   {_BUCKET} AS bucket, count(*) AS n
            FROM late l WHERE l.is_resolved_late OR l.is_overdue OR l.is_due_soon
            GROUP BY ALL
        ), grouped AS (
            SELECT k.unit_code, k.field_code,
               {sums}
            FROM keyed k GROUP BY k.unit_code, k.field_code
        ) {named}
    """, rows="late"), params)
    if resolved.height == 0 and late_open.height == 0:
        return pl.DataFrame(schema=_CUBE_SCHEMA)
    joined = (resolved.join(late_open, on=["unit_code", "field_code"], how="full", coalesce=True, nulls_equal=True,
                            suffix="_late")
              .with_columns(pl.coalesce("unit_name", "unit_name_late").alias("unit_name"),
                            pl.coalesce("field_name", "field_name_late").alias("field_name")))
    return joined.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in CUBE_COUNTS).select(list(_CUBE_SCHEMA))


_CUBE_SCHEMA = ({"unit_code": pl.String, "field_code": pl.String} | {c: pl.Int64 for c in CUBE_COUNTS}
                | {"unit_name": pl.String, "field_name": pl.String})


def _total(cube_frame: pl.DataFrame, column: str) -> int:
    return int(cube_frame[column].sum() or 0)


def summary(con: duckdb.DuckDBPyConnection, filters: Filters) -> LateSummary:
    """Resolved late in the period (and its rate), overdue now, due soon, late without apology."""
    return summary_of(cube(con, filters), as_of_day(filters))


def summary_of(cube_frame: pl.DataFrame, as_of: date) -> LateSummary:
    """`summary` from the filters' `cube` (as_of: the filters' day, `filters.as_of or today`)."""
    return LateSummary(*(_total(cube_frame, c) for c in (
        "resolved", "resolved_late", "overdue", "due_soon", "resolved_late_without_apology",
        "overdue_without_apology", "apology_too_late")), as_of=as_of)


def breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "unit", limit: int = 15) -> pl.DataFrame:
    """Per unit, field, procedure or officer: resolved in the period, resolved late, late rate,
    overdue now, late without apology; the groups with most late (resolved late + overdue) first."""
    if by in CUBE_DIMENSIONS:
        return breakdown_of(cube(con, filters), by, limit)
    return _breakdown(con, filters, by, limit, "period")


# The breakdowns the cube holds: its key and name columns.
CUBE_DIMENSIONS = {"unit": ("unit_code", "unit_name"), "field": ("field_code", "field_name")}


def breakdown_of(cube_frame: pl.DataFrame, by: str, limit: int = 15) -> pl.DataFrame:
    """`breakdown` by unit or field from the filters' `cube`."""
    key, name = CUBE_DIMENSIONS[by]  # KeyError for the dimensions the cube does not hold
    counts = ("resolved", "resolved_late", "overdue", "without_apology")
    grouped = (cube_frame.group_by(key).agg(pl.col(name).first(), *(pl.col(c).sum() for c in counts))
               .rename({key: "group_key", name: "group_name"})
               .filter(pl.col("resolved_late") + pl.col("overdue") > 0)
               .with_columns(_sort=pl.col("resolved_late") + pl.col("overdue"))
               .sort(["_sort", "resolved_late", "group_name"], descending=[True, True, False], nulls_last=True)
               .head(limit).drop("_sort"))
    return _counts(grouped.select("group_key", "group_name", *counts), *counts).with_columns(
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")))


def _breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str, limit: int, rows: str) -> pl.DataFrame:
    key, name = DIMENSIONS[by]  # KeyError for anything outside the allowlist
    # Counted per key first; unit and field names are joined to the groups, not to every dossier.
    name_in_groups = "NULL" if by in _NAMED_AFTER else f"mode({name})"
    named = name if by in _NAMED_AFTER else "g.l_name"
    sql = _sql(f"""
        , grouped AS (
            SELECT {key} AS group_key, {name_in_groups} AS l_name,
                   count(*) FILTER (l.is_resolved_in_period) AS resolved,
                   count(*) FILTER (l.is_resolved_late) AS resolved_late,
                   count(*) FILTER (l.is_overdue) AS overdue,
                   count(*) FILTER (l.is_without_apology) AS without_apology
            FROM late l GROUP BY group_key
            HAVING count(*) FILTER (l.is_resolved_late OR l.is_overdue) > 0
        )
        SELECT g.group_key, {named} AS group_name, g.resolved, g.resolved_late, g.overdue, g.without_apology
        FROM grouped g {_NAMES_JOIN.get(by, "")}
        ORDER BY resolved_late + overdue DESC, resolved_late DESC, group_name
        LIMIT $limit
    """, rows=rows)
    result = frame(con, sql, _params(con, filters, limit=limit))
    return _counts(result, "resolved", "resolved_late", "overdue", "without_apology").with_columns(
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")))


def buckets(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Working days late in buckets (1–2, 3–5, 6–10, more than 10): resolved late in the period and
    overdue now, every bucket present."""
    return buckets_of(cube(con, filters))


def buckets_of(cube_frame: pl.DataFrame) -> pl.DataFrame:
    """`buckets` from the filters' `cube`."""
    return pl.DataFrame({
        "bucket": [label for label, _, _ in BUCKETS],
        "resolved_late": [_total(cube_frame, f"b{i}_resolved_late") for i in range(len(BUCKETS))],
        "overdue": [_total(cube_frame, f"b{i}_overdue") for i in range(len(BUCKETS))],
    })


def trend(con: duckdb.DuckDBPyConnection, filters: Filters, periods: tuple[Period, ...]) -> pl.DataFrame:
    """Per period (in the order given): resolved, resolved late, late rate, late without apology."""
    # Counted per day first, then the days summed per period: a range join of the periods with every
    # dossier of the span cost 1.2 s for twelve years of 20M dossiers.
    sql = _sql("""
        , per_day AS (
            SELECT l.finished_date AS day, count(*) AS resolved,
                   count(*) FILTER (l.timeliness = 'late') AS resolved_late,
                   count(*) FILTER (l.timeliness = 'late' AND l.apology_state <> 'on_time') AS without_apology
            FROM late l WHERE l.is_resolved
            GROUP BY l.finished_date
        ), periods AS (
            SELECT unnest($starts::DATE[]) AS p_start, unnest($ends::DATE[]) AS p_end,
                   unnest(range(len($starts::DATE[]))) AS p_index
        )
        SELECT p.p_index, p.p_start AS period_start, p.p_end AS period_end,
               coalesce(sum(d.resolved), 0) AS resolved, coalesce(sum(d.resolved_late), 0) AS resolved_late,
               coalesce(sum(d.without_apology), 0) AS without_apology
        FROM periods p
        LEFT JOIN per_day d ON d.day BETWEEN p.p_start AND p.p_end
        GROUP BY ALL ORDER BY p.p_index
    """, rows="span")
    params = _params(con, filters, starts=[p.start for p in periods], ends=[p.end for p in periods],
                     span_start=min((p.start for p in periods), default=filters.start),
                     span_end=max((p.end for p in periods), default=filters.end))
    result = _counts(frame(con, sql, params), "resolved", "resolved_late", "without_apology")
    return result.with_columns(
        pl.Series("label", [p.label() for p in periods], pl.String),
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")),
    ).drop("p_index")


def unit_ranking(con: duckdb.DuckDBPyConnection, filters: Filters) -> Standing:
    """Units by late rate in the period with their volume beside it, ranked over every unit of the
    province (the same period and fields: `Filters.group()`), whatever the viewer's scope and unit
    selection. Only units that resolved at least `min_resolved_to_rank` dossiers are ranked
    (`late_rank`, 1 = the highest late rate, ties share a rank: 1, 2, 2, 4); smaller ones follow,
    unranked, so that 1 late of 2 never heads the list. `min_resolved` says which threshold was used.

    `rows`: the units the viewer may read by name (queries.filters.VISIBLE_SQL); `summary`: the ranked
    units' late rates in percent (best = the lowest), in 5-point bins, without names."""
    return unit_ranking_of(con, filters, cube(con, filters.group()))


def is_whole_group(filters: Filters) -> bool:
    """The filters read every unit of the province (province-wide scope, no unit selection): their
    `cube` is the one of `filters.group()` that `unit_ranking_of` needs."""
    return filters.scope.unit_codes is None and not filters.unit_codes


def unit_ranking_of(con: duckdb.DuckDBPyConnection, filters: Filters, group_cube: pl.DataFrame) -> Standing:
    """`unit_ranking` from the cube of `filters.group()` (`group_cube`): the per-unit counts are summed
    from it and bound as lists; the ranking and what the viewer may read are decided in SQL."""
    counts = ("resolved", "resolved_late", "overdue", "without_apology")
    per_unit = (group_cube.group_by("unit_code").agg(pl.col("unit_name").first(), *(pl.col(c).sum() for c in counts))
                .filter(pl.col("resolved") + pl.col("overdue") > 0))
    sql = f"""
        WITH per_unit AS (
            SELECT unnest($u_code::VARCHAR[]) AS unit_code, unnest($u_name::VARCHAR[]) AS unit_name,
                   unnest($u_resolved::BIGINT[]) AS resolved, unnest($u_late::BIGINT[]) AS resolved_late,
                   unnest($u_overdue::BIGINT[]) AS overdue, unnest($u_without::BIGINT[]) AS without_apology
        )
        SELECT *, CASE WHEN resolved > 0 THEN resolved_late / resolved END AS late_rate,
               resolved >= $min_resolved AS is_ranked, $min_resolved AS min_resolved,
               CASE WHEN resolved >= $min_resolved THEN rank() OVER (
                   PARTITION BY resolved >= $min_resolved ORDER BY resolved_late / nullif(resolved, 0) DESC) END
                   AS late_rank,
               {VISIBLE_SQL.replace("{col}", "unit_code")} AS is_visible
        FROM per_unit
        ORDER BY is_ranked DESC, late_rate DESC NULLS LAST, resolved DESC, overdue DESC, unit_name
    """
    params = {"u_code": per_unit["unit_code"].to_list(), "u_name": per_unit["unit_name"].to_list(),
              "u_resolved": per_unit["resolved"].to_list(), "u_late": per_unit["resolved_late"].to_list(),
              "u_overdue": per_unit["overdue"].to_list(), "u_without": per_unit["without_apology"].to_list(),
              "min_resolved": settings().late.min_resolved_to_rank, **filters.visible_params()}
    everyone = _counts(frame(con, sql, params), "resolved", "resolved_late", "overdue", "without_apology",
                       "late_rank", "min_resolved")
    if everyone.height == 0:
        everyone = pl.DataFrame(schema=_RANKING_SCHEMA)
    # In percent, rounded so that 0.07 * 100 = 7.000000000000001 never opens a bin of its own.
    rates = [round(r * 100, 9) for r in everyone.filter(pl.col("is_ranked"))["late_rate"].to_list()]
    top = max(5.0, math.ceil(max(rates) / 5) * 5) if rates else 5.0
    summary = summarise(rates, everyone.height, "min", 5.0, filters.scope.sees_peers, low=0.0, high=top)
    return Standing(everyone.filter(pl.col("is_visible")).drop("is_visible"), summary)


_RANKING_SCHEMA = {"unit_code": pl.String, "unit_name": pl.String, "resolved": pl.Int64, "resolved_late": pl.Int64,
                   "overdue": pl.Int64, "without_apology": pl.Int64, "late_rate": pl.Float64, "is_ranked": pl.Boolean,
                   "min_resolved": pl.Int64, "late_rank": pl.Int64, "is_visible": pl.Boolean}


def overdue_by_unit(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per unit with a dossier overdue now (within the filters): unit_code, unit_name, overdue — the
    `overdue` column of `breakdown(by="unit")`, counted over the open dossiers only (nothing else
    can be overdue), not over every dossier finished in the period."""
    return _overdue_per_unit(_breakdown(con, filters, "unit", _EVERY_GROUP, "open"))


def overdue_by_unit_of(cube_frame: pl.DataFrame) -> pl.DataFrame:
    """`overdue_by_unit` from the filters' `cube` (the briefing page has read it)."""
    return _overdue_per_unit(breakdown_of(cube_frame, "unit", _EVERY_GROUP))


_EVERY_GROUP = 100_000  # a breakdown's limit that keeps every unit


def _overdue_per_unit(breakdown_frame: pl.DataFrame) -> pl.DataFrame:
    return breakdown_frame.select(pl.col("group_key").alias("unit_code"), pl.col("group_name").alias("unit_name"),
                                  "overdue")


# --- what to act on (the briefing) ----------------------------------------------------------------

# The dossiers a briefing names units and officers for: the late list's own kinds (LIST_KINDS).
ACTION_KINDS = ("overdue", "no_apology", "due_soon")


def who_holds(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str, units: int = 3,
              officers: int = 2) -> pl.DataFrame:
    """The units with most dossiers of the late list's `kind` (overdue, no_apology, due_soon: the
    same dossiers the late page lists) and, in each, the officers holding most of them.

    One row per (unit, officer) kept: the `units` biggest units, their `officers` biggest holders.
    Columns: unit_code, unit_name, unit_dossiers, unit_rank, units_with (units having any),
    most_days_late (overdue and no_apology: the longest wait in working days, else null),
    officer_name ('Chưa rõ cán bộ' when the export had none), officer_dossiers, officer_rank,
    officers_in_unit."""
    return who_holds_all(con, filters, (kind,), units, officers)[kind]


def who_holds_all(con: duckdb.DuckDBPyConnection, filters: Filters, kinds: tuple[str, ...] = ACTION_KINDS,
                  units: int = 3, officers: int = 2) -> dict[str, pl.DataFrame]:
    """`who_holds` for each of `kinds` (ACTION_KINDS), from one read of the dossiers they concern: a
    dossier overdue without an apology counts under both kinds (the briefing's three kinds were three
    reads of the open and late dossiers)."""
    for kind in kinds:
        if kind not in ACTION_KINDS:
            raise KeyError(kind)
    tags = ", ".join(f"CASE WHEN {LIST_KINDS[kind][1]} THEN '{kind}' END" for kind in kinds)
    sql = _sql(f"""
        , tagged AS (
            SELECT l.unit_code, l.officer_name, l.days_late, unnest([{tags}]) AS kind
            FROM late l WHERE {" OR ".join(f"({LIST_KINDS[kind][1]})" for kind in kinds)}
        ), per_officer AS (
            SELECT t.kind, t.unit_code, coalesce(nullif(trim(t.officer_name), ''), $unknown) AS officer_name,
                   count(*) AS officer_dossiers, max(t.days_late) AS most_days_late
            FROM tagged t WHERE t.kind IS NOT NULL
            GROUP BY ALL
        ), per_unit AS (
            SELECT p.kind, p.unit_code, coalesce(any_value(u.unit_name), p.unit_code) AS unit_name,
                   sum(p.officer_dossiers) AS unit_dossiers, max(p.most_days_late) AS most_days_late,
                   count(*) AS officers_in_unit
            FROM per_officer p LEFT JOIN units u USING (unit_code)
            GROUP BY p.kind, p.unit_code
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY kind
                                         ORDER BY unit_dossiers DESC, most_days_late DESC NULLS LAST, unit_name)
                          AS unit_rank,
                   count(*) OVER (PARTITION BY kind) AS units_with
            FROM per_unit
        )
        SELECT r.kind, r.unit_code, r.unit_name, r.unit_dossiers, r.unit_rank, r.units_with, r.most_days_late,
               p.officer_name, p.officer_dossiers,
               row_number() OVER (PARTITION BY r.kind, r.unit_code ORDER BY p.officer_dossiers DESC, p.officer_name)
                   AS officer_rank,
               r.officers_in_unit
        FROM ranked r JOIN per_officer p USING (kind, unit_code)
        WHERE r.unit_rank <= $units
        QUALIFY officer_rank <= $officers
        ORDER BY r.kind, r.unit_rank, officer_rank
    """, rows="late" if any(_rows_for(kind) == "late" for kind in kinds) else "open")
    result = frame(con, sql, _params(con, filters, unknown=UNKNOWN_OFFICER, units=units, officers=officers))
    if result.height == 0:
        return {kind: pl.DataFrame(schema=_HOLDERS_SCHEMA) for kind in kinds}
    result = _counts(result, *(c for c, t in _HOLDERS_SCHEMA.items() if t == pl.Int64))
    return {kind: result.filter(pl.col("kind") == kind).select(list(_HOLDERS_SCHEMA)) for kind in kinds}


_HOLDERS_SCHEMA = {"unit_code": pl.String, "unit_name": pl.String, "unit_dossiers": pl.Int64, "unit_rank": pl.Int64,
                   "units_with": pl.Int64, "most_days_late": pl.Int64, "officer_name": pl.String,
                   "officer_dossiers": pl.Int64, "officer_rank": pl.Int64, "officers_in_unit": pl.Int64}


def due_soon_until(con: duckdb.DuckDBPyConnection, filters: Filters) -> date | None:
    """The last working day of the due-soon window: today's working-day number plus
    `due_soon_working_days` (settings.toml [late]), as `is_due_soon` counts it."""
    sql = _sql("""
        SELECT min(c.cal_date) FROM calendar c
        WHERE c.is_working_day AND c.wd_seq = $today_seq::INTEGER + $soon_days
    """)
    return one_row(con, sql, _params(con, filters))[0]


def units_to_act_on(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10) -> pl.DataFrame:
    """Per unit, the late page's counts (as `breakdown` by unit) plus due soon: overdue now, resolved
    late and resolved in the period, late rate, late without apology, due soon. Units with a dossier
    overdue, resolved late or due soon; most overdue first, then most resolved late."""
    return units_to_act_on_of(cube(con, filters), limit)


def units_to_act_on_of(cube_frame: pl.DataFrame, limit: int = 10) -> pl.DataFrame:
    """`units_to_act_on` from the filters' `cube`."""
    counts = ("overdue", "resolved_late", "resolved", "without_apology", "due_soon")
    per_unit = (cube_frame.group_by("unit_code").agg(pl.col("unit_name").first(), *(pl.col(c).sum() for c in counts))
                .filter((pl.col("overdue") > 0) | (pl.col("resolved_late") > 0) | (pl.col("due_soon") > 0))
                .sort([*counts[:2], "without_apology", "due_soon", "unit_name"],
                      descending=[True, True, True, True, False], nulls_last=True)
                .head(limit).select("unit_code", "unit_name", *counts))
    return _counts(per_unit, *counts).with_columns(
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")))


# --- the list -------------------------------------------------------------------------------------


def _list_where(kind: str, search: str) -> str:
    """The list kind's condition, and the search's when there is one (the text itself stays bound as
    $q): a search condition written for an empty text folded every applicant's name all the same
    (the due-soon list of 20M dossiers: 0.21 → 0.05 s)."""
    condition = LIST_KINDS[kind][1]  # KeyError for anything outside the allowlist
    if not search.strip(" "):  # as SQL's trim(): spaces only
        return f"({condition})"
    code_hit = "contains(lower(l.dossier_code), lower(trim($q)))"
    name_hit = f"contains({_folded('l.applicant_name')}, {_folded('$q')})"
    return f"({condition}) AND ({code_hit} OR {name_hit})"


def late_count(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "late", search: str = "") -> int:
    """How many dossiers the list holds for this kind and search text (code or applicant)."""
    sql = _sql(f"SELECT count(*) FROM late l WHERE {_list_where(kind, search or '')}", rows=_rows_for(kind))
    return int(one_row(con, sql, _params(con, filters, q=search or ""))[0])


# What each list kind counts, in the cube's columns (LIST_KINDS: late = resolved late + overdue, which
# never overlap: one needs a resolved dossier, the other an open one).
_KIND_COUNTS = {"late": ("resolved_late", "overdue"), "resolved_late": ("resolved_late",),
                "overdue": ("overdue",), "no_apology": ("without_apology",), "due_soon": ("due_soon",)}


def late_count_of(cube_frame: pl.DataFrame, kind: str = "late") -> int:
    """`late_count` without a search text, from the filters' `cube`."""
    return sum(_total(cube_frame, c) for c in _KIND_COUNTS[kind])


# The parts a list kind is read in: each part is sorted and cut in its own statement, over one table
# scan, before the parts are merged — one sort over the union fetched every column of every late
# dossier of the period (a year of 20M dossiers: 1.4 → 0.8 s warm, 2.2 → 1.7 s cold).
_LIST_PARTS = {"late": ("resolved_late", "open"), "resolved_late": ("resolved_late",),
               "no_apology": ("resolved_late", "open"), "overdue": ("open",), "due_soon": ("open",)}


# The columns of `late` the list reads.
_PICKED = ("dossier_code", "procedure_code", "procedure_name", "field_code", "unit_code", "officer_name", "received_at",
           "due_at", "finished_at", "returned_at", "is_open", "days_late", "due_date", "supplement_count",
           "apology_issued_at", "apology_due_at", "apology_state", "is_without_apology", "is_resolved_late",
           "is_overdue", "is_due_soon", "applicant_name", "applicant_phone")
# The list's columns of `late_list(brief=True)`, and those it reads: no personal data, nothing wide.
BRIEF_COLUMNS = ("dossier_code", "procedure_code", "procedure_name", "unit_code", "unit_name", "received_at",
                 "due_at", "days_late")
_PICKED_BRIEF = ("dossier_code", "procedure_code", "procedure_name", "unit_code", "received_at", "due_at",
                 "due_date", "days_late")


def late_list(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "late", search: str = "",
              sort: str = "days_late", limit: int | None = None, brief: bool = False) -> pl.DataFrame:
    """One row per dossier of the list (LIST_COLUMNS), applicant masked unless the scope allows.

    `search` matches the dossier code (case-insensitive) or the applicant's name without regard to
    diacritics ("nguyen van an" finds "Nguyễn Văn An"), against the unmasked column; the name is
    returned masked all the same. `limit=None` returns every row (for the download). `brief`: the
    same dossiers in the same order with BRIEF_COLUMNS only (alerts, digests): the open dossiers lie
    all over the table, and reading every list column of each to keep ten cost 0.2–0.7 s on 20M."""
    keys = LIST_SORTS[sort][1]
    order = ", ".join(f"{'' if c == 'unit_name' else 'l.'}{c} {'DESC' if desc else 'ASC'} NULLS LAST" for c, desc in keys)
    names = ("LEFT JOIN units u ON u.unit_code = l.unit_code" if brief else
             "LEFT JOIN units u ON u.unit_code = l.unit_code LEFT JOIN fields f ON f.field_code = l.field_code")
    field = "" if brief else ", coalesce(f.field_name, l.field_code) AS field_name"
    shown = f"""l.dossier_code, l.procedure_code, coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}') AS procedure_name,
               l.unit_code, l.unit_name, l.received_at, l.due_at, l.days_late, l.due_date""" if brief else f"""
               CASE WHEN l.is_resolved_late THEN 'resolved_late' WHEN l.is_overdue THEN 'overdue'
                    WHEN l.is_due_soon THEN 'due_soon' ELSE 'other' END AS state,
               l.dossier_code, l.procedure_code, coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}') AS procedure_name,
               l.field_name, l.unit_code, l.unit_name, l.officer_name,
               l.received_at, l.due_at, l.finished_at, l.returned_at, l.is_open, l.days_late,
               coalesce(l.supplement_count, 0) AS supplement_count, l.apology_issued_at, l.apology_due_at,
               l.apology_state, l.is_without_apology,
               {_masked('applicant_name', 'l')}, {_masked('applicant_phone', 'l')}, l.due_date"""
    # Sort and cut first, mask after: the masks (regular expressions, word lists) then run on the
    # `limit` rows shown, not on every late dossier of the period (136,485 for a year on 5M).
    body = f"""
        , picked AS (
            -- The columns shown, named: `l.*` carried every column of the mart through the sort.
            SELECT {", ".join(f"l.{c}" for c in (_PICKED_BRIEF if brief else _PICKED))}{field},
                   coalesce(u.unit_name, l.unit_code) AS unit_name
            FROM late l {names}
            WHERE {_list_where(kind, search or "")}
            ORDER BY {order}
            {"LIMIT $limit" if limit is not None else ""}
        )
        SELECT {shown}
        FROM picked l
    """
    params = _params(con, filters, q=search or "", limit=limit)
    parts = _list_parts(con, body, kind, search or "", sort, order, params)
    columns = BRIEF_COLUMNS if brief else LIST_COLUMNS
    counts = [c for c in ("days_late", "supplement_count") if c in columns]
    result = pl.concat([p.with_columns(pl.col(counts).cast(pl.Int64)) for p in parts if p.height],
                       how="vertical_relaxed") if any(p.height for p in parts) else None
    if result is None:
        return pl.DataFrame(schema={c: _LIST_SCHEMA[c] for c in columns})
    result = result.sort([c for c, _ in keys], descending=[d for _, d in keys], nulls_last=True)
    return (result if limit is None else result.head(limit)).select(columns)


# Per list part and sort: the scan condition keeping the dossiers whose first sort key is as good as
# $cut_key, the key of the list's `limit`-th dossier, so that the list's columns are read for about
# `limit` dossiers and not for every one of the part (a year of 20M dossiers: 513,814 resolved late).
# Exact: each matches the key it stands for on the part's dossiers of the list (days late = working
# days late of a resolved dossier, today's number minus the due day's of an overdue one), and the
# dossiers tied with the cut are all kept. The unit sort, by name, has none.
_CUTS = {
    ("resolved_late", "days_late"): "late_working_days >= $cut_key",
    ("open", "days_late"): "due_wd_seq <= $late_seq::INTEGER - $cut_key",
    ("resolved_late", "due"): "due_date <= $cut_key", ("open", "due"): "due_date <= $cut_key",
    ("resolved_late", "received"): "received_at >= $cut_key", ("open", "received"): "received_at >= $cut_key",
}


def _list_parts(con: duckdb.DuckDBPyConnection, body: str, kind: str, search: str, sort: str, order: str,
                params: dict) -> list[pl.DataFrame]:
    """The parts of the list (`_LIST_PARTS`), each sorted and cut at `limit`; read in two steps when
    the sort has a cut (`_CUTS`): the key of the list's limit-th dossier over the sort columns alone,
    then the list's columns of each part's dossiers at or before it."""
    parts = _LIST_PARTS[kind]
    whole = [_sql(body, rows=part) for part in parts]
    if params.get("limit") is None or any((part, sort) not in _CUTS for part in parts):
        return [frame(con, sql, params) for sql in whole]
    key = LIST_SORTS[sort][1][0][0]
    kth = frame(con, _sql(f"""
        SELECT l.{key} AS cut_key FROM late l WHERE {_list_where(kind, search)}
        ORDER BY {order} LIMIT 1 OFFSET $limit - 1
    """, rows=_rows_for(kind)), params)
    if kth.height == 0 or kth["cut_key"][0] is None:  # fewer dossiers than the limit: read them whole
        return [frame(con, sql, params) for sql in whole]
    return [frame(con, _sql(body, rows=part, narrowed=f" AND {_CUTS[part, sort]}"), params | {"cut_key": kth["cut_key"][0]})
            for part in parts]


_LIST_SCHEMA = {c: pl.String for c in LIST_COLUMNS} | {
    "received_at": pl.Datetime("us"), "due_at": pl.Datetime("us"), "finished_at": pl.Datetime("us"),
    "returned_at": pl.Datetime("us"), "apology_issued_at": pl.Datetime("us"), "apology_due_at": pl.Datetime("us"),
    "is_open": pl.Boolean, "is_without_apology": pl.Boolean, "days_late": pl.Int64, "supplement_count": pl.Int64,
}


# --- one dossier ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDue:
    """What the rule says the due date should be (DOMAIN.md, Due date; Supplements and pauses)."""

    received_at: datetime
    processing_days: float
    day_kind: str  # 'working' or 'calendar'
    due_without_pause: datetime
    pause_working_days: int  # working days the dossier waited for the citizen's supplement
    due_at: datetime
    export_due_at: datetime | None
    agrees: bool | None  # the export's due day equals the rule's; None without an export due date
    difference_working_days: int | None  # export's due day minus the rule's, in working days


@dataclass(frozen=True, eq=False)
class DossierDetail:
    row: dict  # LIST-like columns plus all dates and the masked personal data
    versions: pl.DataFrame  # every loaded version (stg_dossier_versions), oldest first
    days: pl.DataFrame  # calendar rows covering the timeline: cal_date, is_working_day, holiday_name, wd_seq
    rule: RuleDue | None
    rule_problem: str | None  # why the rule could not be applied, in Vietnamese
    as_of: date


def dossier_detail(con: duckdb.DuckDBPyConnection, filters: Filters, code: str) -> DossierDetail | None:
    """One dossier by its code within the viewer's scope (the unit and field selection is ignored,
    so a shared link opens it whatever the sidebar shows); None when it is absent or out of scope."""
    whole = replace(filters, unit_codes=frozenset(), field_codes=frozenset())
    body = f"""
        SELECT l.dossier_code, l.procedure_code, coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}') AS procedure_name,
               coalesce(f.field_name, l.field_code) AS field_name, l.unit_code,
               coalesce(u.unit_name, l.unit_code) AS unit_name, l.officer_name, l.status_code, s.status_name,
               l.submitted_at, l.received_at, l.due_at, l.due_source, l.extended_due_at, l.finished_at,
               l.returned_at, l.supplement_requested_at, l.supplemented_at,
               coalesce(l.supplement_count, 0) AS supplement_count, l.apology_issued_at, l.apology_due_at,
               l.apology_state, l.processing_days, l.is_open, l.is_resolved, l.timeliness, l.finished_date,
               l.due_date, l.channel_code,
               CASE WHEN l.is_resolved THEN l.late_working_days
                    WHEN l.is_open AND l.due_date < $as_of::DATE THEN $late_seq::INTEGER - l.due_wd_seq END AS days_late,
               (l.is_resolved AND l.timeliness = 'late' OR l.is_open AND l.due_date < $as_of::DATE)
                   AND l.apology_state <> 'on_time' AS is_without_apology,
               {_masked('applicant_name', 'l')}, {_masked('applicant_phone', 'l')},
               {_masked('applicant_id_number', 'l')}, {_masked('applicant_address', 'l')},
               l.load_id, g.loaded_at, g.file_name, l.source_row, l.supplement_count AS stored_supplement_count
        FROM late l
        LEFT JOIN load_log g ON g.load_id = l.load_id
        LEFT JOIN units u ON u.unit_code = l.unit_code
        LEFT JOIN fields f ON f.field_code = l.field_code
        LEFT JOIN status_codes s ON s.status_code = l.status_code
        WHERE l.dossier_code = $code
    """
    # The loader's rule: a code pasted with a zero-width space or in lower case still opens its dossier.
    code = normalize_dossier_code(code) or ""
    params = _params(con, whole, code=code)
    rows = []
    if (day := code_day(code)) is not None:
        near = {"near_from": day - timedelta(days=CODE_DAY_WINDOW), "near_to": day + timedelta(days=CODE_DAY_WINDOW)}
        rows = frame(con, _sql(body, rows="code_near"), params | near).to_dicts()
    if not rows:
        rows = frame(con, _sql(body, rows="code"), params).to_dicts()
    if not rows:
        return None
    row = rows[0]
    rule, problem = _rule_due(row, default_calendar())
    return DossierDetail(row=row, versions=_versions(con, row),
                         days=_days(con, row, rule, as_of_day(filters)), rule=rule, rule_problem=problem,
                         as_of=as_of_day(filters))


# The columns of DossierDetail.versions.
VERSION_COLUMNS = ("load_id", "loaded_at", "file_name", "source_row", "status_code", "status_name", "received_at",
                   "due_at", "finished_at", "returned_at", "supplement_count", "apology_issued_at", "apology_due_at")


def _versions(con: duckdb.DuckDBPyConnection, current: dict) -> pl.DataFrame:
    """Every loaded version of the dossier the caller has just read within the viewer's scope
    (dossier_detail: `current`, its row, is the current version): the earlier ones from
    stg_dossier_superseded, so that every dossier is not scanned again for this one (stg_dossier_versions
    is those plus the current versions)."""
    sql = """
        SELECT v.load_id, g.loaded_at, g.file_name, v.source_row, v.status_code, s.status_name,
               v.received_at, v.due_at, v.finished_at, v.returned_at, v.supplement_count,
               v.apology_issued_at, v.apology_due_at
        FROM stg_dossier_superseded v
        LEFT JOIN load_log g ON g.load_id = v.load_id
        LEFT JOIN status_codes s ON s.status_code = v.status_code
        WHERE v.dossier_code = $code
    """
    earlier = frame(con, sql, {"code": current["dossier_code"]})
    latest = {c: current[c] for c in VERSION_COLUMNS} | {"supplement_count": current["stored_supplement_count"]}
    return pl.concat([earlier, pl.DataFrame([latest], schema=earlier.schema)]).sort("load_id")


def _days(con: duckdb.DuckDBPyConnection, row: dict, rule: RuleDue | None, today: date) -> pl.DataFrame:
    """Calendar days from two days before receipt to two days after the last date of the timeline."""
    dates = [row[k] for k in ("received_at", "due_at", "finished_at", "returned_at", "supplement_requested_at",
                              "supplemented_at", "apology_issued_at", "apology_due_at") if row.get(k)]
    dates = [d.date() if isinstance(d, datetime) else d for d in dates]
    if rule:
        dates.append(rule.due_at.date())
    if row["is_open"]:
        dates.append(today)
    if not dates:
        return pl.DataFrame(schema={"cal_date": pl.Date, "is_working_day": pl.Boolean, "holiday_name": pl.String,
                                    "wd_seq": pl.Int32})
    sql = ("SELECT cal_date, is_working_day, holiday_name, wd_seq FROM calendar "
           "WHERE cal_date BETWEEN $first::DATE - 2 AND $last::DATE + 2 ORDER BY cal_date")
    return frame(con, sql, {"first": min(dates), "last": max(dates)})


def _rule_due(row: dict, cal: WorkCalendar) -> tuple[RuleDue | None, str | None]:
    """Received date + the procedure's processing time (working or calendar days), plus the working
    days a supplement request waited — what etl.normalize computes when an export has no due date."""
    received, days = row["received_at"], row["processing_days"]
    if received is None:
        return None, "Hồ sơ không có ngày tiếp nhận."
    if days is None:
        return None, ("Không biết thời hạn giải quyết của thủ tục (tệp xuất không có cột thời hạn và thủ tục "
                      "không có trong danh mục thủ tục của tỉnh).")
    kind = day_kind(row["procedure_code"])
    try:
        base, pause, due = cal.rule_due(received, days, kind, row["supplement_requested_at"], row["supplemented_at"])
        export = row["due_at"]
        diff = cal.seq(export.date()) - cal.seq(due.date()) if export else None
    except ValueError:
        return None, "Ngày tiếp nhận nằm ngoài các năm của lịch ngày làm việc đã thiết lập."
    return RuleDue(received, float(days), kind, base, pause, due, export,
                   None if export is None else export.date() == due.date(), diff), None


def _counts(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return df.with_columns(pl.col(c).cast(pl.Int64) for c in columns if c in df.columns)
