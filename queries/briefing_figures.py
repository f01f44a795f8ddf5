"""Query layer: every figure of the briefing document (giao ban) and the periodic report, gathered
from the page's own query functions; read-only, scope always applied, never imports Streamlit.

Nothing is counted here: the headline figures are `queries.briefing.kpis` for the period and the
one before, the attention table `queries.late.units_to_act_on`, late without apology `queries.late`,
satisfaction `queries.satisfaction`, Biểu số 06 `queries.form06` — the functions the pages and
their tests use — so a document can never disagree with the screen.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb
import polars as pl

from core.targets import Target, targets_for
from queries import late, satisfaction
from queries.briefing import Kpis, field_changes, kpis, trend
from queries.dossiers import period_counts
from queries.filters import Filters
from queries.form06 import Form06, form06, issuing_body
from queries.periods import Period

TREND_PERIODS = 12
LATE_ROWS = 20  # late dossiers without apology listed by name in the document (the count covers all)
ATTENTION_ROWS = 10
PERIODIC_KINDS = ("quarter", "year", "report_quarter", "report_year")  # documents that carry the report tables


@dataclass(frozen=True, eq=False)
class BriefingFigures:
    period: Period
    previous: Period
    as_of: date  # "today" for overdue now and due soon
    issuer: str  # "UBND THÀNH PHỐ ĐÀ NẴNG", "UBND PHƯỜNG HẢI CHÂU", "SỞ TƯ PHÁP"
    place: str  # the date line's place: "Đà Nẵng", "Hải Châu"
    where: str  # the narrative's subject: "toàn tỉnh", "Phường Hải Châu"
    unit_names: tuple[str, ...]  # units covered (empty for the whole province)
    now: Kpis
    before: Kpis
    year_ago: Kpis  # the same period a year earlier
    overdue_now: int  # open and past due as of `as_of` (the late page's count)
    attention: pl.DataFrame  # queries.late.units_to_act_on, as the briefing page shows it
    field_moves: pl.DataFrame  # queries.briefing.field_changes
    trend: pl.DataFrame  # queries.briefing.trend, oldest first
    late: late.LateSummary
    late_rows: pl.DataFrame  # queries.late.late_list(kind="no_apology"), most days late first
    ratings: satisfaction.Rate  # portal ratings in the period (the survey rate is in `now`)
    ratings_before: satisfaction.Rate
    targets: dict[str, Target | None]  # core.targets for the period's year
    form06: Form06 | None  # quarter and year documents only
    units: pl.DataFrame | None  # per unit: received, online, resolved, on time, late w/o apology, satisfaction


def briefing_figures(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> BriefingFigures:
    """The document's figures for `period` within filters' scope and selection; `filters.as_of`
    (else the period end) is the "today" of overdue now and due soon."""
    as_of = filters.as_of or period.end
    here = replace(filters, start=period.start, end=period.end, as_of=as_of)
    previous = period.previous()
    there = replace(here, start=previous.start, end=previous.end)
    issuer, units, whole = issuing_body(con, here)
    periodic = period.kind in PERIODIC_KINDS
    last_year = period.same_last_year()
    counts = late.cube(con, here)
    summary = late.summary_of(counts, as_of)
    return BriefingFigures(
        period=period, previous=previous, as_of=as_of, issuer=issuer,
        place=_place(units, whole, con), where=_where(units, whole),
        unit_names=() if whole else tuple(u["unit_name"] for u in units),
        now=kpis(con, here), before=kpis(con, there),
        year_ago=kpis(con, replace(here, start=last_year.start, end=last_year.end)),
        overdue_now=summary.overdue,
        attention=late.units_to_act_on_of(counts, ATTENTION_ROWS),
        field_moves=field_changes(con, here, there),
        trend=trend(con, here, tuple(reversed([period.shifted(i) for i in range(TREND_PERIODS)]))),
        late=summary,
        late_rows=late.late_list(con, here, kind="no_apology", sort="days_late", limit=LATE_ROWS),
        ratings=satisfaction.rating_rate(con, here), ratings_before=satisfaction.rating_rate(con, there),
        targets=targets_for(period.end.year),
        form06=form06(con, here) if periodic else None,
        units=unit_table(con, here) if periodic else None,
    )


def unit_table(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per unit with dossiers in the period: received (online), resolved (early + on time), late
    without apology, survey answers 4–5 of answers — the periodic report's per-unit table."""
    counts = period_counts(con, filters, by="unit").select(
        pl.col("group_key").alias("unit_code"),
        (pl.col("received_online") + pl.col("received_direct")).alias("received"),
        "received_online", pl.col("resolved_total").alias("resolved"),
        (pl.col("resolved_early") + pl.col("resolved_on_time")).alias("resolved_in_time"))
    apology = late.breakdown(con, filters, by="unit", limit=100_000).select(
        pl.col("group_key").alias("unit_code"), pl.col("group_name").alias("unit_name"), "without_apology")
    sat = satisfaction.by_unit(con, filters).select("unit_code", "survey_satisfied", "survey_answers")
    names = _unit_names(con)
    table = (counts.join(apology, on="unit_code", how="full", coalesce=True)
             .join(sat, on="unit_code", how="full", coalesce=True)
             .join(names, on="unit_code", how="left", suffix="_dir"))
    table = table.with_columns(
        pl.coalesce("unit_name", "unit_name_dir", "unit_code").alias("unit_name"),
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in ("received", "received_online", "resolved",
                                                          "resolved_in_time", "without_apology",
                                                          "survey_satisfied", "survey_answers")))
    table = table.filter(pl.any_horizontal(pl.col(c) > 0 for c in ("received", "resolved", "without_apology",
                                                                    "survey_answers")))
    return table.select("unit_code", "unit_name", "received", "received_online", "resolved", "resolved_in_time",
                        "without_apology", "survey_satisfied", "survey_answers").sort("unit_name")


def _unit_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return pl.from_arrow(con.sql("SELECT unit_code, unit_name FROM units").to_arrow_table())


_PREFIXES = ("Xã ", "Phường ", "Đặc khu ")


def _place(units: list[dict], whole: bool, con: duckdb.DuckDBPyConnection) -> str:
    """Where the document is signed: the commune for one commune, else the province ('Đà Nẵng')."""
    if not whole and len(units) == 1 and units[0]["unit_level"] == "xa":
        name = units[0]["unit_name"]
        for prefix in _PREFIXES:
            name = name.removeprefix(prefix)
        return name
    [(province,)] = con.execute("SELECT any_value(province_name) FROM units").fetchall()
    return (province or "").removeprefix("Thành phố ").removeprefix("Tỉnh ")


def _where(units: list[dict], whole: bool) -> str:
    """The narrative's subject, as the page's unit label: 'toàn tỉnh', one to three names, or more."""
    if whole:
        return "toàn tỉnh"
    names = [u["unit_name"] for u in units]
    if not names:
        return "các đơn vị được xem"
    return ", ".join(names[:3]) + (f" và {len(names) - 3} đơn vị khác" if len(names) > 3 else "")
