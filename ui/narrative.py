"""UI text: the briefing paragraph a secretary can read out, and KPI deltas, in Vietnamese."""
from __future__ import annotations

import polars as pl

from core import format as fmt
from queries.briefing import Kpis
from queries.periods import ROMAN, Period

_PREVIOUS = {"week": "tuần trước", "month": "tháng trước", "quarter": "quý trước", "year": "năm trước",
             "report_month": "kỳ trước", "report_quarter": "kỳ trước", "report_year": "kỳ trước",
             "custom": "kỳ trước"}


def previous_word(period: Period) -> str:
    return _PREVIOUS[period.kind]


def period_phrase(period: Period) -> str:
    s, e = period.start, period.end
    if period.kind == "week":
        return f"Trong tuần từ {s:%d/%m} đến {e:%d/%m/%Y}"
    if period.kind == "month":
        return f"Trong tháng {s:%m/%Y}"
    if period.kind == "quarter":
        return f"Trong quý {ROMAN[(s.month - 1) // 3]}/{s.year}"
    if period.kind == "year":
        return f"Trong năm {s.year}"
    return f"Từ ngày {s:%d/%m/%Y} đến ngày {e:%d/%m/%Y}"


def change_text(current: int, previous: int) -> str:
    """'tăng 4,1%', 'giảm 12 hồ sơ' (from zero a percentage means nothing), 'không đổi'."""
    if current == previous:
        return "không đổi"
    word = "tăng" if current > previous else "giảm"
    if previous == 0:
        return f"{word} {fmt.number(abs(current - previous))} hồ sơ"
    return f"{word} {fmt.percent(abs(current - previous) / previous)}"


def count_delta(current: int, previous: int) -> str | None:
    """st.metric delta for a count: '+4,1%' or '+12' from zero."""
    if previous == 0:
        return None if current == 0 else f"+{fmt.number(current)}"
    share = (current - previous) / previous
    if abs(share) < 0.0005:
        return None  # rounds to 0,0%: no arrow rather than a misleading one
    return ("+" if share >= 0 else "-") + fmt.percent(abs(share))  # ASCII minus: st.metric reads the sign


def rate_delta(current: float | None, previous: float | None) -> str | None:
    """st.metric delta for a rate, in percentage points."""
    if current is None or previous is None:
        return None
    points = (current - previous) * 100
    if abs(points) < 0.05:
        return None
    return ("+" if points >= 0 else "-") + f"{fmt.number(abs(points), 1)} điểm %"


def briefing_paragraph(period: Period, where: str, now: Kpis, before: Kpis, overdue_now: int,
                       attention: pl.DataFrame, fields: pl.DataFrame) -> str:
    parts = [
        f"{period_phrase(period)}, {where} tiếp nhận {fmt.number(now.received)} hồ sơ, "
        f"{change_text(now.received, before.received)} so với {previous_word(period)}"
    ]
    if now.resolved:
        parts.append(
            f"đã giải quyết {fmt.number(now.resolved)} hồ sơ, trong đó {fmt.percent(now.on_time_rate)} "
            f"trước hạn và đúng hạn, {fmt.number(now.resolved_late)} hồ sơ trễ hạn"
        )
    else:
        parts.append("chưa có hồ sơ nào được giải quyết trong kỳ")
    text = "; ".join(parts) + "."
    worst = attention.filter(pl.col("overdue_now") > 0).head(3)
    if overdue_now and worst.height:
        names = [f"{r['unit_name']} ({fmt.number(r['overdue_now'])})" for r in worst.iter_rows(named=True)]
        joined = ", ".join(names[:-1]) + (" và " if len(names) > 1 else "") + names[-1]
        text += (f" Hiện còn {fmt.number(overdue_now)} hồ sơ quá hạn chưa giải quyết, nhiều nhất tại {joined}.")
    elif not overdue_now:
        text += " Hiện không còn hồ sơ nào quá hạn chưa giải quyết."
    text += _field_moves(fields)
    return text


def _field_moves(fields: pl.DataFrame) -> str:
    up = fields.filter(pl.col("change") > 0).sort("change", descending=True, maintain_order=True).head(1)
    down = fields.filter(pl.col("change") < 0).sort("change", maintain_order=True).head(1)
    moves = []
    if up.height:
        r = up.row(0, named=True)
        moves.append(f"tăng nhiều nhất là {r['field_name']} (+{fmt.number(r['change'])} hồ sơ)")
    if down.height:
        r = down.row(0, named=True)
        moves.append(f"giảm nhiều nhất là {r['field_name']} (−{fmt.number(-r['change'])} hồ sơ)")
    return (" Lĩnh vực " + "; lĩnh vực ".join(moves) + ".") if moves else ""
