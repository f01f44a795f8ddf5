"""The data-quality flags that read fewer rows (queries/quality.py: balance counted per unit first,
finish-before-receipt as two date scans, silent units over their windows only) against the
straightforward SQL they replace, on the hand-made export of tests/test_quality.py, over several
periods, scopes and unit selections: a condition that drops a row cannot pass."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from queries import quality
from queries.connection import frame
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters, Scope
from tests.test_quality import RULES, A, B, C, D, E
from tests.test_quality import con as con  # noqa: F401  (the module's fixture)

TODAY = date(2026, 11, 21)
PERIODS = [
    (date(2026, 8, 15), date(2026, 10, 31)),  # the hand-worked period: every flag trips
    (date(2026, 10, 1), date(2026, 10, 31)),  # QA-A1 received in it, finished before it
    (date(2026, 8, 1), date(2026, 8, 31)),  # QA-A1 finished in it, received after it
    (date(2026, 9, 1), date(2026, 9, 30)),
    (date(2026, 10, 5), date(2026, 10, 11)),  # a week
    (date(2026, 1, 1), date(2026, 12, 31)),  # a year
    (date(2025, 1, 1), date(2025, 1, 31)),  # nothing at all
]
SCOPES = [
    (Scope.province(), frozenset()),
    (Scope.province(), frozenset({A, E})),
    (Scope.units({A, B, C}), frozenset()),
    (Scope.units({B, D}), frozenset({D})),
]
CASES = [(p, s, u) for p in PERIODS for s, u in SCOPES]

# Before: one Form 06 row per dossier, every dossier received by the period end.
BALANCE_SQL = f"""
    WITH flags AS (
        SELECT d.dossier_code, d.unit_code,
               d.received_date BETWEEN $start AND $end AS in_period,
               d.received_date < $start AND NOT d.is_closed_other
                   AND NOT (d.is_resolved AND d.finished_date < $start) AS carried_over,
               d.is_resolved AND d.finished_date BETWEEN $start AND $end AS resolved,
               NOT d.is_closed_other AND NOT (d.is_resolved AND d.finished_date <= $end)
                   AND (d.received_date >= $start OR NOT (d.is_resolved AND d.finished_date < $start)) AS pending,
               d.is_closed_other AS closed_other
        FROM dossiers d
        WHERE d.is_received AND d.received_date <= $end AND {SCOPE_SQL} AND {SELECTION_SQL}
    ), per_dossier AS (
        SELECT dossier_code, unit_code,
               CAST(in_period OR carried_over AS INTEGER) AS received,
               CAST(in_period OR carried_over AS INTEGER) - CAST(coalesce(resolved, FALSE) AS INTEGER)
                   - CAST(coalesce(pending, FALSE) AS INTEGER)
                   - CAST(in_period AND closed_other AS INTEGER) AS gap
        FROM flags WHERE in_period OR carried_over OR resolved OR pending
    )
    SELECT unit_code, sum(gap) AS count, sum(received) AS base,
           list(dossier_code ORDER BY dossier_code) FILTER (gap <> 0) AS examples
    FROM per_dossier GROUP BY unit_code HAVING sum(gap) <> 0
"""
FINISH_BEFORE_RECEIPT_SQL = f"""
    SELECT d.unit_code, count(*) AS count, list(d.dossier_code ORDER BY d.received_date DESC, d.dossier_code) AS examples
    FROM dossiers d
    WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.finished_date < d.received_date
      AND (d.received_date BETWEEN $start AND $end OR d.finished_date BETWEEN $start AND $end)
    GROUP BY d.unit_code
"""
# Every dossier ever received up to the cut, not only those of the two windows.
SILENT_SQL = f"""
    WITH x AS (
        SELECT d.unit_code, max(d.received_date) AS last_date, arg_max(d.dossier_code, d.received_at) AS last_code,
               count(*) FILTER (d.received_date > $cut - $silent_days) AS recent,
               count(*) FILTER (d.received_date <= $cut - $silent_days
                                AND d.received_date > $cut - $silent_days - $baseline_days) AS base
        FROM dossiers d
        WHERE {SCOPE_SQL} AND {SELECTION_SQL} AND d.is_received AND d.received_date <= $cut
        GROUP BY d.unit_code
    )
    SELECT unit_code, date_diff('day', last_date, $cut) AS count, base, last_date, [last_code] AS examples
    FROM x WHERE recent = 0 AND base * $silent_days / $baseline_days >= $min_expected
"""


def _rows(result: pl.DataFrame, columns: tuple[str, ...]) -> list[tuple]:
    return sorted(tuple(r[c] for c in columns) for r in result.to_dicts())


def _filters(period, scope, units) -> Filters:
    return Filters(scope, *period, units, as_of=TODAY)


@pytest.mark.parametrize(("period", "scope", "units"), CASES)
def test_balance_as_per_dossier(con, period, scope, units):
    filters = _filters(period, scope, units)
    got = quality.balance_flags(con, filters, RULES)
    want = frame(con, BALANCE_SQL, filters.params()).with_columns(pl.col("examples").list.head(RULES.examples))
    assert _rows(got, ("unit_code", "count", "base", "examples")) == _rows(want, ("unit_code", "count", "base",
                                                                                  "examples"))


def test_balance_cases_include_a_broken_balance(con):
    # QA-A1 (received 05/10, finished 10/08) breaks October: the comparison above is not all empty.
    assert quality.balance_flags(con, _filters(PERIODS[1], Scope.province(), frozenset()), RULES).height == 1


@pytest.mark.parametrize(("period", "scope", "units"), CASES)
def test_finish_before_receipt_as_one_scan(con, period, scope, units):
    filters = _filters(period, scope, units)
    got = quality.finish_before_receipt(con, filters, RULES)
    want = frame(con, FINISH_BEFORE_RECEIPT_SQL, filters.params()).with_columns(
        pl.col("examples").list.head(RULES.examples))
    assert _rows(got, ("unit_code", "count", "examples")) == _rows(want, ("unit_code", "count", "examples"))


def test_finish_before_receipt_found_by_either_date(con):
    # Received in October (first scan) and finished in August (second scan): QA-A1 both times.
    for period in (PERIODS[1], PERIODS[2]):
        got = quality.finish_before_receipt(con, _filters(period, Scope.province(), frozenset()), RULES)
        assert got["examples"].to_list() == [["QA-A1"]]


@pytest.mark.parametrize("rules", [RULES, replace(RULES, silent_min_expected=0),
                                   replace(RULES, silent_days=7, silent_baseline_days=60, silent_min_expected=1)])
@pytest.mark.parametrize(("period", "scope", "units"), CASES)
def test_silent_units_as_full_history(con, period, scope, units, rules):
    filters = _filters(period, scope, units)
    got = quality.silent_units(con, filters, rules)
    params = {**filters.params(), "silent_days": rules.silent_days, "baseline_days": rules.silent_baseline_days,
              "min_expected": rules.silent_min_expected}
    want = frame(con, SILENT_SQL, params)
    columns = ("unit_code", "count", "base", "last_date", "examples")
    assert _rows(got, columns) == _rows(want, columns)
