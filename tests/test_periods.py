"""Reporting periods against the calendar worked out by hand (NĐ 09/2019: reports cut off on the 14th)."""
from datetime import date

import pytest

from queries.periods import Period, last_complete, period_containing

D = date


@pytest.mark.parametrize("kind, day, start, end", [
    ("week", D(2026, 11, 22), D(2026, 11, 16), D(2026, 11, 22)),      # Sunday belongs to the week from Monday 16/11
    ("week", D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 22)),
    ("month", D(2026, 2, 10), D(2026, 2, 1), D(2026, 2, 28)),
    ("quarter", D(2026, 11, 22), D(2026, 10, 1), D(2026, 12, 31)),
    ("year", D(2026, 6, 1), D(2026, 1, 1), D(2026, 12, 31)),
    ("report_month", D(2026, 11, 14), D(2026, 10, 15), D(2026, 11, 14)),  # the 14th closes November's report
    ("report_month", D(2026, 11, 15), D(2026, 11, 15), D(2026, 12, 14)),  # the 15th opens December's
    ("report_month", D(2026, 1, 3), D(2025, 12, 15), D(2026, 1, 14)),     # across the new year
    ("report_quarter", D(2026, 11, 22), D(2026, 9, 15), D(2026, 12, 14)),  # Q4: 15/9 – 14/12
    ("report_quarter", D(2026, 12, 20), D(2026, 12, 15), D(2027, 3, 14)),  # after 14/12: Q1 of next year
    ("report_year", D(2026, 12, 14), D(2025, 12, 15), D(2026, 12, 14)),
    ("report_year", D(2026, 12, 15), D(2026, 12, 15), D(2027, 12, 14)),
])
def test_period_containing(kind, day, start, end):
    assert period_containing(kind, day) == Period(kind, start, end)


def test_previous_and_same_period_last_year():
    week = period_containing("week", D(2026, 11, 18))
    assert week.previous() == Period("week", D(2026, 11, 9), D(2026, 11, 15))
    assert week.same_last_year() == Period("week", D(2025, 11, 17), D(2025, 11, 23))  # 52 weeks back
    q = period_containing("report_quarter", D(2026, 11, 1))
    assert q.previous() == Period("report_quarter", D(2026, 6, 15), D(2026, 9, 14))
    custom = Period("custom", D(2026, 11, 1), D(2026, 11, 10))
    assert custom.previous() == Period("custom", D(2026, 10, 22), D(2026, 10, 31))


def test_default_view_is_last_complete_week():
    # Sunday 22/11/2026: the week 16–22/11 has not ended yet, so the last complete one is 9–15/11.
    assert last_complete("week", D(2026, 11, 22)) == Period("week", D(2026, 11, 9), D(2026, 11, 15))
    assert last_complete("week", D(2026, 11, 23)) == Period("week", D(2026, 11, 16), D(2026, 11, 22))


@pytest.mark.parametrize("period, label, short", [
    # ISO weeks: 2026 starts on a Thursday, so week 1 runs 29/12/2025–04/01/2026 and 23/11 opens week 48.
    (Period("week", D(2026, 11, 23), D(2026, 11, 29)), "Tuần 48 (23/11–29/11/2026)", "Tuần 48 (23/11–29/11)"),
    (Period("week", D(2025, 11, 10), D(2025, 11, 16)), "Tuần 46 (10/11–16/11/2025)", "Tuần 46 (10/11–16/11)"),
    (Period("week", D(2025, 12, 29), D(2026, 1, 4)), "Tuần 1 (29/12/2025–04/01/2026)", "Tuần 1 (29/12–04/01)"),
    (Period("month", D(2026, 11, 1), D(2026, 11, 30)), "Tháng 11/2026", "Tháng 11/2026"),
    (Period("month", D(2026, 2, 1), D(2026, 2, 28)), "Tháng 2/2026", "Tháng 2/2026"),
    (Period("quarter", D(2026, 7, 1), D(2026, 9, 30)), "Quý 3/2026", "Quý 3/2026"),
    (Period("quarter", D(2026, 10, 1), D(2026, 12, 31)), "Quý 4/2026", "Quý 4/2026"),
    (Period("year", D(2026, 1, 1), D(2026, 12, 31)), "Năm 2026", "Năm 2026"),
    (Period("report_month", D(2026, 10, 15), D(2026, 11, 14)), "Kỳ báo cáo tháng 11/2026 (15/10 – 14/11/2026)",
     "Kỳ tháng 11/2026"),
    (Period("report_quarter", D(2026, 9, 15), D(2026, 12, 14)),
     "Kỳ báo cáo quý 4/2026 (15/09/2026 – 14/12/2026)", "Kỳ quý 4/2026"),
    (Period("custom", D(2026, 11, 1), D(2026, 11, 10)), "Từ 01/11/2026 đến 10/11/2026", "01/11–10/11/2026"),
])
def test_labels(period, label, short):
    assert period.label() == label
    assert period.short_label() == short


def test_history_starts_at_the_first_period_with_data():
    quarter = Period("quarter", D(2026, 7, 1), D(2026, 9, 30))
    twelve = quarter.history(12)
    assert len(twelve) == 12 and twelve[-1] == quarter and twelve[0] == Period("quarter", D(2023, 10, 1), D(2023, 12, 31))
    # Data from 20/11/2024: Q4/2024 holds some of it and is kept; the quarters before it are not drawn.
    since = quarter.history(12, since=D(2024, 11, 20))
    assert [p.short_label() for p in since] == ["Quý 4/2024", "Quý 1/2025", "Quý 2/2025", "Quý 3/2025",
                                                "Quý 4/2025", "Quý 1/2026", "Quý 2/2026", "Quý 3/2026"]
    weeks = Period("week", D(2026, 11, 9), D(2026, 11, 15)).history(12, since=D(2026, 11, 1))
    assert [p.start for p in weeks] == [D(2026, 10, 26), D(2026, 11, 2), D(2026, 11, 9)]
