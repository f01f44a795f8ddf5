"""Core layer: the working-day calendar and the one due-date rule. No database access.

Working days are Monday–Friday minus public holidays (Bộ luật Lao động 2019, Điều 112; package
`holidays`, VN), plus the make-up Saturdays the government announces each year. Overrides for
decisions the package does not know go in the installation's calendar_overrides.csv.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
import polars as pl

from core.installation import cached, read_rows
from core.settings import settings


@dataclass(frozen=True)
class WorkCalendar:
    first: date
    last: date
    holiday_names: dict[date, str]
    extra_working: frozenset[date]
    office_start: time = time(7, 0)
    office_end: time = time(17, 0)
    _working: tuple[date, ...] = field(default=(), repr=False)

    @classmethod
    def build(cls, first_year: int, last_year: int, overrides: list[dict[str, str]] | None = None) -> "WorkCalendar":
        years = range(first_year, last_year + 1)
        vn = holidays.country_holidays("VN", years=years, language="vi")
        names = {d: n for d, n in vn.items()}
        extra = {d for d in getattr(vn, "weekend_workdays", set()) if first_year <= d.year <= last_year}
        for row in overrides or []:
            day = date.fromisoformat(row["date"])
            if row["kind"] == "holiday":
                names[day] = row.get("note") or "Ngày nghỉ"
                extra.discard(day)
            elif row["kind"] == "working":
                names.pop(day, None)
                extra.add(day)
            else:
                raise ValueError(f"calendar_overrides.csv: kind must be 'holiday' or 'working', got {row['kind']!r}")
        conf = settings().calendar
        cal = cls(
            first=date(first_year, 1, 1),
            last=date(last_year, 12, 31),
            holiday_names=names,
            extra_working=frozenset(extra),
            office_start=conf.start,
            office_end=conf.end,
        )
        working = tuple(d for d in _days(cal.first, cal.last) if cal.is_working_day(d))
        object.__setattr__(cal, "_working", working)
        return cal

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working:
            return True
        return day.weekday() < 5 and day not in self.holiday_names

    def seq(self, day: date) -> int:
        """Number of working days on or before `day` since the calendar's first day."""
        return bisect.bisect_right(self._working, day)

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def _check(self, *days: date) -> None:
        # Outside first..last the holidays are unknown and seq() stops counting: refuse to guess.
        for day in days:
            if not self.covers(day):
                raise ValueError(f"{day} is outside the working-day calendar {self.first}–{self.last}")

    def nth_working_day(self, seq: int) -> date:
        if not 1 <= seq <= len(self._working):
            raise ValueError(f"working day number {seq} is outside the calendar {self.first}–{self.last}")
        return self._working[seq - 1]

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        self._check(start, end)
        return self.seq(end) - self.seq(start)

    def late_working_days(self, due: date, finished: date) -> int:
        """Working days late: finishing on a day off counts as the next working morning."""
        if finished <= due:
            return 0
        ceil = self.seq(finished) + (0 if self.is_working_day(finished) else 1)
        return ceil - self.seq(due)

    def due_date(self, received: datetime, days: float, kind: str = "working") -> datetime:
        """Legal due date: received + processing time (DOMAIN.md, 'Due date').

        Working-day procedures count in whole office days; a dossier received after office
        hours or on a day off starts the next working morning. Calendar-day procedures add
        days and, if the result is a day off, move to the next working day.
        """
        self._check(received.date())
        whole = max(int(round(days)), 0)
        if kind == "calendar":
            end = received.date() + timedelta(days=whole)
            while not self.is_working_day(end):
                end += timedelta(days=1)
            self._check(end)
            return datetime.combine(end, self.office_end)
        day, clock = received.date(), received.time()
        if not self.is_working_day(day) or clock >= self.office_end:
            start_seq = self.seq(day) + 1
            return datetime.combine(self.nth_working_day(start_seq + whole - 1), self.office_end)
        if clock <= self.office_start:
            return datetime.combine(self.nth_working_day(self.seq(day) + whole - 1), self.office_end)
        return datetime.combine(self.nth_working_day(self.seq(day) + whole), clock)

    def extend_by_pause(self, due: datetime, paused_at: datetime | None,
                        resumed_at: datetime | None) -> tuple[datetime, int]:
        """The due date moved by the working days a supplement request waited, and that pause
        (DOMAIN.md, 'Supplements and pauses': the clock stops while the citizen supplements)."""
        if paused_at and resumed_at and resumed_at > paused_at:
            pause = self.working_days_between(paused_at.date(), resumed_at.date())
            if pause > 0:
                return datetime.combine(self.nth_working_day(self.seq(due.date()) + pause), due.time()), pause
        return due, 0

    def rule_due(self, received: datetime, days: float, kind: str, paused_at: datetime | None = None,
                 resumed_at: datetime | None = None) -> tuple[datetime, int, datetime]:
        """The due date the rule gives: (received + processing time, pause in working days, due with the
        pause added). The one rule both the ETL (an export without a due date) and the late page's
        explanation use. Raises ValueError outside the calendar."""
        base = self.due_date(received, days, kind)
        due, pause = self.extend_by_pause(base, paused_at, resumed_at)
        return base, pause, due

    def frame(self) -> pl.DataFrame:
        """One row per calendar day: the table `calendar` in the database."""
        days = list(_days(self.first, self.last))
        working = [self.is_working_day(d) for d in days]
        seqs, running = [], 0
        for flag in working:
            running += flag
            seqs.append(running)
        return pl.DataFrame(
            {
                "cal_date": days,
                "is_working_day": working,
                "holiday_name": [self.holiday_names.get(d) for d in days],
                "is_makeup_workday": [d in self.extra_working for d in days],
                "wd_seq": seqs,
            },
            schema={"cal_date": pl.Date, "is_working_day": pl.Boolean, "holiday_name": pl.String,
                    "is_makeup_workday": pl.Boolean, "wd_seq": pl.Int32},
        )


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@cached
def default_calendar() -> WorkCalendar:
    conf = settings().calendar
    return WorkCalendar.build(conf.first_year, conf.last_year, read_rows("calendar_overrides.csv"))
