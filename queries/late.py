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
from dataclasses import dataclass, replace
from datetime import date, datetime
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
LIST_SORTS = {
    "days_late": ("Trễ nhiều ngày nhất", "l.days_late DESC NULLS LAST, l.due_date, l.dossier_code"),
    "due": ("Hạn trả sớm nhất", "l.due_date, l.dossier_code"),
    "received": ("Tiếp nhận gần nhất", "l.received_at DESC, l.dossier_code"),
    "unit": ("Theo đơn vị", "unit_name, l.days_late DESC NULLS LAST, l.dossier_code"),
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


def _as_of(filters: Filters) -> date:
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
    "code": "SELECT * FROM dossiers WHERE dossier_code = $code",
}


def _sql(body: str, rows: str = "period") -> str:
    return "WITH " + _BASE.replace("{rows}", ROWS[rows]) + "\n" + body


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


def _params(filters: Filters, **more) -> dict:
    return {**filters.params(), "as_of": _as_of(filters), "personal_data": filters.scope.personal_data,
            "soon_days": settings().late.due_soon_working_days, **more}


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


def summary(con: duckdb.DuckDBPyConnection, filters: Filters) -> LateSummary:
    """Resolved late in the period (and its rate), overdue now, due soon, late without apology."""
    sql = _sql("""
        SELECT count(*) FILTER (l.is_resolved_in_period), count(*) FILTER (l.is_resolved_late),
               count(*) FILTER (l.is_overdue), count(*) FILTER (l.is_due_soon),
               count(*) FILTER (l.is_resolved_late AND l.is_without_apology),
               count(*) FILTER (l.is_overdue AND l.is_without_apology),
               count(*) FILTER ((l.is_resolved_late OR l.is_overdue) AND l.apology_state = 'too_late')
        FROM late l
    """)
    row = one_row(con, sql, _params(filters))
    return LateSummary(*(int(v or 0) for v in row), as_of=_as_of(filters))


def breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "unit", limit: int = 15) -> pl.DataFrame:
    """Per unit, field, procedure or officer: resolved in the period, resolved late, late rate,
    overdue now, late without apology; the groups with most late (resolved late + overdue) first."""
    return _breakdown(con, filters, by, limit, "period")


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
    result = frame(con, sql, _params(filters, limit=limit))
    return _counts(result, "resolved", "resolved_late", "overdue", "without_apology").with_columns(
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")))


def buckets(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Working days late in buckets (1–2, 3–5, 6–10, more than 10): resolved late in the period and
    overdue now, every bucket present."""
    parts, params = [], _params(filters)
    for i, (_, low, high) in enumerate(BUCKETS):
        cond = f"l.days_late >= $lo{i}" + (f" AND l.days_late <= $hi{i}" if high is not None else "")
        parts.append(f"count(*) FILTER (l.is_resolved_late AND {cond}), count(*) FILTER (l.is_overdue AND {cond})")
        params.update({f"lo{i}": low, f"hi{i}": high})
    row = one_row(con, _sql(f"SELECT {', '.join(parts)} FROM late l", rows="late"), params)
    return pl.DataFrame({
        "bucket": [label for label, _, _ in BUCKETS],
        "resolved_late": [int(row[2 * i]) for i in range(len(BUCKETS))],
        "overdue": [int(row[2 * i + 1]) for i in range(len(BUCKETS))],
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
    params = _params(filters, starts=[p.start for p in periods], ends=[p.end for p in periods],
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
    sql = _sql(f"""
        , per_unit AS (
            SELECT l.unit_code, coalesce(any_value(u.unit_name), l.unit_code) AS unit_name,
                   count(*) FILTER (l.is_resolved_in_period) AS resolved,
                   count(*) FILTER (l.is_resolved_late) AS resolved_late,
                   count(*) FILTER (l.is_overdue) AS overdue,
                   count(*) FILTER (l.is_without_apology) AS without_apology
            FROM late l LEFT JOIN units u ON u.unit_code = l.unit_code
            GROUP BY l.unit_code
            HAVING count(*) FILTER (l.is_resolved_in_period OR l.is_overdue) > 0
        )
        SELECT *, CASE WHEN resolved > 0 THEN resolved_late / resolved END AS late_rate,
               resolved >= $min_resolved AS is_ranked, $min_resolved AS min_resolved,
               CASE WHEN resolved >= $min_resolved THEN rank() OVER (
                   PARTITION BY resolved >= $min_resolved ORDER BY resolved_late / nullif(resolved, 0) DESC) END
                   AS late_rank,
               {VISIBLE_SQL.replace("{col}", "unit_code")} AS is_visible
        FROM per_unit
        ORDER BY is_ranked DESC, late_rate DESC NULLS LAST, resolved DESC, overdue DESC, unit_name
    """)
    params = _params(filters.group(), min_resolved=settings().late.min_resolved_to_rank, **filters.visible_params())
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
    every = _breakdown(con, filters, "unit", 100_000, "open")
    return every.select(pl.col("group_key").alias("unit_code"), pl.col("group_name").alias("unit_name"), "overdue")


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
    if kind not in ACTION_KINDS:
        raise KeyError(kind)
    condition = LIST_KINDS[kind][1]
    sql = _sql(f"""
        , per_officer AS (
            SELECT l.unit_code, coalesce(nullif(trim(l.officer_name), ''), $unknown) AS officer_name,
                   count(*) AS officer_dossiers, max(l.days_late) AS most_days_late
            FROM late l WHERE {condition}
            GROUP BY ALL
        ), per_unit AS (
            SELECT p.unit_code, coalesce(any_value(u.unit_name), p.unit_code) AS unit_name,
                   sum(p.officer_dossiers) AS unit_dossiers, max(p.most_days_late) AS most_days_late,
                   count(*) AS officers_in_unit
            FROM per_officer p LEFT JOIN units u USING (unit_code)
            GROUP BY p.unit_code
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY unit_dossiers DESC, most_days_late DESC NULLS LAST, unit_name)
                          AS unit_rank,
                   count(*) OVER () AS units_with
            FROM per_unit
        )
        SELECT r.unit_code, r.unit_name, r.unit_dossiers, r.unit_rank, r.units_with, r.most_days_late,
               p.officer_name, p.officer_dossiers,
               row_number() OVER (PARTITION BY r.unit_code ORDER BY p.officer_dossiers DESC, p.officer_name)
                   AS officer_rank,
               r.officers_in_unit
        FROM ranked r JOIN per_officer p USING (unit_code)
        WHERE r.unit_rank <= $units
        QUALIFY officer_rank <= $officers
        ORDER BY r.unit_rank, officer_rank
    """, rows=_rows_for(kind))
    result = frame(con, sql, _params(filters, unknown=UNKNOWN_OFFICER, units=units, officers=officers))
    return _counts(result, "unit_dossiers", "unit_rank", "units_with", "most_days_late", "officer_dossiers",
                   "officer_rank", "officers_in_unit")


def due_soon_until(con: duckdb.DuckDBPyConnection, filters: Filters) -> date | None:
    """The last working day of the due-soon window: today's working-day number plus
    `due_soon_working_days` (settings.toml [late]), as `is_due_soon` counts it."""
    sql = _sql("""
        SELECT min(c.cal_date) FROM calendar c, today t
        WHERE c.is_working_day AND c.wd_seq = t.seq + $soon_days
    """)
    return one_row(con, sql, _params(filters))[0]


def units_to_act_on(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10) -> pl.DataFrame:
    """Per unit, the late page's counts (as `breakdown` by unit) plus due soon: overdue now, resolved
    late and resolved in the period, late rate, late without apology, due soon. Units with a dossier
    overdue, resolved late or due soon; most overdue first, then most resolved late."""
    sql = _sql("""
        SELECT l.unit_code, coalesce(any_value(u.unit_name), l.unit_code) AS unit_name,
               count(*) FILTER (l.is_overdue) AS overdue,
               count(*) FILTER (l.is_resolved_late) AS resolved_late,
               count(*) FILTER (l.is_resolved_in_period) AS resolved,
               count(*) FILTER (l.is_without_apology) AS without_apology,
               count(*) FILTER (l.is_due_soon) AS due_soon
        FROM late l LEFT JOIN units u ON u.unit_code = l.unit_code
        GROUP BY l.unit_code
        HAVING count(*) FILTER (l.is_overdue OR l.is_resolved_late OR l.is_due_soon) > 0
        ORDER BY overdue DESC, resolved_late DESC, without_apology DESC, due_soon DESC, unit_name
        LIMIT $limit
    """)
    result = _counts(frame(con, sql, _params(filters, limit=limit)),
                     "overdue", "resolved_late", "resolved", "without_apology", "due_soon")
    return result.with_columns(
        late_rate=pl.when(pl.col("resolved") > 0).then(pl.col("resolved_late") / pl.col("resolved")))


# --- the list -------------------------------------------------------------------------------------


def _list_where(kind: str) -> str:
    condition = LIST_KINDS[kind][1]  # KeyError for anything outside the allowlist
    code_hit = "contains(lower(l.dossier_code), lower(trim($q)))"
    name_hit = f"contains({_folded('l.applicant_name')}, {_folded('$q')})"
    return f"({condition}) AND (trim($q) = '' OR {code_hit} OR {name_hit})"


def late_count(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "late", search: str = "") -> int:
    """How many dossiers the list holds for this kind and search text (code or applicant)."""
    sql = _sql(f"SELECT count(*) FROM late l WHERE {_list_where(kind)}", rows=_rows_for(kind))
    return int(one_row(con, sql, _params(filters, q=search or ""))[0])


def late_list(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "late", search: str = "",
              sort: str = "days_late", limit: int | None = None) -> pl.DataFrame:
    """One row per dossier of the list (LIST_COLUMNS), applicant masked unless the scope allows.

    `search` matches the dossier code (case-insensitive) or the applicant's name without regard to
    diacritics ("nguyen van an" finds "Nguyễn Văn An"), against the unmasked column; the name is
    returned masked all the same. `limit=None` returns every row (for the download)."""
    order = LIST_SORTS[sort][1]
    # Sort and cut first, mask after: the masks (regular expressions, word lists) then run on the
    # `limit` rows shown, not on every late dossier of the period (136,485 for a year on 5M).
    sql = _sql(f"""
        , picked AS (
            SELECT l.*, coalesce(f.field_name, l.field_code) AS field_name,
                   coalesce(u.unit_name, l.unit_code) AS unit_name
            FROM late l LEFT JOIN units u ON u.unit_code = l.unit_code
            LEFT JOIN fields f ON f.field_code = l.field_code
            WHERE {_list_where(kind)}
            ORDER BY {order}
            {"LIMIT $limit" if limit is not None else ""}
        )
        SELECT CASE WHEN l.is_resolved_late THEN 'resolved_late' WHEN l.is_overdue THEN 'overdue'
                    WHEN l.is_due_soon THEN 'due_soon' ELSE 'other' END AS state,
               l.dossier_code, l.procedure_code, coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}') AS procedure_name,
               l.field_name, l.unit_code, l.unit_name, l.officer_name,
               l.received_at, l.due_at, l.finished_at, l.returned_at, l.is_open, l.days_late,
               coalesce(l.supplement_count, 0) AS supplement_count, l.apology_issued_at, l.apology_due_at,
               l.apology_state, l.is_without_apology,
               {_masked('applicant_name', 'l')}, {_masked('applicant_phone', 'l')}
        FROM picked l
        ORDER BY {order}
    """, rows=_rows_for(kind))
    result = frame(con, sql, _params(filters, q=search or "", limit=limit))
    if result.height == 0:
        return pl.DataFrame(schema=_LIST_SCHEMA)
    return result.with_columns(pl.col("days_late", "supplement_count").cast(pl.Int64)).select(LIST_COLUMNS)


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
    sql = _sql(f"""
        SELECT l.dossier_code, l.procedure_code, coalesce(l.procedure_name, '{UNKNOWN_PROCEDURE}') AS procedure_name,
               coalesce(f.field_name, l.field_code) AS field_name, l.unit_code,
               coalesce(u.unit_name, l.unit_code) AS unit_name, l.officer_name, l.status_code, s.status_name,
               l.submitted_at, l.received_at, l.due_at, l.due_source, l.extended_due_at, l.finished_at,
               l.returned_at, l.supplement_requested_at, l.supplemented_at,
               coalesce(l.supplement_count, 0) AS supplement_count, l.apology_issued_at, l.apology_due_at,
               l.apology_state, l.processing_days, l.is_open, l.is_resolved, l.timeliness, l.finished_date,
               l.due_date, l.channel_code,
               CASE WHEN l.is_resolved THEN l.late_working_days
                    WHEN l.is_open AND l.due_date < $as_of::DATE THEN t.late_seq - l.due_wd_seq END AS days_late,
               (l.is_resolved AND l.timeliness = 'late' OR l.is_open AND l.due_date < $as_of::DATE)
                   AND l.apology_state <> 'on_time' AS is_without_apology,
               {_masked('applicant_name', 'l')}, {_masked('applicant_phone', 'l')},
               {_masked('applicant_id_number', 'l')}, {_masked('applicant_address', 'l')},
               l.load_id, g.loaded_at, g.file_name, l.source_row, l.supplement_count AS stored_supplement_count
        FROM late l LEFT JOIN today t ON TRUE
        LEFT JOIN load_log g ON g.load_id = l.load_id
        LEFT JOIN units u ON u.unit_code = l.unit_code
        LEFT JOIN fields f ON f.field_code = l.field_code
        LEFT JOIN status_codes s ON s.status_code = l.status_code
        WHERE l.dossier_code = $code
    """, rows="code")
    # The loader's rule: a code pasted with a zero-width space or in lower case still opens its dossier.
    rows = frame(con, sql, _params(whole, code=normalize_dossier_code(code) or "")).to_dicts()
    if not rows:
        return None
    row = rows[0]
    rule, problem = _rule_due(row, default_calendar())
    return DossierDetail(row=row, versions=_versions(con, row),
                         days=_days(con, row, rule, _as_of(filters)), rule=rule, rule_problem=problem,
                         as_of=_as_of(filters))


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
