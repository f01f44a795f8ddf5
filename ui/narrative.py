"""UI text: what the briefing reads out, in Vietnamese — the paragraph (with the previous period and
the same period a year ago, and the targets), the actions to assign, the cautions on comparisons,
and the KPI deltas. Pure functions of what the query layer returned; no Streamlit, no counting."""
from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core import format as fmt
from core.settings import settings
from queries.briefing import Actions, Kpis, PeriodDays
from queries.periods import Period

_PREVIOUS = {"week": "tuần trước", "month": "tháng trước", "quarter": "quý trước", "year": "năm trước",
             "report_month": "kỳ trước", "report_quarter": "kỳ trước", "report_year": "kỳ trước",
             "custom": "kỳ trước"}
_TITLES = {"week": "Giao ban tuần", "month": "Giao ban tháng", "report_month": "Giao ban tháng",
           "quarter": "Giao ban quý", "report_quarter": "Giao ban quý", "year": "Giao ban năm",
           "report_year": "Giao ban năm", "custom": "Giao ban"}
LAST_YEAR = "cùng kỳ năm trước"
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def briefing_title(period: Period) -> str:
    """'Giao ban tuần', 'Giao ban tháng', 'Giao ban quý' … after the period on screen."""
    return _TITLES[period.kind]


def previous_word(period: Period) -> str:
    return _PREVIOUS[period.kind]


def period_phrase(period: Period) -> str:
    """'Trong tuần 46 (09/11–15/11/2026)', 'Trong quý 3/2026', 'Từ ngày 01/11/2026 đến ngày 10/11/2026'."""
    if period.kind == "custom":
        return f"Từ ngày {fmt.day(period.start)} đến ngày {fmt.day(period.end)}"
    label = period.label()
    return f"Trong {label[:1].lower()}{label[1:]}"


def min_base() -> int:
    """Below this many dossiers in the earlier period, a change is given in dossiers, not in per cent."""
    return settings().briefing.min_base


# --- changes ---------------------------------------------------------------------------------------


def change_text(current: int, previous: int, base: int | None = None) -> str:
    """'tăng 4,1%'; 'giảm 12 hồ sơ' when the earlier count is below `base` (a percentage of a
    handful — or of zero — says more about chance than about the office); 'không đổi'."""
    base = min_base() if base is None else base
    if current == previous:
        return "không đổi"
    word = "tăng" if current > previous else "giảm"
    if previous < base:
        return f"{word} {fmt.number(abs(current - previous))} hồ sơ"
    return f"{word} {fmt.percent(abs(current - previous) / previous)}"


def count_delta(current: int, previous: int, base: int | None = None) -> str | None:
    """st.metric delta for a count: '+4,1%', or '+7 hồ sơ' from fewer than `base` dossiers."""
    base = min_base() if base is None else base
    if current == previous:
        return None
    sign = "+" if current > previous else "-"  # ASCII minus: st.metric reads the sign
    if previous < base:
        return f"{sign}{fmt.number(abs(current - previous))} hồ sơ"
    share = abs(current - previous) / previous
    if share < 0.0005:
        return None  # rounds to 0,0%: no arrow rather than a misleading one
    return sign + fmt.percent(share)


def points(current: float, previous: float) -> str:
    """'+28,6 điểm %' (percentage points, one decimal)."""
    change = (current - previous) * 100
    return ("+" if change >= 0 else "-") + f"{fmt.number(abs(change), 1)} điểm %"


def points_text(current: float, previous: float) -> str:
    """'tăng 28,6 điểm %', 'giảm 3,0 điểm %' for a sentence."""
    change = (current - previous) * 100
    return f"{'tăng' if change >= 0 else 'giảm'} {fmt.number(abs(change), 1)} điểm %"


def small(n: int, minimum: int) -> bool:
    return n < minimum


def n_note(n_now: int, n_before: int, minimum: int, before_word: str = "kỳ trước") -> str:
    """'' when both periods rest on at least `minimum`; else the n that is too small: 'n = 5',
    'kỳ trước n = 7', 'n = 5 và 7'."""
    if small(n_now, minimum) and small(n_before, minimum):
        return f"n = {fmt.number(n_now)} và {fmt.number(n_before)}"
    if small(n_now, minimum):
        return f"n = {fmt.number(n_now)}"
    if small(n_before, minimum):
        return f"{before_word} n = {fmt.number(n_before)}"
    return ""


def rate_delta(current: float | None, previous: float | None, n_now: int = 0, n_before: int = 0,
               minimum: int = 0) -> str | None:
    """st.metric delta for a rate, in percentage points; a change resting on fewer than `minimum`
    dossiers or respondents on either side carries its n: '+28,6 điểm % (n = 5)'."""
    if current is None or previous is None:
        return None
    if abs(current - previous) * 100 < 0.05:
        return None
    note = n_note(n_now, n_before, minimum)
    return points(current, previous) + (f" ({note})" if note else "")


def reliable(n_now: int, n_before: int, minimum: int) -> bool:
    return not (small(n_now, minimum) or small(n_before, minimum))


# --- the paragraph ---------------------------------------------------------------------------------


def briefing_paragraph(period: Period, where: str, now: Kpis, before: Kpis, year_ago: Kpis,
                       fields: pl.DataFrame, online_target: float | None) -> str:
    """The paragraph to read out: received (against the previous period and the same period a year
    ago), resolved and on time, the online share and satisfaction against their targets, the
    fields that moved most. `online_target` None: no target set ('chưa đặt chỉ tiêu')."""
    received = (f"{period_phrase(period)}, {where} tiếp nhận {fmt.number(now.received)} hồ sơ, "
                f"{change_text(now.received, before.received)} so với {previous_word(period)}")
    if year_ago.received:
        received += f" và {change_text(now.received, year_ago.received)} so với {LAST_YEAR}"
    parts = [received]
    if now.resolved:
        resolved = (f"đã giải quyết {fmt.number(now.resolved)} hồ sơ, trong đó {fmt.percent(now.on_time_rate)} "
                    f"trước hạn và đúng hạn, {fmt.number(now.resolved_late)} hồ sơ trễ hạn")
        if year_ago.resolved:
            resolved += f" ({LAST_YEAR}: {fmt.percent(year_ago.on_time_rate)} trước hạn và đúng hạn)"
        parts.append(resolved)
    else:
        parts.append("chưa có hồ sơ nào được giải quyết trong kỳ")
    text = "; ".join(parts) + "."
    text += " " + online_sentence(now, online_target)
    text += " " + satisfaction_sentence(now)
    return text + _field_moves(fields)


def online_sentence(now: Kpis, target: float | None) -> str:
    """'Tỷ lệ hồ sơ nộp trực tuyến 64,9% (chưa đặt chỉ tiêu).' or against the target."""
    if now.online_share is None:
        return "Không có hồ sơ tiếp nhận trong kỳ để tính tỷ lệ nộp trực tuyến."
    return f"Tỷ lệ hồ sơ nộp trực tuyến {fmt.percent(now.online_share)}{_against(now.online_share, target)}."


def satisfaction_sentence(now: Kpis) -> str:
    """Survey satisfaction with its n against settings.toml [satisfaction] target; too few respondents
    (below [satisfaction] min_responses) are said to be too few, not compared."""
    conf = settings().satisfaction
    if not now.survey_responses:
        return "Chưa có phiếu khảo sát mức độ hài lòng nào trong kỳ."
    rate = f"Mức độ hài lòng qua khảo sát {fmt.percent(now.satisfaction_rate)}"
    n = f"{fmt.number(now.survey_responses)} phiếu"
    if small(now.survey_responses, conf.min_responses):
        return (f"{rate} nhưng chỉ từ {n}, chưa đủ để so với chỉ tiêu {fmt.percent(conf.target)} "
                f"(cần ít nhất {fmt.number(conf.min_responses)} phiếu).")
    return f"{rate} ({n}){_against(now.satisfaction_rate, conf.target)}."


def _against(rate: float, target: float | None) -> str:
    """' (chưa đặt chỉ tiêu)', ', đạt chỉ tiêu 90,0%', ', thấp hơn chỉ tiêu 90,0% là 3,2 điểm %'."""
    if target is None:
        return " (chưa đặt chỉ tiêu)"
    if rate >= target:
        return f", đạt chỉ tiêu {fmt.percent(target)}"
    return f", thấp hơn chỉ tiêu {fmt.percent(target)} là {fmt.number((target - rate) * 100, 1)} điểm %"


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


# --- the actions -----------------------------------------------------------------------------------


def action_items(actions: Actions, now: Kpis, online_target: float | None) -> list[str]:
    """What to assign, each item naming units (and for overdue dossiers, who holds them), from the
    late page's counts: overdue now, late without an apology slip, due soon; then satisfaction and
    the online share when they are below their targets. Markdown, one string per item."""
    s, items = actions.summary, []
    if s.overdue:
        items.append(f"**Đôn đốc giải quyết ngay {fmt.number(s.overdue)} hồ sơ đang quá hạn** (tính đến "
                     f"{fmt.day(s.as_of)}): " + _units(actions.overdue, officers=True) + ".")
    if s.without_apology:
        parts = []
        if s.overdue_without_apology:
            parts.append(f"{fmt.number(s.overdue_without_apology)} hồ sơ đang quá hạn")
        if s.resolved_late_without_apology:
            parts.append(f"{fmt.number(s.resolved_late_without_apology)} hồ sơ giải quyết trễ trong kỳ")
        items.append(f"**Yêu cầu gửi phiếu xin lỗi và hẹn lại ngày trả cho {fmt.number(s.without_apology)} hồ sơ "
                     f"trễ hạn chưa có phiếu xin lỗi đúng quy định** ({' và '.join(parts)}): "
                     + _units(actions.no_apology) + ".")
    if s.due_soon:
        until = actions.due_soon_until
        window = (f"từ hôm nay đến hết {WEEKDAYS[until.weekday()]} {fmt.day(until)}" if until else
                  f"trong {actions.due_soon_days} ngày làm việc tới")
        items.append(f"**Theo dõi {fmt.number(s.due_soon)} hồ sơ đến hạn {window}** để trả đúng hẹn, hoặc gửi "
                     "phiếu xin lỗi trước ngày hẹn nếu không kịp: " + _units(actions.due_soon, officers=True) + ".")
    items += _target_actions(now, online_target)
    return items


def _target_actions(now: Kpis, online_target: float | None) -> list[str]:
    conf, items = settings().satisfaction, []
    if now.survey_responses and small(now.survey_responses, conf.min_responses):
        items.append(f"**Tăng số phiếu khảo sát mức độ hài lòng**: kỳ này chỉ có {fmt.number(now.survey_responses)} "
                     f"phiếu, cần ít nhất {fmt.number(conf.min_responses)} để đánh giá được.")
    elif now.satisfaction_rate is not None and now.satisfaction_rate < conf.target:
        items.append(f"**Tìm nguyên nhân và khắc phục mức độ hài lòng thấp**: "
                     f"{fmt.percent(now.satisfaction_rate)} ({fmt.number(now.survey_responses)} phiếu), chỉ tiêu "
                     f"{fmt.percent(conf.target)}; xem ý kiến người dân ở trang Mức độ hài lòng.")
    if online_target is not None and now.online_share is not None and now.online_share < online_target:
        items.append(f"**Đẩy mạnh hướng dẫn nộp hồ sơ trực tuyến**: {fmt.percent(now.online_share)}, chỉ tiêu "
                     f"{fmt.percent(online_target)}.")
    return items


def _units(holders: pl.DataFrame, officers: bool = False) -> str:
    """'Phường Hải Châu 5 hồ sơ, lâu nhất 12 ngày làm việc (Nguyễn Văn A giữ 3, Trần Thị B giữ 2);
    Phường Thanh Khê 4 hồ sơ; và 6 đơn vị khác' from late.who_holds."""
    if holders.height == 0:
        return "không xác định được đơn vị"
    out = []
    for _, rows in holders.group_by("unit_code", maintain_order=True):
        first = rows.row(0, named=True)
        text = f"{first['unit_name']} {fmt.number(first['unit_dossiers'])} hồ sơ"
        if first["most_days_late"]:
            text += f", lâu nhất {fmt.number(first['most_days_late'])} ngày làm việc"
        if officers:
            held = [f"{r['officer_name']} giữ {fmt.number(r['officer_dossiers'])}" for r in rows.iter_rows(named=True)]
            others = first["officers_in_unit"] - rows.height
            if others > 0:
                held.append(f"{fmt.number(others)} cán bộ khác")
            text += f" ({', '.join(held)})"
        out.append(text)
    rest = holders["units_with"][0] - len(out)
    return "; ".join(out) + (f"; và {fmt.number(rest)} đơn vị khác" if rest > 0 else "")


# --- cautions --------------------------------------------------------------------------------------


def cautions(period: Period, today: date, data_end: date | None, now: Kpis, before: Kpis, year_ago: Kpis,
             days_now: PeriodDays, days_before: PeriodDays, days_year_ago: PeriodDays) -> list[str]:
    """What makes a comparison shaky, said next to it: a period still running, data loaded only up to
    a day before the period's end, a different number of working days (a holiday), rates resting on
    few dossiers or respondents."""
    out = []
    if period.end >= today:
        out.append(f"Kỳ đang diễn ra: số liệu tính đến hôm nay ({fmt.day(today)}), chưa đủ cả kỳ; so với "
                   f"{previous_word(period)} (đã trọn kỳ) chỉ để tham khảo.")
    elif data_end is None or data_end < period.end:
        out.append(f"Dữ liệu mới có hồ sơ tiếp nhận đến ngày {fmt.day(data_end)}, trước ngày cuối kỳ "
                   f"({fmt.day(period.end)}): số liệu kỳ này có thể chưa đầy đủ.")
    out += _working_days(period, days_now, days_before, days_year_ago, year_ago.received > 0)
    out += _small_rates(period, now, before)
    return out


def _working_days(period: Period, now: PeriodDays, before: PeriodDays, year_ago: PeriodDays,
                  has_year_ago: bool) -> list[str]:
    gap = settings().briefing.working_days_gap
    others = [(previous_word(period), before)] + ([(LAST_YEAR, year_ago)] if has_year_ago else [])
    differ = [(word, d) for word, d in others
              if abs(d.working_days - now.working_days) > gap * max(d.working_days, now.working_days)]
    if not differ:
        return []

    def described(d: PeriodDays) -> str:
        text = f"{fmt.number(d.working_days)} ngày làm việc"
        return text + (f" (nghỉ: {holidays_text(d.holidays)})" if d.holidays else "")

    compared = "; ".join(f"{word} có {described(d)}" for word, d in differ)
    return [f"{period.short_label()} có {described(now)}; {compared}: số hồ sơ tiếp nhận và giải quyết "
            "chênh lệch một phần do số ngày làm việc khác nhau."]


def holidays_text(holidays: tuple[tuple[date, str], ...]) -> str:
    """'Ngày nghỉ (thay cho ngày 22/08/2026) 31/08; Quốc khánh 01/09–02/09': consecutive days off of one
    holiday joined, a holiday whose days carry longer names under its shortest one ('Giao thừa Tết
    Nguyên Đán', 'Mùng hai Tết Nguyên Đán' … → 'Tết Nguyên Đán 16/02–20/02')."""
    runs: list[list] = []  # [name, first day, last day]
    for day, name in holidays:
        if runs and runs[-1][2] == day - timedelta(days=1) and (runs[-1][0] in name or name in runs[-1][0]):
            runs[-1][0] = min(runs[-1][0], name, key=len)
            runs[-1][2] = day
        else:
            runs.append([name, day, day])
    return "; ".join(f"{name} {first:%d/%m}" + (f"–{last:%d/%m}" if last != first else "")
                     for name, first, last in runs)


def _small_rates(period: Period, now: Kpis, before: Kpis) -> list[str]:
    base, responses = min_base(), settings().satisfaction.min_responses
    checks = (
        ("tỷ lệ đúng hạn", now.on_time_rate, before.on_time_rate, now.resolved, before.resolved, base,
         "hồ sơ đã giải quyết"),
        ("tỷ lệ nộp trực tuyến", now.online_share, before.online_share, now.received, before.received, base,
         "hồ sơ tiếp nhận"),
        ("mức độ hài lòng", now.satisfaction_rate, before.satisfaction_rate, now.survey_responses,
         before.survey_responses, responses, "phiếu khảo sát"),
    )
    out = []
    for name, rate, earlier, n, n_before, minimum, unit in checks:
        if rate is None or earlier is None or reliable(n, n_before, minimum) or abs(rate - earlier) < 0.0005:
            continue
        out.append(f"Thay đổi {name} so với {previous_word(period)} ({points_text(rate, earlier)}) chỉ dựa trên "
                   f"{fmt.number(n)} {unit} ({previous_word(period)}: {fmt.number(n_before)}), dưới mức "
                   f"{fmt.number(minimum)} nên chưa đủ tin cậy.")
    return out
