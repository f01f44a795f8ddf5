"""Query functions restructured to read fewer rows (Form 06 counts over the dossiers a period
concerns, the briefing trend per day, the home page's summaries, the top procedures) against the
straightforward SQL they replace, on the demo province (two years, a hundred units, two dozen
fields), over weeks, months and a year, several scopes and selections: a condition that drops a
row cannot pass."""
from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from queries import briefing, status, volumes
from queries.connection import frame, one_row
from queries.dossiers import COUNT_COLUMNS, GROUPS, period_counts
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters, Scope
from queries.periods import Period, period_containing

TODAY = date(2026, 11, 21)
PERIODS = [
    (date(2026, 11, 9), date(2026, 11, 15)),  # a week
    (date(2026, 10, 15), date(2026, 11, 14)),  # a reporting month (15th to 14th)
    (date(2025, 12, 15), date(2026, 12, 14)),  # a reporting year, still running
    (date(2025, 1, 1), date(2025, 12, 31)),  # a calendar year
    (date(2024, 11, 1), date(2024, 11, 7)),  # the first days with data
    (date(2023, 1, 1), date(2023, 12, 31)),  # before any data
]


@pytest.fixture(scope="module")
def con(demo_db) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(demo_db), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def units(con) -> list[str]:
    """Three units with dossiers and one without any (when the directory has one)."""
    busy = [r[0] for r in con.execute("SELECT unit_code FROM dossiers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3")
            .fetchall()]
    idle = [r[0] for r in con.execute("SELECT unit_code FROM units WHERE unit_code NOT IN "
                                      "(SELECT unit_code FROM dossiers) LIMIT 1").fetchall()]
    return busy + idle


@pytest.fixture(scope="module")
def field(con) -> str:
    return con.execute("SELECT field_code FROM dossiers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]


def selections(units: list[str], field: str) -> list[tuple[Scope, frozenset, frozenset]]:
    return [
        (Scope.province(), frozenset(), frozenset()),
        (Scope.units(units[:2]), frozenset(), frozenset()),
        (Scope.province(), frozenset(units[1:]), frozenset({field})),
        (Scope.units(units), frozenset(units[:1]), frozenset()),
    ]


def all_filters(units, field) -> list[Filters]:
    return [Filters(scope, start, end, sel_units, sel_fields, as_of=TODAY)
            for start, end in PERIODS for scope, sel_units, sel_fields in selections(units, field)]


# Before: every dossier received by the period end, flags on each (queries/sql/period_counts.sql).
FORM06_SQL = f"""
    WITH flags AS (
        SELECT {{key}} AS group_key,
            received_date BETWEEN $start AND $end AS in_period,
            received_date < $start AND NOT is_closed_other AND NOT (is_resolved AND finished_date < $start) AS carried_over,
            is_resolved AND finished_date BETWEEN $start AND $end AS resolved, timeliness,
            NOT is_closed_other AND NOT (is_resolved AND finished_date <= $end)
                AND (received_date >= $start OR NOT (is_resolved AND finished_date < $start)) AS pending,
            due_date < $cut AS due_before_end, is_closed_other AS closed_other, is_online
        FROM dossiers d LEFT JOIN units u ON u.unit_code = d.unit_code
        WHERE d.is_received AND d.received_date <= $end AND {SCOPE_SQL} AND {SELECTION_SQL}
    )
    SELECT group_key,
        count(*) FILTER (in_period AND is_online) AS received_online,
        count(*) FILTER (in_period AND NOT is_online) AS received_direct,
        count(*) FILTER (carried_over) AS carried_over,
        count(*) FILTER (in_period OR carried_over) AS received_total,
        count(*) FILTER (resolved AND timeliness = 'early') AS resolved_early,
        count(*) FILTER (resolved AND timeliness = 'on_time') AS resolved_on_time,
        count(*) FILTER (resolved AND timeliness = 'late') AS resolved_late,
        count(*) FILTER (resolved) AS resolved_total,
        count(*) FILTER (pending AND NOT coalesce(due_before_end, FALSE)) AS pending_within,
        count(*) FILTER (pending AND coalesce(due_before_end, FALSE)) AS pending_overdue,
        count(*) FILTER (pending) AS pending_total,
        count(*) FILTER (in_period AND closed_other) AS withdrawn_stopped_refused
    FROM flags WHERE in_period OR carried_over OR resolved OR pending
    GROUP BY group_key
"""


def _rows(result: pl.DataFrame, columns) -> list[tuple]:
    return sorted((tuple(r[c] for c in columns) for r in result.to_dicts()), key=repr)


@pytest.mark.parametrize("by", ["total", "unit", "field", "level", "channel"])
def test_form06_counts_as_every_dossier_read(con, units, field, by):
    [(_, key)] = GROUPS[by]
    checked = 0
    for filters in all_filters(units, field):
        got = period_counts(con, filters, by=by)
        want = frame(con, FORM06_SQL.replace("{key}", key), filters.params())
        assert _rows(got, ("group_key", *COUNT_COLUMNS)) == _rows(want, ("group_key", *COUNT_COLUMNS)), filters
        checked += want.height
    assert checked >= 20  # the cases hold dossiers


def test_form06_cases_hold_carried_over_and_pending(con, units, field):
    # The dossiers read apart from the period's (open before it, resolved after its start) are there.
    totals = period_counts(con, Filters(Scope.province(), *PERIODS[1], as_of=TODAY), by="total").row(0, named=True)
    assert totals["carried_over"] > 0 and totals["pending_total"] > 0 and totals["resolved_total"] > 0


def test_trend_as_one_form06_count_per_period(con, units, field):
    for scope, sel_units, sel_fields in selections(units, field):
        for kind in ("week", "month", "year"):
            period = period_containing(kind, TODAY)
            history = period.history(12) + (Period("custom", date(2026, 3, 4), date(2026, 5, 20)),)
            filters = Filters(scope, period.start, period.end, sel_units, sel_fields, as_of=TODAY)
            got = briefing.trend(con, filters, history)
            for row, p in zip(got.to_dicts(), history):
                f = Filters(scope, p.start, p.end, sel_units, sel_fields)
                [want] = period_counts(con, f, by="total").to_dicts() or [dict.fromkeys(COUNT_COLUMNS, 0)]
                assert row["received"] == want["received_online"] + want["received_direct"], (kind, p)
                assert row["resolved"] == want["resolved_total"], (kind, p)
                assert row["resolved_late"] == want["resolved_late"], (kind, p)
                in_time = want["resolved_early"] + want["resolved_on_time"]
                assert row["on_time_rate"] == (in_time / want["resolved_total"] if want["resolved_total"] else None)


SUMMARY_SQL = f"""
    WITH d AS (SELECT * FROM dossiers d WHERE {SCOPE_SQL})
    SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM survey_responses d WHERE {SCOPE_SQL}),
           (SELECT count(DISTINCT (load_id, source_row, file_name)) FROM ({status._REJECTS}) d
            WHERE severity = 'error' AND {SCOPE_SQL}),
           (SELECT count(*) FROM load_log l WHERE {status._LOADS_IN_SCOPE}),
           (SELECT min(received_date) FROM d), (SELECT max(received_date) FROM d),
           (SELECT max(loaded_at) FROM load_log l WHERE {status._LOADS_IN_SCOPE}),
           (SELECT count(DISTINCT unit_code) FROM d)
"""


def test_database_summary_as_every_dossier_read(con, units):
    for scope in (Scope.province(), Scope.units(units[:2]), Scope.units(units[-1:])):
        assert status.database_summary(con, scope) == status.DatabaseSummary(*one_row(con, SUMMARY_SQL,
                                                                                      scope.params()))
    assert status.database_summary(con, Scope.province()).rejects > 0  # the demo's files have bad rows


def test_unit_counts_as_directory_joined_with_dossiers(con, units):
    sql = """
        SELECT u.unit_code, u.unit_name, u.unit_type, u.unit_level, count(d.dossier_code) AS dossiers,
               max(d.received_date) AS last_received,
               date_diff('day', max(d.received_date), CAST($as_of AS DATE)) AS days_since_last
        FROM units u LEFT JOIN dossiers d ON d.unit_code = u.unit_code
        WHERE $scope_all OR list_contains($scope_units::VARCHAR[], u.unit_code)
        GROUP BY ALL ORDER BY dossiers DESC, u.unit_name
    """
    for scope in (Scope.province(), Scope.units(units)):
        got = status.unit_counts(con, scope, TODAY)
        want = frame(con, sql, {**scope.params(), "as_of": TODAY})
        assert got.to_dicts() == want.to_dicts()
        assert got.dtypes == want.dtypes


def test_weekly_volume_as_weeks_of_every_dossier(con, units):
    sql = f"""
        SELECT CAST(week_start AS DATE) AS week_start, count(*) FILTER (kind = 'r') AS received,
               count(*) FILTER (kind = 's') AS resolved
        FROM (SELECT date_trunc('week', received_date) AS week_start, 'r' AS kind FROM dossiers d
              WHERE received_date IS NOT NULL AND is_received AND {SCOPE_SQL}
              UNION ALL
              SELECT date_trunc('week', finished_date), 's' FROM dossiers d WHERE is_resolved AND {SCOPE_SQL})
        GROUP BY ALL ORDER BY week_start
    """
    for scope in (Scope.province(), Scope.units(units)):
        got = status.weekly_volume(con, scope)
        want = frame(con, sql, scope.params())
        assert got.to_dicts() == want.to_dicts() and got.height > 50
        assert got.dtypes == want.dtypes


def test_load_history_of_the_province_is_every_load(con, units):
    every = frame(con, "SELECT * FROM load_log ORDER BY load_id DESC LIMIT 50")
    assert status.load_history(con, Scope.province(), 50).to_dicts() == every.to_dicts()
    sql = f"SELECT l.* FROM load_log l WHERE {status._LOADS_IN_SCOPE} ORDER BY l.load_id DESC LIMIT 50"
    scope = Scope.units(units[:2])
    assert status.load_history(con, scope, 50).to_dicts() == frame(con, sql, scope.params()).to_dicts()


def test_top_procedures_as_one_filtered_scan(con, units, field):
    sql = f"""
        SELECT coalesce(procedure_code, procedure_name, '') AS procedure_key, any_value(procedure_code) AS procedure_code,
               count(*) FILTER (is_received AND received_date BETWEEN $start AND $end) AS received,
               count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end) AS resolved
        FROM dossiers d
        WHERE {SCOPE_SQL} AND {SELECTION_SQL}
          AND ((is_received AND received_date BETWEEN $start AND $end)
               OR (is_resolved AND finished_date BETWEEN $start AND $end))
        GROUP BY 1 HAVING received > 0
    """
    for filters in all_filters(units, field):
        got = volumes.top_procedures(con, filters, limit=1000)
        want = frame(con, sql, filters.params())
        assert _rows(got, ("procedure_code", "received", "resolved")) == _rows(
            want, ("procedure_code", "received", "resolved")), filters


def test_channels_as_form06_by_channel(con, units, field):
    for filters in all_filters(units, field):
        got = volumes.by_channel(con, filters)
        want = {r["group_key"]: r for r in period_counts(con, filters, by="channel").to_dicts()}
        for row in got.to_dicts():
            counts = want.get(str(row["channel_code"]), dict.fromkeys(COUNT_COLUMNS, 0))
            assert row["received"] == counts["received_online"] + counts["received_direct"], filters
            for column in ("resolved_total", "pending_within", "pending_overdue", "pending_total"):
                assert row[column] == counts[column], (filters, column)
        assert got["received"].sum() == sum(c["received_online"] + c["received_direct"] for c in want.values())


@pytest.mark.parametrize("grain", ["week", "month"])
def test_series_as_buckets_of_every_dossier(con, units, field, grain):
    sql = f"""
        SELECT CAST(date_trunc('{grain}', day) AS DATE) AS bucket_start, count(*) FILTER (kind = 'r') AS received,
               count(*) FILTER (kind = 's') AS resolved
        FROM (SELECT received_date AS day, 'r' AS kind FROM dossiers d
              WHERE is_received AND received_date BETWEEN $window_start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL}
              UNION ALL
              SELECT finished_date, 's' FROM dossiers d
              WHERE is_resolved AND finished_date BETWEEN $window_start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL})
        GROUP BY ALL
    """
    for filters in all_filters(units, field):
        got = volumes.series(con, filters, grain)
        params = {**filters.params(), "window_start": volumes.window_start(filters.end, grain)}
        want = {r["bucket_start"]: r for r in frame(con, sql, params).to_dicts()}
        assert got["received"].sum() == sum(r["received"] for r in want.values())
        for row in got.to_dicts():
            expected = want.get(row["bucket_start"], {"received": 0, "resolved": 0})
            assert (row["received"], row["resolved"]) == (expected["received"], expected["resolved"]), filters


# Before: the field moves read every dossier received in the two periods.
FIELD_CHANGES_SQL = f"""
    SELECT d.field_code, f.field_name,
        count(*) FILTER (d.received_date BETWEEN $start AND $end) AS received,
        count(*) FILTER (d.received_date BETWEEN $prev_start AND $prev_end) AS received_before
    FROM dossiers d JOIN fields f USING (field_code)
    WHERE d.is_received AND d.received_date BETWEEN $prev_start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL}
    GROUP BY ALL
    ORDER BY abs(received - received_before) DESC, f.field_name
"""


def test_field_moves_and_kpis_as_every_dossier_read(con, units, field):
    """The briefing's field moves and cards are sums of the volumes cube of each period."""
    for filters in all_filters(units, field):
        period = Period("custom", filters.start, filters.end)
        previous = period.previous()
        before = Filters(filters.scope, previous.start, previous.end, filters.unit_codes, filters.field_codes,
                         as_of=TODAY)
        want = frame(con, FIELD_CHANGES_SQL, {**filters.params(), "prev_start": before.start,
                                              "prev_end": before.end})
        got = briefing.field_changes(con, filters, before)
        assert got.select("field_code", "field_name", "received", "received_before").rows() == want.rows(), filters
        assert (got["change"] == got["received"] - got["received_before"]).all()
        [total] = period_counts(con, filters, by="total").to_dicts() or [dict.fromkeys(COUNT_COLUMNS, 0)]
        k = briefing.kpis(con, filters)
        assert (k.received, k.received_online, k.resolved, k.resolved_late, k.pending_overdue) == (
            total["received_online"] + total["received_direct"], total["received_online"], total["resolved_total"],
            total["resolved_late"], total["pending_overdue"]), filters
