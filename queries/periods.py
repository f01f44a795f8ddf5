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
        """Vietnamese label: 'Tuần 10/11 – 16/11/2025', 'Tháng 11/2025', 'Quý IV/2025' …"""
        s, e = self.start, self.end
        if self.kind == "week":
            return f"Tuần {s:%d/%m} – {e:%d/%m/%Y}"
        if self.kind == "month":
            return f"Tháng {s:%m/%Y}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(s.month - 1) // 3]}/{s.year}"
        if self.kind == "year":
            return f"Năm {s.year}"
        if self.kind == "report_month":
            return f"Kỳ báo cáo tháng {e:%m/%Y} ({s:%d/%m} – {e:%d/%m/%Y})"
        if self.kind == "report_quarter":
            return f"Kỳ báo cáo quý {ROMAN[(e.month - 1) // 3]}/{e.year} ({s:%d/%m/%Y} – {e:%d/%m/%Y})"
        if self.kind == "report_year":
            return f"Kỳ báo cáo năm {e.year} ({s:%d/%m/%Y} – {e:%d/%m/%Y})"
        return f"Từ {s:%d/%m/%Y} đến {e:%d/%m/%Y}"

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

    def same_last_year(self) -> "Period":
        if self.kind == "week":
            return period_containing("week", self.start - timedelta(weeks=52))
        if self.kind == "custom":
            return Period("custom", _minus_year(self.start), _minus_year(self.end))
        return period_containing(self.kind, _minus_year(self.start) + timedelta(days=1))


ROMAN = ("I", "II", "III", "IV")


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
