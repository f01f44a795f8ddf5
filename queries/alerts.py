"""Query layer: the "Cần xử lý" alerts — the rules of alerts.toml (core.alerts) evaluated with the
pages' own query functions; read-only, scope always applied, never imports Streamlit.

Overdue and due soon are the current state (as of `filters.as_of`, as on the late page); the rates
(satisfaction, online share) are those of the filters' period; a silent unit is judged on the days
since its latest received dossier. Each alert carries the figures its sentence is made of.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from core.alerts import AlertRules, alert_rules
from core.targets import target
from queries import late, reference, satisfaction, volumes
from queries.filters import Filters
from queries.status import unit_counts

# Rule code → how the panel and the digest name it, in the order they are listed.
RULES = {
    "overdue_at_unit": "Đơn vị có nhiều hồ sơ quá hạn",
    "due_soon": "Hồ sơ sắp đến hạn",
    "satisfaction_below_target": "Mức độ hài lòng dưới mục tiêu",
    "online_below_target": "Tỷ lệ nộp trực tuyến dưới mục tiêu",
    "silent_unit": "Đơn vị không có hồ sơ mới",
}


@dataclass(frozen=True)
class Alert:
    rule: str  # a key of RULES
    unit_code: str | None  # None for an alert about the whole selection (due soon)
    unit_name: str | None
    count: int  # overdue, due soon, answers, received or days silent: the rule's own count
    rate: float | None = None  # the rate compared with the target
    target: float | None = None
    denominator: int | None = None  # answers / ratings / received behind the rate
    source: str | None = None  # satisfaction: 'survey' or 'rating'
    dossiers: pl.DataFrame | None = None  # due soon: the dossiers listed


def evaluate(con: duckdb.DuckDBPyConnection, filters: Filters, rules: AlertRules | None = None,
             counts: pl.DataFrame | None = None, late_counts: pl.DataFrame | None = None) -> list[Alert]:
    """Every alert the enabled rules raise for the filters (scope, selection, period, as_of).
    `counts` and `late_counts`: the filters' Form 06 counts (queries.volumes.cube) and late counts
    (queries.late.cube) when the caller has them (the briefing page does), else counted here."""
    rules = rules or alert_rules()
    as_of = filters.as_of or date.today()
    out: list[Alert] = []
    if rules.overdue_at_unit.enabled:
        out += _overdue(con, filters, rules.overdue_at_unit.min_overdue, late_counts)
    if rules.due_soon.enabled:
        out += _due_soon(con, filters, rules.due_soon.max_listed, late_counts)
    if rules.satisfaction_below_target.enabled:
        out += _satisfaction(con, filters, rules.satisfaction_below_target.min_answers)
    if rules.online_below_target.enabled:
        out += _online(con, filters, rules.online_below_target.min_received, counts)
    if rules.silent_unit.enabled:
        out += _silent(con, filters, as_of, rules.silent_unit.days)
    return out


def _overdue(con, filters: Filters, above: int, late_counts: pl.DataFrame | None) -> list[Alert]:
    # The late page's per-unit counts within the filters (its ranking is province-wide, cut to the viewer).
    per_unit = (late.overdue_by_unit(con, filters) if late_counts is None
                else late.overdue_by_unit_of(late_counts))
    units = per_unit.filter(pl.col("overdue") > above).sort(["overdue", "unit_name"], descending=[True, False])
    return [Alert("overdue_at_unit", r["unit_code"], r["unit_name"], r["overdue"])
            for r in units.iter_rows(named=True)]


def _due_soon(con, filters: Filters, listed: int, late_counts: pl.DataFrame | None) -> list[Alert]:
    count = (late.late_count(con, filters, kind="due_soon") if late_counts is None
             else late.late_count_of(late_counts, "due_soon"))
    if not count:
        return []
    rows = late.late_list(con, filters, kind="due_soon", sort="due", limit=listed, brief=True)
    return [Alert("due_soon", None, None, count, dossiers=rows)]


def _satisfaction(con, filters: Filters, min_answers: int) -> list[Alert]:
    goal = target("satisfaction", filters.end.year).value
    units = satisfaction.by_unit(con, filters)
    out = []
    for source, k, n, rate in (("survey", "survey_satisfied", "survey_answers", "survey_rate"),
                               ("rating", "ratings_satisfied", "ratings", "rating_rate")):
        low = units.filter((pl.col(n) >= min_answers) & (pl.col(rate) < goal)).sort([rate, "name"])
        out += [Alert("satisfaction_below_target", r["unit_code"], r["name"], r[k], r[rate], goal, r[n], source)
                for r in low.iter_rows(named=True)]
    return out


def _online(con, filters: Filters, min_received: int, counts: pl.DataFrame | None) -> list[Alert]:
    goal = target("online_share", filters.end.year)
    if goal is None:
        return []
    per_unit = volumes.by_unit_of(volumes.cube(con, filters) if counts is None else counts,
                                 reference.units(con, filters.scope))
    low = (per_unit.filter(pl.col("received") >= min_received)
           .with_columns(share=pl.col("received_online") / pl.col("received"))
           .filter(pl.col("share") < goal.value))
    return sorted((Alert("online_below_target", r["unit_code"], r["unit_name"], r["received_online"], r["share"],
                         goal.value, r["received"])
                   for r in low.iter_rows(named=True)), key=lambda a: (a.rate, a.unit_name))


def _silent(con, filters: Filters, as_of: date, days: int) -> list[Alert]:
    units = unit_counts(con, filters.scope, as_of)
    if filters.unit_codes:
        units = units.filter(pl.col("unit_code").is_in(sorted(filters.unit_codes)))
    quiet = units.filter((pl.col("dossiers") > 0) & (pl.col("days_since_last") >= days)).sort(
        ["days_since_last", "unit_name"], descending=[True, False])
    return [Alert("silent_unit", r["unit_code"], r["unit_name"], int(r["days_since_last"]))
            for r in quiet.iter_rows(named=True)]
