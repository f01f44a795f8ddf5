"""The late page's figures read from one count per unit × field (queries.late.cube) against the
straightforward SQL of the rules (DOMAIN.md: resolved late, overdue now, due soon, apology), written
here row by row without queries/sql/late_base.sql, on the demo province over weeks, months and years,
several scopes and selections; and a dossier's detail found by the day its code carries, or without it."""
from __future__ import annotations

import itertools
from datetime import date

import duckdb
import polars as pl
import pytest

from core.settings import settings
from queries import late
from queries.connection import frame
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters, Scope
# The demo province and the cases (periods × scopes × selections) the other rewrites are checked on.
from tests.test_query_rewrites import TODAY, all_filters, con, field, units  # noqa: F401 (fixtures)

# Every dossier of the viewer's selection with the rules applied to it, from the mart's columns.
FLAGS_SQL = f"""
    WITH today AS (SELECT wd_seq AS seq, wd_seq + CASE WHEN is_working_day THEN 0 ELSE 1 END AS late_seq
                   FROM calendar WHERE cal_date = $as_of),
    rows AS (
        SELECT d.unit_code, d.field_code,
            coalesce(d.is_resolved AND d.finished_date BETWEEN $start AND $end, FALSE) AS resolved,
            coalesce(d.is_resolved AND d.finished_date BETWEEN $start AND $end AND d.timeliness = 'late', FALSE)
                AS resolved_late,
            coalesce(d.is_open AND d.due_date < $as_of, FALSE) AS overdue,
            coalesce(d.is_open AND d.due_date >= $as_of AND d.due_wd_seq <= t.seq + $soon, FALSE) AS due_soon,
            CASE WHEN d.apology_issued_at IS NULL THEN 'none'
                 WHEN CAST(d.apology_issued_at AS DATE) < d.due_date THEN 'on_time' ELSE 'too_late' END AS apology,
            d.late_working_days, d.due_wd_seq, t.late_seq, d.dossier_code, d.due_date, d.received_at
        FROM dossiers d, today t
        WHERE {SCOPE_SQL} AND {SELECTION_SQL}
    )
    SELECT unit_code, field_code, resolved, resolved_late, overdue, due_soon, apology, dossier_code, due_date,
           received_at,
           (resolved_late OR overdue) AND apology <> 'on_time' AS without_apology,
           CASE WHEN resolved_late THEN late_working_days WHEN overdue THEN late_seq - due_wd_seq END AS days_late
    FROM rows
"""


def rows_of(con, filters: Filters) -> pl.DataFrame:
    return frame(con, FLAGS_SQL, {**filters.params(), "as_of": TODAY,
                                  "soon": settings().late.due_soon_working_days})


def test_the_cases_hold_late_overdue_and_due_soon_dossiers(con, units, field):
    """The comparison means something: over the cases, every flag is set on some dossier."""
    every = pl.concat([rows_of(con, f) for f in all_filters(units, field)])
    for flag in ("resolved", "resolved_late", "overdue", "due_soon", "without_apology"):
        assert every[flag].sum() > 0, flag
    assert (every["apology"] == "too_late").sum() > 0


def test_summary_and_list_counts_as_every_dossier_read(con, units, field):
    for filters in all_filters(units, field):
        rows = rows_of(con, filters)
        s = late.summary(con, filters)
        late_rows = rows.filter(pl.col("resolved_late") | pl.col("overdue"))
        assert (s.resolved, s.resolved_late, s.overdue, s.due_soon) == tuple(
            int(rows[c].sum()) for c in ("resolved", "resolved_late", "overdue", "due_soon")), filters
        assert s.resolved_late_without_apology == rows.filter(pl.col("resolved_late") & pl.col("without_apology")).height
        assert s.overdue_without_apology == rows.filter(pl.col("overdue") & pl.col("without_apology")).height
        assert s.apology_too_late == late_rows.filter(pl.col("apology") == "too_late").height
        counts = late.cube(con, filters)
        for kind, expected in (("late", late_rows.height), ("resolved_late", int(rows["resolved_late"].sum())),
                               ("overdue", int(rows["overdue"].sum())), ("due_soon", int(rows["due_soon"].sum())),
                               ("no_apology", int(rows["without_apology"].sum()))):
            assert late.late_count_of(counts, kind) == expected == late.late_count(con, filters, kind), (kind, filters)


def test_buckets_as_every_dossier_read(con, units, field):
    for filters in all_filters(units, field):
        rows = rows_of(con, filters)
        got = late.buckets(con, filters)
        for i, (_, low, high) in enumerate(late.BUCKETS):
            inside = (pl.col("days_late") >= low) & (pl.col("days_late") <= (high if high is not None else 10**9))
            assert got["resolved_late"][i] == rows.filter(pl.col("resolved_late") & inside).height, filters
            assert got["overdue"][i] == rows.filter(pl.col("overdue") & inside).height, filters


@pytest.mark.parametrize("by", ["unit", "field"])
def test_breakdowns_as_every_dossier_read(con, units, field, by):
    key = {"unit": "unit_code", "field": "field_code"}[by]
    for filters in all_filters(units, field):
        rows = rows_of(con, filters)
        want = (rows.group_by(key).agg(pl.col("resolved").sum(), pl.col("resolved_late").sum(),
                                       pl.col("overdue").sum(), pl.col("without_apology").sum())
                .filter(pl.col("resolved_late") + pl.col("overdue") > 0))
        got = late.breakdown(con, filters, by, limit=100_000)
        assert sorted(got.select("group_key", "resolved", "resolved_late", "overdue", "without_apology").rows()) == \
            sorted(want.rows()), filters
        # Most late first, then most resolved late.
        ordered = (got["resolved_late"] + got["overdue"]).to_list()
        assert ordered == sorted(ordered, reverse=True)
        if got.height > 3:
            assert late.breakdown(con, filters, by, limit=3).rows() == got.head(3).rows()


def test_units_to_act_on_as_every_dossier_read(con, units, field):
    for filters in all_filters(units, field):
        rows = rows_of(con, filters)
        want = (rows.group_by("unit_code").agg(*(pl.col(c).sum() for c in (
            "overdue", "resolved_late", "resolved", "without_apology", "due_soon")))
                .filter((pl.col("overdue") > 0) | (pl.col("resolved_late") > 0) | (pl.col("due_soon") > 0)))
        got = late.units_to_act_on(con, filters, limit=100_000)
        assert sorted(got.select("unit_code", "overdue", "resolved_late", "resolved", "without_apology",
                                 "due_soon").rows()) == sorted(want.rows()), filters
        keys = got.select("overdue", "resolved_late", "without_apology", "due_soon").rows()
        assert keys == sorted(keys, reverse=True)


def test_unit_ranking_counts_every_unit_of_the_province(con, units, field):
    """Whatever the viewer's scope and selection, the ranking counts the whole province (with the
    fields selected) and shows the units the viewer may read."""
    for filters in all_filters(units, field):
        rows = rows_of(con, filters.group())
        want = (rows.group_by("unit_code").agg(*(pl.col(c).sum() for c in (
            "resolved", "resolved_late", "overdue", "without_apology")))
                .filter(pl.col("resolved") + pl.col("overdue") > 0))
        standing = late.unit_ranking(con, filters)
        visible = {u for u in want["unit_code"] if filters.scope.sees_peers or filters.scope.allows(u)}
        if filters.unit_codes:
            visible &= set(filters.unit_codes)
        got = standing.rows.select("unit_code", "resolved", "resolved_late", "overdue", "without_apology")
        assert sorted(got.rows()) == sorted(r for r in want.rows() if r[0] in visible), filters
        assert standing.summary.units == want.height
        whole = late.cube(con, filters.group())
        assert late.unit_ranking_of(con, filters, whole).rows.rows() == standing.rows.rows()
        assert late.is_whole_group(filters) == (filters.scope.unit_codes is None and not filters.unit_codes)


@pytest.mark.parametrize("code, day", [
    ("000.00.53.H48-220921-0099", date(2022, 9, 21)),
    ("000.00.11.H48-261103-0040-P00", date(2026, 11, 3)),
    ("H48-240229-1", date(2024, 2, 29)),
    ("H48-230229-1", None),  # no 29 February in 2023
    ("H48-261303-0001", None),  # no thirteenth month
    ("HS-L4", None),
    ("12345678901234567", None),
])
def test_the_day_a_dossier_code_carries(code, day):
    assert late.code_day(code) == day


def test_a_dossier_opens_by_its_code_day_and_without_it(con, monkeypatch):
    code, received = con.execute("SELECT dossier_code, received_date FROM dossiers WHERE received_date IS NOT NULL "
                                 "ORDER BY dossier_code LIMIT 1").fetchone()
    day = late.code_day(code)
    assert day is not None and abs((received - day).days) <= late.CODE_DAY_WINDOW  # the demo's codes carry it
    filters = Filters(Scope.province(), date(2026, 11, 1), date(2026, 11, 7), as_of=TODAY)
    whole = late.dossier_detail(con, filters, code)
    # Found among the dossiers received near the code's day, without reading the rest …
    monkeypatch.setitem(late.ROWS, "code", "SELECT * FROM dossiers WHERE FALSE")
    assert late.dossier_detail(con, filters, code.lower()).row == whole.row
    monkeypatch.undo()
    # … and by the whole table when the receipt lies far from that day.
    monkeypatch.setattr(late, "CODE_DAY_WINDOW", -1)
    assert late.dossier_detail(con, filters, code).row == whole.row
    # A viewer of another unit finds nothing either way.
    other = Filters(Scope.units(["00000"]), filters.start, filters.end, as_of=TODAY)
    assert late.dossier_detail(con, other, code) is None


# What each list kind holds and how each sort orders it, written again over FLAGS_SQL.
KINDS = {"late": "resolved_late OR overdue", "resolved_late": "resolved_late", "overdue": "overdue",
         "no_apology": "without_apology", "due_soon": "due_soon"}
SORTS = {"days_late": "days_late DESC NULLS LAST, due_date NULLS LAST, dossier_code",
         "due": "due_date NULLS LAST, dossier_code", "received": "received_at DESC NULLS LAST, dossier_code",
         "unit": "unit_name NULLS LAST, days_late DESC NULLS LAST, dossier_code"}


@pytest.mark.parametrize("sort", list(SORTS))
def test_the_list_as_every_dossier_read_sorted_once(con, units, field, sort):
    """The list is read in parts (resolved late, open), each sorted and cut (the part's dossiers up to
    the limit-th one's key, ties kept), then merged: the same dossiers in the same order as one sort
    of every dossier of the kind, for limits of 40, 5 and 1."""
    for filters, limit in zip(all_filters(units, field)[::3], itertools.cycle((40, 5, 1))):
        for kind, condition in KINDS.items():
            sql = (f"SELECT x.dossier_code FROM ({FLAGS_SQL}) x "
                   "LEFT JOIN (SELECT unit_code, coalesce(unit_name, unit_code) AS unit_name FROM units) u USING (unit_code) "
                   f"WHERE {condition} ORDER BY {SORTS[sort]} LIMIT {limit}")
            want = frame(con, sql, {**filters.params(), "as_of": TODAY,
                                    "soon": settings().late.due_soon_working_days})["dossier_code"].to_list()
            full = late.late_list(con, filters, kind, "", sort, limit)
            assert full["dossier_code"].to_list() == want, (kind, sort, filters)
            # The brief list (alerts, digests): the same dossiers, its columns as the full list has them.
            brief = late.late_list(con, filters, kind, "", sort, limit, brief=True)
            assert brief.columns == list(late.BRIEF_COLUMNS)
            assert brief.rows() == full.select(late.BRIEF_COLUMNS).rows(), (kind, sort, filters)
            if kind == "late" and sort == "days_late" and filters.scope.unit_codes is None:
                assert late.late_list(con, filters, kind, "", sort, None).height == late.late_count(con, filters)


def test_alerts_from_the_pages_counts_as_counted_alone(con, units, field):
    """The briefing hands the alerts its late and Form 06 counts: the same alerts as counted alone."""
    from queries import alerts, volumes

    for filters in all_filters(units, field):
        alone = alerts.evaluate(con, filters)
        handed = alerts.evaluate(con, filters, None, volumes.cube(con, filters), late.cube(con, filters))
        assert [(a.rule, a.unit_code, a.count, a.rate) for a in handed] == \
            [(a.rule, a.unit_code, a.count, a.rate) for a in alone], filters
        for a, b in zip(alone, handed):
            assert (a.dossiers is None) == (b.dossiers is None)
            if a.dossiers is not None:
                assert a.dossiers.rows() == b.dossiers.rows()


def test_holders_of_the_three_kinds_read_together_as_each_alone(con, units, field):
    """The briefing's units and officers holding overdue, unapologised and due-soon dossiers, read in
    one statement, equal each kind read alone (overdue and due soon alone read the open dossiers only),
    and each unit's count is its count of the kind's list."""
    for filters in all_filters(units, field)[::2]:
        together = late.who_holds_all(con, filters, late.ACTION_KINDS, units=100, officers=100)
        rows = rows_of(con, filters)
        for kind, flag in (("overdue", "overdue"), ("no_apology", "without_apology"), ("due_soon", "due_soon")):
            alone = late.who_holds(con, filters, kind, units=100, officers=100)
            assert together[kind].rows() == alone.rows(), (kind, filters)
            per_unit = dict(together[kind].select("unit_code", "unit_dossiers").unique().rows())
            want = dict(rows.filter(pl.col(flag)).group_by("unit_code").len().rows())
            assert per_unit == want, (kind, filters)
