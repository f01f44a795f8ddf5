"""Query layer periods: weeks, calendar months/quarters/years, official report periods, custom.

Official reports cut off on the 14th (Nghị định 09/2019/NĐ-CP, art. 12): a month runs from the
15th of the previous month to the 14th; a quarter from the 15th of the month before the quarter
to the 14th of its last month; a year from 15/12 of the previous year to 14/12. The
service-quality index uses calendar months and quarters; briefings use Monday–Sunday weeks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

KINDS = {
    "week": "Tuần (thứ Hai – Chủ nhật)",
    "month": "Tháng",
    "quarter": "Quý",
    "year": "Năm",
    "report_month": "Kỳ báo cáo tháng (15 – 14)",
    "report_quarter": "Kỳ báo cáo quý (15 – 14)",
    "report_year": "Kỳ báo cáo năm (15/12 – 14/12)",
    "custom": "Tùy chọn",
}


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """Vietnamese label: 'Tuần 48 (23/11–29/11/2026)', 'Tháng 11/2026', 'Quý 3/2026', 'Năm 2026' …

        Weeks are numbered as ISO 8601 does (Monday–Sunday, week 1 holds the year's first Thursday),
        as office calendars in Vietnam print them."""
        s, e = self.start, self.end
        if self.kind == "week":
            first = f"{s:%d/%m}" if s.year == e.year else f"{s:%d/%m/%Y}"
            return f"Tuần {s.isocalendar().week} ({first}–{e:%d/%m/%Y})"
        if self.kind == "report_month":
            return f"Kỳ báo cáo tháng {e.month}/{e.year} ({s:%d/%m} – {e:%d/%m/%Y})"
        if self.kind == "report_quarter":
            return f"Kỳ báo cáo quý {quarter_of(e)}/{e.year} ({s:%d/%m/%Y} – {e:%d/%m/%Y})"
        if self.kind == "report_year":
            return f"Kỳ báo cáo năm {e.year} ({s:%d/%m/%Y} – {e:%d/%m/%Y})"
        if self.kind == "custom":
            return f"Từ {s:%d/%m/%Y} đến {e:%d/%m/%Y}"
        return self.short_label()

    def short_label(self) -> str:
        """The label on a chart axis, where the neighbours give the year: 'Tuần 48 (23/11–29/11)',
        'Tháng 11/2026', 'Quý 3/2026', 'Năm 2026', 'Kỳ tháng 11/2026', '01/11–10/11/2026'."""
        s, e = self.start, self.end
        if self.kind == "week":
            return f"Tuần {s.isocalendar().week} ({s:%d/%m}–{e:%d/%m})"
        if self.kind == "month":
            return f"Tháng {s.month}/{s.year}"
        if self.kind == "quarter":
            return f"Quý {quarter_of(s)}/{s.year}"
        if self.kind == "year":
            return f"Năm {s.year}"
        if self.kind == "report_month":
            return f"Kỳ tháng {e.month}/{e.year}"
        if self.kind == "report_quarter":
            return f"Kỳ quý {quarter_of(e)}/{e.year}"
        if self.kind == "report_year":
            return f"Kỳ năm {e.year}"
        return f"{s:%d/%m}–{e:%d/%m/%Y}"

    def previous(self) -> "Period":
        """The period of the same kind just before (for custom: the same number of days)."""
        if self.kind == "custom":
            return Period("custom", self.start - timedelta(days=self.days), self.start - timedelta(days=1))
        return period_containing(self.kind, self.start - timedelta(days=1))

    def shifted(self, steps: int) -> "Period":
        period = self
        for _ in range(steps):
            period = period.previous()
        return period

    def history(self, count: int, since: date | None = None) -> tuple["Period", ...]:
        """This period and the ones before it, `count` in all, oldest first; with `since` (the first
        day with data), periods that end before it are left out: a chart then starts at the first
        period holding data, not with empty bars that read as a collapse."""
        periods = [self.shifted(i) for i in range(count)]
        return tuple(reversed([p for p in periods if since is None or p.end >= since]))

    def same_last_year(self) -> "Period":
        if self.kind == "week":
            return period_containing("week", self.start - timedelta(weeks=52))
        if self.kind == "custom":
            return Period("custom", _minus_year(self.start), _minus_year(self.end))
        return period_containing(self.kind, _minus_year(self.start) + timedelta(days=1))


ROMAN = ("I", "II", "III", "IV")  # Biểu số 06 numbers its row groups I, II, III …


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_start(year: int, month: int) -> date:
    while month < 1:
        month += 12
        year -= 1
    while month > 12:
        month -= 12
        year += 1
    return date(year, month, 1)


def _month_end(year: int, month: int) -> date:
    first = _month_start(year, month)
    return _month_start(first.year, first.month + 1) - timedelta(days=1)


def period_containing(kind: str, day: date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        return Period(kind, date(day.year, day.month, 1), _month_end(day.year, day.month))
    if kind == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        return Period(kind, date(day.year, first, 1), _month_end(day.year, first + 2))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == "report_month":
        # The month whose 14th closes the period: after the 14th belongs to next month's report.
        end_month = _month_start(day.year, day.month + (1 if day.day > 14 else 0))
        start_month = _month_start(end_month.year, end_month.month - 1)
        return Period(kind, start_month.replace(day=15), end_month.replace(day=14))
    if kind == "report_quarter":
        ref = _month_start(day.year, day.month + (1 if day.day > 14 else 0))
        last = 3 * ((ref.month - 1) // 3) + 3
        end = date(ref.year, last, 14)
        start_month = _month_start(ref.year, last - 3)
        return Period(kind, start_month.replace(day=15), end)
    if kind == "report_year":
        year = day.year + (1 if (day.month, day.day) > (12, 14) else 0)
        return Period(kind, date(year - 1, 12, 15), date(year, 12, 14))
    raise ValueError(f"unknown period kind {kind!r}")


def last_complete(kind: str, today: date) -> Period:
    """The latest period of `kind` that has ended before `today` (default view: last full week)."""
    current = period_containing(kind, today)
    return current if current.end < today else current.previous()
