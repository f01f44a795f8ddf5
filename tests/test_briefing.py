"""Briefing figures and the read-out paragraph against a hand-worked export (week 09–15/11/2026)."""
from datetime import date

import duckdb
import pytest

from queries.briefing import field_changes, kpis, overdue_now, units_needing_attention
from queries.filters import Filters, Scope
from queries.periods import Period
from tests.fixtures_exports import load_text_exports
from ui.narrative import briefing_paragraph

HC, TK = "20242", "20209"  # Phường Hải Châu, Phường Thanh Khê
WEEK = Period("week", date(2026, 11, 9), date(2026, 11, 15))
AS_OF = date(2026, 11, 22)

DOSSIERS = """\
Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp
E1,Phường Hải Châu,Hộ tịch,09/11/2026,11/11/2026,10/11/2026,Đã trả kết quả,Trực tuyến
E2,Phường Hải Châu,Hộ tịch,10/11/2026,12/11/2026,13/11/2026,Đã trả kết quả,Trực tiếp
E3,Phường Hải Châu,Đất đai,11/11/2026,13/11/2026,,Đang xử lý,Trực tiếp
E4,Phường Thanh Khê,Chứng thực,02/11/2026,05/11/2026,09/11/2026,Đã trả kết quả,Trực tiếp
E5,Phường Thanh Khê,Đất đai,12/11/2026,20/11/2026,,Đang xử lý,Trực tuyến
E6,Phường Thanh Khê,Đất đai,16/11/2026,18/11/2026,,Đang xử lý,Trực tiếp
E7,Phường Thanh Khê,Chứng thực,05/11/2026,06/11/2026,06/11/2026,Đã trả kết quả,Trực tiếp
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
    return Filters(scope, period.start, period.end)


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


def test_overdue_now_and_units_needing_attention(con):
    # Open and due before 22/11: E3 (13/11), E5 (20/11), E6 (18/11).
    assert overdue_now(con, week_filters(), AS_OF) == 3
    rows = units_needing_attention(con, week_filters(), AS_OF).to_dicts()
    assert [(r["unit_code"], r["overdue_now"], r["resolved"], r["resolved_late"], r["late_rate"],
             r["late_without_apology"]) for r in rows] == [
        (TK, 2, 1, 1, 1.0, 1),   # E5, E6 overdue; E4 resolved late, no apology slip
        (HC, 1, 2, 1, 0.5, 1),   # E3 overdue; E1 early, E2 late without apology
    ]


def test_field_changes_against_previous_week(con):
    changes = field_changes(con, week_filters(), week_filters(period=WEEK.previous()))
    got = {r["field_code"]: (r["received"], r["received_before"], r["change"]) for r in changes.to_dicts()}
    # This week: hộ tịch E1, E2; đất đai E3, E5. Last week: chứng thực E4, E7.
    assert got == {"ho_tich": (2, 0, 2), "dat_dai": (2, 0, 2), "chung_thuc": (0, 2, -2)}


def test_paragraph_reads_out_the_hand_worked_week(con):
    now, before = kpis(con, week_filters()), kpis(con, week_filters(period=WEEK.previous()))
    attention = units_needing_attention(con, week_filters(), AS_OF)
    changes = field_changes(con, week_filters(), week_filters(period=WEEK.previous()))
    text = briefing_paragraph(WEEK, "toàn tỉnh", now, before, 3, attention, changes)
    assert text.startswith("Trong tuần từ 09/11 đến 15/11/2026, toàn tỉnh tiếp nhận 4 hồ sơ, tăng 100,0% "
                           "so với tuần trước; đã giải quyết 3 hồ sơ, trong đó 33,3% trước hạn và đúng hạn, "
                           "2 hồ sơ trễ hạn.")
    assert "Hiện còn 3 hồ sơ quá hạn chưa giải quyết, nhiều nhất tại Phường Thanh Khê (2) và Phường Hải Châu (1)." in text
    assert "giảm nhiều nhất là Chứng thực (−2 hồ sơ)" in text
