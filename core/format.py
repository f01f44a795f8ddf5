"""UI formatting: Vietnamese numbers (1.234,5), percentages and dates (dd/mm/yyyy) via babel."""
from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal, format_percent

LOCALE = "vi_VN"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(share: float | None, digits: int = 1) -> str:
    if share is None:
        return "—"
    return format_percent(share, format="#,##0." + "0" * digits + "%", locale=LOCALE)


def sentence(text: str) -> str:
    """Upper-case the first letter only ('toàn tỉnh' → 'Toàn tỉnh'; names keep their capitals)."""
    return text[:1].upper() + text[1:]


def day(value: date | datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def moment(value: datetime | None) -> str:
    return value.strftime("%H:%M %d/%m/%Y") if value else "—"
