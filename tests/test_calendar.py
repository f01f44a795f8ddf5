"""Working-day calendar: due dates and late days worked out by hand on the 2025/2026 calendar.

February 2026 for reference (the `holidays` package, VN: Tết = Mon 16 – Fri 20/02/2026):

    Mo Tu We Th Fr Sa Su
                      1
     2  3  4  5  6  7  8
     9 10 11 12 13 14 15
    16 17 18 19 20 21 22      ← 16–20 Tết holidays, so Fri 13 → Mon 23 is one working day apart
    23 24 25 26 27 28

April/May 2025: Sat 26/04/2025 is a make-up working day (it swaps with Fri 02/05/2025);
Wed 30/04, Thu 01/05 and Fri 02/05 are days off.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from fixtures_exports import dossier, write_dossier_csv

from core.calendar import default_calendar
from etl.extract import extract_file
from etl.load import normalize_table
from etl.normalize import Context


@pytest.fixture(scope="module")
def cal():
    return default_calendar()


# --- the calendar itself --------------------------------------------------------------------------

DAYS = [
    (date(2026, 2, 13), True),  # Friday before Tết
    (date(2026, 2, 14), False),  # Saturday
    (date(2026, 2, 16), False),  # Tết (Giao thừa)
    (date(2026, 2, 20), False),  # Tết (Mùng bốn)
    (date(2026, 2, 23), True),  # first working Monday after Tết
    (date(2025, 4, 26), True),  # make-up Saturday
    (date(2025, 4, 27), False),  # the Sunday after it stays off
    (date(2025, 5, 2), False),  # the Friday swapped for it
    (date(2025, 9, 2), False),  # National Day
    (date(2026, 1, 1), False),  # New Year
]


@pytest.mark.parametrize("day, working", DAYS)
def test_is_working_day(cal, day, working):
    assert cal.is_working_day(day) is working


def test_working_days_between(cal):
    # (Fri 13/02, Mon 23/02]: Sat–Sun, five Tết days, Sat–Sun, then Mon 23 → 1.
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    # (Fri 06/02, Fri 13/02]: Mon 9 … Fri 13 → 5.
    assert cal.working_days_between(date(2026, 2, 6), date(2026, 2, 13)) == 5
    # Reversed order gives the negative count.
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 6)) == -5


def test_calendar_frame_matches_is_working_day(cal):
    frame = cal.frame()
    feb = frame.filter(frame["cal_date"].is_between(date(2026, 2, 1), date(2026, 2, 28)))
    # 28 days − 8 weekend days − 5 Tết days = 15 working days.
    assert int(feb["is_working_day"].sum()) == 15
    makeup = frame.filter(frame["cal_date"] == date(2025, 4, 26)).row(0, named=True)
    assert makeup["is_working_day"] and makeup["is_makeup_workday"]


# --- due dates ------------------------------------------------------------------------------------

DUE_DATES = [
    # Across a weekend: Thu 05/02/2026 10:00 + 3 working days → Fri 6 (1), Mon 9 (2), Tue 10 (3),
    # at the same office hour.
    (datetime(2026, 2, 5, 10, 0), 3, "working", datetime(2026, 2, 10, 10, 0)),
    # Across Tết: Thu 12/02/2026 09:00 + 3 → Fri 13 (1), [weekend, Tết 16–20, weekend], Mon 23 (2), Tue 24 (3).
    (datetime(2026, 2, 12, 9, 0), 3, "working", datetime(2026, 2, 24, 9, 0)),
    # After 17:00: Fri 06/02/2026 17:30 counts from Mon 09 morning; 2 days = Mon 9 and Tue 10, end of day.
    (datetime(2026, 2, 6, 17, 30), 2, "working", datetime(2026, 2, 10, 17, 0)),
    # At 17:00 sharp the office is closed too: Thu 05/02 17:00 + 1 → all of Fri 06.
    (datetime(2026, 2, 5, 17, 0), 1, "working", datetime(2026, 2, 6, 17, 0)),
    # On a Saturday: Sat 07/02/2026 09:00 + 1 → Mon 09, end of day.
    (datetime(2026, 2, 7, 9, 0), 1, "working", datetime(2026, 2, 9, 17, 0)),
    # During Tết: Wed 18/02/2026 10:00 (online) + 2 → Mon 23 (1), Tue 24 (2), end of day.
    (datetime(2026, 2, 18, 10, 0), 2, "working", datetime(2026, 2, 24, 17, 0)),
    # Before office hours: Mon 09/02/2026 06:30 + 1 → the whole of Mon 09, until 17:00.
    (datetime(2026, 2, 9, 6, 30), 1, "working", datetime(2026, 2, 9, 17, 0)),
    # Make-up Saturday: Fri 25/04/2025 10:00 + 2 → Sat 26 (1, make-up), Mon 28 (2).
    (datetime(2025, 4, 25, 10, 0), 2, "working", datetime(2025, 4, 28, 10, 0)),
    # … + 4 → Sat 26 (1), Mon 28 (2), Tue 29 (3), [30/4, 1/5, 2/5 off, weekend], Mon 05/05 (4).
    (datetime(2025, 4, 25, 10, 0), 4, "working", datetime(2025, 5, 5, 10, 0)),
    # Calendar days landing on a holiday: Mon 02/02/2026 + 15 days = Tue 17/02 (Tết) → next working
    # day Mon 23/02, end of day.
    (datetime(2026, 2, 2, 9, 0), 15, "calendar", datetime(2026, 2, 23, 17, 0)),
    # Calendar days landing on a working day: Mon 02/03/2026 + 15 = Tue 17/03/2026.
    (datetime(2026, 3, 2, 9, 0), 15, "calendar", datetime(2026, 3, 17, 17, 0)),
    # Calendar days landing on a Saturday: Fri 06/02/2026 + 15 = Sat 21/02 → Mon 23/02.
    (datetime(2026, 2, 6, 9, 0), 15, "calendar", datetime(2026, 2, 23, 17, 0)),
]


@pytest.mark.parametrize("received, days, kind, expected", DUE_DATES)
def test_due_date(cal, received, days, kind, expected):
    assert cal.due_date(received, days, kind) == expected


def test_due_date_refuses_to_guess_outside_the_calendar(cal):
    # settings.toml: the calendar covers 2015–2032. Before it seq() is 0 and after it the working
    # days run out, so a due date there would be silently wrong (or an IndexError).
    with pytest.raises(ValueError):
        cal.due_date(datetime(2014, 1, 2, 8, 0), 3)
    with pytest.raises(ValueError):
        cal.due_date(datetime(2032, 12, 29, 8, 0), 3)  # Wed 29, Thu 30, Fri 31, then off the end
    with pytest.raises(ValueError):
        cal.due_date(datetime(2032, 12, 20, 8, 0), 30, "calendar")  # lands in 2033
    with pytest.raises(ValueError):
        cal.working_days_between(date(2014, 12, 1), date(2015, 1, 5))
    # Mon 29/12/2031 08:00 + 3 → Tue 30 (1), Wed 31 (2), [Thu 01/01/2032 New Year], Fri 02/01 (3).
    assert cal.due_date(datetime(2031, 12, 29, 8, 0), 3) == datetime(2032, 1, 2, 8, 0)


# --- late working days ----------------------------------------------------------------------------

LATE = [
    # Due Fri 06/02/2026, finished Tue 10/02: Mon 9, Tue 10 → 2.
    (date(2026, 2, 6), date(2026, 2, 10), 2),
    # Across Tết: due Fri 13/02, finished Tue 24/02: (13, 24] = Mon 23, Tue 24 → 2.
    (date(2026, 2, 13), date(2026, 2, 24), 2),
    # Finished on a Tết holiday (Wed 18/02) counts as Mon 23 morning: due Thu 12/02 → Fri 13, Mon 23 → 2.
    (date(2026, 2, 12), date(2026, 2, 18), 2),
    # Finished on Saturday 14/02, due Fri 13/02 → next working morning Mon 23 → 1.
    (date(2026, 2, 13), date(2026, 2, 14), 1),
    # Finished on the make-up Saturday 26/04/2025, due Fri 25/04: it is a working day → 1.
    (date(2025, 4, 25), date(2025, 4, 26), 1),
    # Finished on the due day or before: not late.
    (date(2026, 2, 13), date(2026, 2, 13), 0),
    (date(2026, 2, 13), date(2026, 2, 10), 0),
]


@pytest.mark.parametrize("due, finished, expected", LATE)
def test_late_working_days(cal, due, finished, expected):
    assert cal.late_working_days(due, finished) == expected


# --- supplement pause (through normalize, where the rule is applied) -----------------------------


def _normalized_due(tmp_path, row: dict) -> datetime:
    path = tmp_path / "bo_sung.csv"
    keys = ("code", "procedure_code", "unit", "received", "due", "requested", "supplemented", "status")
    write_dossier_csv(path, [row], keys=keys)
    [table] = extract_file(path)
    result = normalize_table(table, Context.default())
    assert result.rejects.filter(result.rejects["severity"] == "error").height == 0, result.rejects
    return result.rows.row(0, named=True)


# 1.004873 "Cấp Giấy xác nhận tình trạng hôn nhân": 3 working days in procedures.csv.
MARRIAGE = "1.004873.000.00.00.H48"


def test_supplement_pause_extends_computed_due(tmp_path):
    # Received Mon 02/02/2026 08:00 + 3 working days → Thu 05/02 08:00 without a pause.
    # Supplement requested Tue 03/02, supplied Mon 09/02: pause = (03/02, 09/02] = Wed 4, Thu 5,
    # Fri 6, Mon 9 = 4 working days. Thu 05/02 + 4 → Fri 6, Mon 9, Tue 10, Wed 11 → Wed 11/02 08:00.
    row = dossier("BS-01", "Phường Thanh Khê", "02/02/2026 08:00:00", None, None, "Đang xử lý",
                  procedure_code=MARRIAGE, requested="03/02/2026 10:00:00", supplemented="09/02/2026 09:00:00")
    out = _normalized_due(tmp_path, row)
    assert out["due_at"] == datetime(2026, 2, 11, 8, 0)
    assert out["due_source"] == "computed"
    assert out["supplement_count"] == 1


def test_supplement_pause_across_tet(tmp_path):
    # Received Mon 09/02/2026 08:00 + 3 → Thu 12/02 08:00. Waited from Thu 12/02 to Tue 24/02:
    # (12/02, 24/02] = Fri 13, Mon 23, Tue 24 = 3 working days. Thu 12/02 + 3 → Fri 13, Mon 23, Tue 24.
    row = dossier("BS-02", "Phường Thanh Khê", "09/02/2026 08:00:00", None, None, "Đang xử lý",
                  procedure_code=MARRIAGE, requested="12/02/2026 08:30:00", supplemented="24/02/2026 14:00:00")
    assert _normalized_due(tmp_path, row)["due_at"] == datetime(2026, 2, 24, 8, 0)


def test_given_due_date_is_trusted(tmp_path):
    # settings.toml: supplement_pause_extends_given_due = false, so the export's due date stands.
    row = dossier("BS-03", "Phường Thanh Khê", "02/02/2026 08:00:00", "05/02/2026 08:00:00", None, "Đang xử lý",
                  procedure_code=MARRIAGE, requested="03/02/2026 10:00:00", supplemented="09/02/2026 09:00:00")
    out = _normalized_due(tmp_path, row)
    assert out["due_at"] == datetime(2026, 2, 5, 8, 0)
    assert out["due_source"] == "export"


def test_due_outside_the_calendar_is_a_clear_reject(tmp_path):
    path = tmp_path / "cu.csv"
    keys = ("code", "procedure_code", "unit", "received", "due", "status")
    write_dossier_csv(path, [
        dossier("OLD-2014", "Phường Thanh Khê", "02/01/2014 08:00:00", None, None, "Đang xử lý", procedure_code=MARRIAGE),
        dossier("END-2032", "Phường Thanh Khê", "29/12/2032 08:00:00", None, None, "Đang xử lý", procedure_code=MARRIAGE),
        dossier("NY-2032", "Phường Thanh Khê", "29/12/2031 08:00:00", None, None, "Đang xử lý", procedure_code=MARRIAGE),
    ], keys=keys)
    [table] = extract_file(path)
    # Loaded in 2033, so that 2031–2032 are past dates (the plausibility rules reject future ones).
    result = normalize_table(table, replace(Context.default(), today=date(2033, 1, 15)))
    errors = result.rejects.filter(result.rejects["severity"] == "error")
    # Header is row 1, so the data rows are 2, 3, 4. 2014 is before the calendar's first year (2015):
    # rejected as such before any due date is computed; 29/12/2032 + 3 working days runs past the
    # calendar's last day (31/12/2032).
    assert sorted(errors.select("source_row", "reason_code", "raw_value").rows()) == [
        (2, "before_first_year", "02/01/2014 08:00:00"), (3, "outside_calendar", "29/12/2032 08:00:00")]
    assert all("settings.toml" in m for m in errors.filter(errors["reason_code"] == "outside_calendar")["message"])
    assert result.rows.select("dossier_code", "due_at").rows() == [("NY-2032", datetime(2032, 1, 2, 8, 0))]
