"""Briefing figures and its text against a hand-worked export (week 09–15/11/2026, as of Sunday 22/11/2026).

Calendar: Tuesday 24/11/2026 is a day off (Ngày Văn hóa Việt Nam), so as of Sunday 22/11 (the
working-day number of Friday 20/11, s) Monday 23/11 is s + 1 and Wednesday 25/11 is s + 2: "due soon"
(2 working days) runs to Wednesday 25/11.

Dossiers (HC Phường Hải Châu, TK Phường Thanh Khê):
- E1 HC early; E2 HC resolved late 13/11 (due 12/11), no apology slip; E3 HC open, due 13/11, slip
  12/11 (a day before: on time), held by Nguyễn Văn An: overdue 6 working days (16–20/11 and the
  next working morning after Sunday).
- E4 TK resolved late 09/11 (due 05/11), no slip; E5 TK open, due 20/11, slip on the due day (too
  late), held by Trần Thị Bình: overdue 1; E6 TK open, due 18/11, no slip, Trần Thị Bình: overdue 3.
- E7 TK on time 06/11. E8 TK open due Mon 23/11 (Lê Văn Cường) and E9 HC open due Wed 25/11
  (Nguyễn Văn An): due soon. E10 HC open due Thu 26/11: not yet.
"""
from datetime import date

import duckdb
import polars as pl
import pytest

from queries import late
from queries.briefing import (
    PeriodDays,
    actions,
    field_changes,
    kpis,
    period_days,
    trend,
)
from queries.filters import Filters, Scope
from queries.periods import Period
from tests.fixtures_exports import load_text_exports
from ui import narrative
from ui.narrative import (
    action_items,
    briefing_paragraph,
    cautions,
    count_delta,
    rate_delta,
)

HC, TK = "20242", "20209"  # Phường Hải Châu, Phường Thanh Khê
WEEK = Period("week", date(2026, 11, 9), date(2026, 11, 15))
AS_OF = date(2026, 11, 22)

DOSSIERS = """\
Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp,Cán bộ xử lý,Ngày xin lỗi
E1,Phường Hải Châu,Hộ tịch,09/11/2026,11/11/2026,10/11/2026,Đã trả kết quả,Trực tuyến,Nguyễn Văn An,
E2,Phường Hải Châu,Hộ tịch,10/11/2026,12/11/2026,13/11/2026,Đã trả kết quả,Trực tiếp,Nguyễn Văn An,
E3,Phường Hải Châu,Đất đai,11/11/2026,13/11/2026,,Đang xử lý,Trực tiếp,Nguyễn Văn An,12/11/2026
E4,Phường Thanh Khê,Chứng thực,02/11/2026,05/11/2026,09/11/2026,Đã trả kết quả,Trực tiếp,Lê Văn Cường,
E5,Phường Thanh Khê,Đất đai,12/11/2026,20/11/2026,,Đang xử lý,Trực tuyến,Trần Thị Bình,20/11/2026
E6,Phường Thanh Khê,Đất đai,16/11/2026,18/11/2026,,Đang xử lý,Trực tiếp,Trần Thị Bình,
E7,Phường Thanh Khê,Chứng thực,05/11/2026,06/11/2026,06/11/2026,Đã trả kết quả,Trực tiếp,Lê Văn Cường,
E8,Phường Thanh Khê,Hộ tịch,19/11/2026,23/11/2026,,Đang xử lý,Trực tiếp,Lê Văn Cường,
E9,Phường Hải Châu,Hộ tịch,20/11/2026,25/11/2026,,Đang xử lý,Trực tuyến,Nguyễn Văn An,
E10,Phường Hải Châu,Hộ tịch,20/11/2026,26/11/2026,,Đang xử lý,Trực tiếp,Nguyễn Văn An,
"""
QUESTIONS = ("Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ",
             "Nhận được kết quả đúng hẹn",
             "Thủ tục hành chính được niêm yết công khai đầy đủ")
SURVEY = f"""\
Mã phiếu,Đơn vị,Ngày khảo sát,{",".join(QUESTIONS)}
R1,Phường Hải Châu,10/11/2026,5,4,3
R2,Phường Thanh Khê,12/11/2026,2,5,
R3,Phường Hải Châu,20/11/2026,5,5,5
"""


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = load_text_exports(tmp_path_factory.mktemp("briefing"), {"hoso.csv": DOSSIERS, "khaosat.csv": SURVEY})
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM survey_responses").fetchall() == [(3,)]
        yield connection


def week_filters(scope=Scope.province(), period=WEEK):
    return Filters(scope, period.start, period.end, as_of=AS_OF)


def test_kpis_of_the_week(con):
    k = kpis(con, week_filters())
    # Received in the week: E1, E2, E3, E5 (E4 carried over, E6 next week); online: E1, E5.
    assert (k.received, k.received_online, k.online_share) == (4, 2, 0.5)
    # Resolved in the week: E1 early, E2 late (13/11 > 12/11), E4 late (09/11 > 05/11).
    assert (k.resolved, k.resolved_in_time, k.resolved_late) == (3, 1, 2)
    assert k.on_time_rate == pytest.approx(1 / 3)
    # Open at 15/11 and due before it: E3 (due 13/11); E5 is due 20/11.
    assert k.pending_overdue == 1
    # Survey answers in the week: R1 5,4,3 (2 satisfied of 3), R2 2,5,blank (1 of 2) → 3 of 5.
    assert (k.satisfied_answers, k.survey_answers, k.survey_responses) == (3, 5, 2)
    assert k.satisfaction_rate == pytest.approx(0.6)


def test_previous_week_and_scope(con):
    before = kpis(con, week_filters(period=WEEK.previous()))
    # 02–08/11: received E4, E7; resolved E7 on its due day; E4 open and past due on 08/11.
    assert (before.received, before.resolved, before.resolved_in_time, before.pending_overdue) == (2, 1, 1, 1)
    hai_chau = kpis(con, week_filters(Scope.units({HC})))
    assert (hai_chau.received, hai_chau.resolved, hai_chau.survey_answers, hai_chau.satisfied_answers) == (3, 2, 3, 2)


def test_trend_in_one_query_gives_each_weeks_figures(con):
    """Three weeks, oldest first, hand-counted as test_kpis_of_the_week does: 02–08/11 received E4, E7,
    resolved E7 on time; 09–15/11 received E1, E2, E3, E5, resolved E1 early, E2 and E4 late;
    16–22/11 received E6, E8, E9, E10, resolved none. Each row equals `kpis` of its week."""
    weeks = (WEEK.previous(), WEEK, Period("week", date(2026, 11, 16), date(2026, 11, 22)))
    rows = trend(con, week_filters(), weeks).rows(named=True)
    assert [(r["received"], r["resolved"], r["resolved_late"]) for r in rows] == [(2, 1, 0), (4, 3, 2), (4, 0, 0)]
    assert [r["on_time_rate"] for r in rows] == [1.0, pytest.approx(1 / 3), None]
    for row, week in zip(rows, weeks, strict=True):
        k = kpis(con, week_filters(period=week))
        assert (row["received"], row["resolved"], row["resolved_late"]) == (k.received, k.resolved, k.resolved_late)
    hai_chau = trend(con, week_filters(Scope.units({HC})), weeks).rows(named=True)
    assert [(r["received"], r["resolved"]) for r in hai_chau] == [(0, 0), (3, 2), (2, 0)]
    twice = trend(con, week_filters(), (WEEK, WEEK)).rows(named=True)  # a period asked twice counts once
    assert [(r["received"], r["resolved"]) for r in twice] == [(4, 3), (4, 3)]


def test_actions_are_the_late_pages_counts(con):
    todo = actions(con, week_filters())
    s = todo.summary
    # Overdue as of 22/11: E3, E5, E6; due soon: E8, E9; without apology: E2, E4 (resolved late in the
    # week, no slip), E5 (slip on the due day) and E6 — not E3, whose slip came a day before.
    assert (s.overdue, s.due_soon, s.resolved_late_without_apology, s.overdue_without_apology) == (3, 2, 2, 2)
    assert s == late.summary(con, week_filters())
    assert todo.due_soon_until == date(2026, 11, 25) and todo.due_soon_days == 2
    overdue = [(r["unit_code"], r["unit_dossiers"], r["most_days_late"], r["officer_name"], r["officer_dossiers"])
               for r in todo.overdue.to_dicts()]
    assert overdue == [(TK, 2, 3, "Trần Thị Bình", 2), (HC, 1, 6, "Nguyễn Văn An", 1)]
    no_apology = todo.no_apology.unique("unit_code", maintain_order=True)
    assert [(r["unit_code"], r["unit_dossiers"]) for r in no_apology.to_dicts()] == [(TK, 3), (HC, 1)]
    # Due soon: one each; equal counts and no days late, so by name (Hải Châu before Thanh Khê).
    assert [(r["unit_code"], r["officer_name"]) for r in todo.due_soon.to_dicts()] == [
        (HC, "Nguyễn Văn An"), (TK, "Lê Văn Cường")]


def test_period_days_from_the_calendar(con):
    assert period_days(con, week_filters()) == PeriodDays(7, 5, ())
    # 31/08–06/09/2026: Monday 31/08 is a substitute day off, 01–02/09 Quốc khánh: 2 working days.
    holiday_week = period_days(con, week_filters(period=Period("week", date(2026, 8, 31), date(2026, 9, 6))))
    assert (holiday_week.days, holiday_week.working_days) == (7, 2)
    assert [d for d, _ in holiday_week.holidays] == [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)]
    assert holiday_week.holidays[1][1] == holiday_week.holidays[2][1] == "Quốc khánh"
    # Week 23–29/11/2026 holds Ngày Văn hóa Việt Nam (24/11), the day that moves "due soon" to Wednesday.
    culture = period_days(con, week_filters(period=Period("week", date(2026, 11, 23), date(2026, 11, 29))))
    assert culture.working_days == 4 and culture.holidays == ((date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),)


def test_field_changes_against_previous_week(con):
    changes = field_changes(con, week_filters(), week_filters(period=WEEK.previous()))
    got = {r["field_code"]: (r["received"], r["received_before"], r["change"]) for r in changes.to_dicts()}
    # This week: hộ tịch E1, E2; đất đai E3, E5. Last week: chứng thực E4, E7.
    assert got == {"ho_tich": (2, 0, 2), "dat_dai": (2, 0, 2), "chung_thuc": (0, 2, -2)}


def nothing_a_year_ago(con):
    return kpis(con, week_filters(period=WEEK.same_last_year()))


def test_paragraph_reads_out_the_hand_worked_week(con):
    now, before = kpis(con, week_filters()), kpis(con, week_filters(period=WEEK.previous()))
    changes = field_changes(con, week_filters(), week_filters(period=WEEK.previous()))
    text = briefing_paragraph(WEEK, "toàn tỉnh", now, before, nothing_a_year_ago(con), changes, None)
    # 2 → 4 received: from fewer than 20 dossiers the change is said in dossiers, not "+100%".
    assert text.startswith("Trong tuần 46 (09/11–15/11/2026), toàn tỉnh tiếp nhận 4 hồ sơ, tăng 2 hồ sơ "
                           "so với tuần trước; đã giải quyết 3 hồ sơ, trong đó 33,3% trước hạn và đúng hạn, "
                           "2 hồ sơ trễ hạn.")
    assert "cùng kỳ năm trước" not in text  # no data a year earlier: nothing to compare with
    assert "Tỷ lệ hồ sơ nộp trực tuyến 50,0% (chưa đặt chỉ tiêu)." in text
    # 2 respondents, fewer than [satisfaction] min_responses (30): not compared with the 90% target.
    assert ("Mức độ hài lòng qua khảo sát 60,0% nhưng chỉ từ 2 phiếu, chưa đủ để so với chỉ tiêu 90,0% "
            "(cần ít nhất 30 phiếu).") in text
    assert "giảm nhiều nhất là Chứng thực (−2 hồ sơ)" in text
    with_target = briefing_paragraph(WEEK, "toàn tỉnh", now, before, now, changes, 0.6)
    assert "Tỷ lệ hồ sơ nộp trực tuyến 50,0%, thấp hơn chỉ tiêu 60,0% là 10,0 điểm %." in with_target
    assert "và không đổi so với cùng kỳ năm trước" in with_target
    assert "Tỷ lệ hồ sơ nộp trực tuyến 50,0%, đạt chỉ tiêu 50,0%." in briefing_paragraph(
        WEEK, "toàn tỉnh", now, before, now, changes, 0.5)


def test_actions_name_units_officers_and_the_due_soon_window(con):
    now = kpis(con, week_filters())
    items = action_items(actions(con, week_filters()), now, None)
    assert items[0] == ("**Đôn đốc giải quyết ngay 3 hồ sơ đang quá hạn** (tính đến 22/11/2026): Phường Thanh Khê "
                        "2 hồ sơ, lâu nhất 3 ngày làm việc (Trần Thị Bình giữ 2); Phường Hải Châu 1 hồ sơ, lâu nhất "
                        "6 ngày làm việc (Nguyễn Văn An giữ 1).")
    assert items[1].startswith("**Yêu cầu gửi phiếu xin lỗi và hẹn lại ngày trả cho 4 hồ sơ trễ hạn chưa có phiếu "
                               "xin lỗi đúng quy định** (2 hồ sơ đang quá hạn và 2 hồ sơ giải quyết trễ trong kỳ): "
                               "Phường Thanh Khê 3 hồ sơ")
    assert items[2].startswith("**Theo dõi 2 hồ sơ đến hạn từ hôm nay đến hết thứ Tư 25/11/2026**")
    assert items[2].endswith("Phường Hải Châu 1 hồ sơ (Nguyễn Văn An giữ 1); Phường Thanh Khê 1 hồ sơ "
                             "(Lê Văn Cường giữ 1).")
    assert items[3] == ("**Tăng số phiếu khảo sát mức độ hài lòng**: kỳ này chỉ có 2 phiếu, cần ít nhất 30 để "
                        "đánh giá được.")
    assert len(items) == 4  # no online target set: nothing to ask about the online share
    with_target = action_items(actions(con, week_filters()), now, 0.8)
    assert with_target[-1] == "**Đẩy mạnh hướng dẫn nộp hồ sơ trực tuyến**: 50,0%, chỉ tiêu 80,0%."
    # One unit named, the others counted.
    one = actions(con, week_filters(), units=1)
    assert action_items(one, now, None)[0].endswith("(Trần Thị Bình giữ 2); và 1 đơn vị khác.")


def test_cautions_small_numbers_holidays_running_period_and_missing_data(con):
    now, before = kpis(con, week_filters()), kpis(con, week_filters(period=WEEK.previous()))
    year = nothing_a_year_ago(con)
    five = PeriodDays(7, 5, ())
    done = cautions(WEEK, AS_OF, date(2026, 11, 20), now, before, year, five, five, five)
    # On time 1 of 3 against 1 of 1; online 2 of 4 against 0 of 2; satisfaction 2 respondents against none.
    assert done == [
        "Thay đổi tỷ lệ đúng hạn so với tuần trước (giảm 66,7 điểm %) chỉ dựa trên 3 hồ sơ đã giải quyết "
        "(tuần trước: 1), dưới mức 20 nên chưa đủ tin cậy.",
        "Thay đổi tỷ lệ nộp trực tuyến so với tuần trước (tăng 50,0 điểm %) chỉ dựa trên 4 hồ sơ tiếp nhận "
        "(tuần trước: 2), dưới mức 20 nên chưa đủ tin cậy.",
    ]
    holiday = PeriodDays(7, 2, ((date(2026, 8, 31), "Ngày nghỉ (thay cho ngày 22/08/2026)"),
                                (date(2026, 9, 1), "Quốc khánh"), (date(2026, 9, 2), "Quốc khánh")))
    text = cautions(WEEK, AS_OF, date(2026, 11, 20), now, now, year, holiday, five, five)
    assert text == ["Tuần 46 (09/11–15/11) có 2 ngày làm việc (nghỉ: Ngày nghỉ (thay cho ngày 22/08/2026) 31/08; "
                    "Quốc khánh 01/09–02/09); tuần trước có 5 ngày làm việc: số hồ sơ tiếp nhận và giải quyết "
                    "chênh lệch một phần do số ngày làm việc khác nhau."]
    running = cautions(WEEK, date(2026, 11, 14), date(2026, 11, 13), now, now, year, five, five, five)
    assert running == ["Kỳ đang diễn ra: số liệu tính đến hôm nay (14/11/2026), chưa đủ cả kỳ; so với tuần trước "
                       "(đã trọn kỳ) chỉ để tham khảo."]
    stale = cautions(WEEK, AS_OF, date(2026, 11, 12), now, now, year, five, five, five)
    assert stale == ["Dữ liệu mới có hồ sơ tiếp nhận đến ngày 12/11/2026, trước ngày cuối kỳ (15/11/2026): "
                     "số liệu kỳ này có thể chưa đầy đủ."]
    # A quarter of 62 working days against one of 64 is not worth a word (under 10% apart).
    assert cautions(WEEK, AS_OF, date(2026, 11, 20), now, now, year, PeriodDays(92, 62, ()),
                    PeriodDays(92, 64, ()), five) == []


def test_holidays_are_named_once_per_run(con):
    # Tết 2026: five days off, each with its own name in the calendar, read out as one holiday.
    tet = period_days(con, week_filters(period=Period("month", date(2026, 2, 1), date(2026, 2, 28))))
    assert tet.working_days == 15 and len(tet.holidays) == 5
    assert narrative.holidays_text(tet.holidays) == "Tết Nguyên Đán 16/02–20/02"
    sep = period_days(con, week_filters(period=Period("week", date(2026, 8, 31), date(2026, 9, 6))))
    assert narrative.holidays_text(sep.holidays) == "Ngày nghỉ (thay cho ngày 22/08/2026) 31/08; Quốc khánh 01/09–02/09"


@pytest.mark.parametrize("current, previous, expected", [
    (148, 133, "+11,3%"),
    (9, 2, "+7 hồ sơ"),        # from 2: '+350,0%' would say more about chance than about the office
    (2, 9, "-7 hồ sơ"),
    (5, 0, "+5 hồ sơ"),
    (20, 20, None),
    (40, 20, "+100,0%"),     # 20 is enough
])
def test_count_delta(current, previous, expected):
    assert count_delta(current, previous, base=20) == expected


@pytest.mark.parametrize("args, expected", [
    ((0.6, 0.5, 100, 100, 30), "+10,0 điểm %"),
    ((0.8, 0.514, 5, 40, 30), "+28,6 điểm % (n = 5)"),        # the example: 5 respondents
    ((0.8, 0.514, 40, 7, 30), "+28,6 điểm % (kỳ trước n = 7)"),
    ((0.8, 0.514, 5, 7, 30), "+28,6 điểm % (n = 5 và 7)"),
    ((0.5, 0.5, 5, 7, 30), None),
    ((None, 0.5, 5, 7, 30), None),
])
def test_rate_delta_carries_its_n_when_small(args, expected):
    assert rate_delta(*args) == expected


@pytest.mark.parametrize("period, title", [
    (Period("week", date(2026, 11, 16), date(2026, 11, 22)), "Giao ban tuần"),
    (Period("month", date(2026, 11, 1), date(2026, 11, 30)), "Giao ban tháng"),
    (Period("report_month", date(2026, 10, 15), date(2026, 11, 14)), "Giao ban tháng"),
    (Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), "Giao ban quý"),
    (Period("year", date(2026, 1, 1), date(2026, 12, 31)), "Giao ban năm"),
    (Period("custom", date(2026, 11, 1), date(2026, 11, 10)), "Giao ban"),
])
def test_title_follows_the_period(period, title):
    assert narrative.briefing_title(period) == title


def test_field_moves_are_empty_without_fields():
    empty = pl.DataFrame(schema={"field_name": pl.String, "change": pl.Int64})
    assert narrative._field_moves(empty) == ""
