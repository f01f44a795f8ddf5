"""Data-quality flags (queries/quality.py) against hand-worked cases from a tiny export.

Calendar facts used below (Vietnamese working calendar, 2026): 31/08 (Mon) is a day off swapped
for Saturday 22/08, 01/09 and 02/09 are Quốc khánh; 01/10 is a Thursday; the last two working days
are 27–28/08 (Thu–Fri), 29–30/09 (Tue–Wed) and 29–30/10 (Thu–Fri); 31/10 is a Saturday.

Period P = 15/08/2026 – 31/10/2026, "today" 21/11/2026, so the cut (period end or today) is 31/10.
Rules lowered so that a handful of rows can trip them: silent = 14 days, baseline = 28 days,
expected ≥ 2; burst = at least 4 finishes, share ≥ 50%, last 2 working days.
"""
from __future__ import annotations

from datetime import date, time

import pytest

from queries.connection import open_database
from queries.dossiers import period_counts
from queries.filters import Filters, Scope
from queries.quality import QualityRules, quality_flags
from tests.fixtures_exports import load_text_exports

HEADER = "Mã hồ sơ,Mã thủ tục,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Cán bộ xử lý\n"
HN = "1.004873.000.00.00.H48"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days (procedures.csv)
ROWS = """\
QA-A1,,Phường Hải Châu,05/10/2026 08:00,07/10/2026,10/08/2026 10:00,Đã trả kết quả,
QA-A2,,Phường Hải Châu,06/10/2026 09:00,08/10/2026,07/10/2026 10:00,Đã trả kết quả,
QA-B1,,Xã Hòa Vang,25/09/2026 08:00,27/09/2026,,Đang xử lý,
QA-B2,,Xã Hòa Vang,27/08/2026 08:00,01/09/2026,,Đang xử lý,
QA-B3,{HN},Xã Hòa Vang,01/10/2026 09:00,05/10/2026,,Đang xử lý,
QA-B4,{HN},Xã Hòa Vang,01/10/2026 06:30,05/10/2026,,Đang xử lý,
QA-B5,{HN},Xã Hòa Vang,02/10/2026 18:00,06/10/2026,,Đang xử lý,
QA-B6,,Xã Hòa Vang,20/10/2026 08:00,22/10/2026,,Đang xử lý,
QA-C1,,Phường Thanh Khê,21/09/2026 08:00,23/09/2026,,Đang xử lý,
QA-C2,,Phường Thanh Khê,28/09/2026 08:00,30/09/2026,,Đang xử lý,
QA-C3,,Phường Thanh Khê,05/10/2026 08:00,07/10/2026,,Đang xử lý,
QA-C4,,Phường Thanh Khê,12/10/2026 08:00,14/10/2026,,Đang xử lý,
QA-D1,,Xã Bà Nà,22/09/2026 08:00,24/09/2026,,Đang xử lý,
QA-D2,,Xã Bà Nà,29/09/2026 08:00,01/10/2026,,Đang xử lý,
QA-D3,,Xã Bà Nà,06/10/2026 08:00,08/10/2026,,Đang xử lý,
QA-E1,,Phường Cẩm Lệ,07/09/2026 08:00,02/10/2026,29/09/2026 15:00,Đã trả kết quả,Trần Văn Dồn
QA-E2,,Phường Cẩm Lệ,07/09/2026 08:00,02/10/2026,30/09/2026 15:00,Đã trả kết quả,Trần Văn Dồn
QA-E3,,Phường Cẩm Lệ,07/09/2026 08:00,02/10/2026,30/09/2026 16:00,Đã trả kết quả,Trần Văn Dồn
QA-E4,,Phường Cẩm Lệ,07/09/2026 08:00,02/10/2026,15/09/2026 15:00,Đã trả kết quả,Trần Văn Dồn
QA-E5,,Phường Cẩm Lệ,07/09/2026 08:00,02/10/2026,31/10/2026 09:00,Đã trả kết quả,Trần Văn Dồn
QA-E6,,Phường Cẩm Lệ,08/09/2026 08:00,02/10/2026,10/09/2026 15:00,Đã trả kết quả,Lê Thị Đều
QA-E7,,Phường Cẩm Lệ,08/09/2026 08:00,02/10/2026,17/09/2026 15:00,Đã trả kết quả,Lê Thị Đều
QA-E8,,Phường Cẩm Lệ,08/09/2026 08:00,02/10/2026,24/09/2026 15:00,Đã trả kết quả,Lê Thị Đều
QA-E9,,Phường Cẩm Lệ,08/09/2026 08:00,02/10/2026,30/09/2026 15:00,Đã trả kết quả,Lê Thị Đều
QA-F1,,Phường Hải Châu,20/10/2026 08:00,22/10/2026,21/10/2026 09:00,Mới đăng ký,
""".replace("{HN}", HN)
RULES = QualityRules(silent_days=14, silent_baseline_days=28, silent_min_expected=2, burst_last_working_days=2,
                     burst_min_finishes=4, burst_share=0.5, examples=5, office_start=time(7), office_end=time(17))
A, B, C, D, E = "20242", "20320", "20209", "20308", "20260"  # Hải Châu, Hòa Vang, Thanh Khê, Bà Nà, Cẩm Lệ


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    # QA-A1 finished before it was received: rejected by default (settings.toml [plausibility]);
    # a province that keeps such rows, flagged here, sets reject_result_before_received = false.
    folder = tmp_path_factory.mktemp("quality")
    (folder / "config").mkdir()  # the installation's settings, beside the database load_text_exports makes
    (folder / "config" / "settings.toml").write_text("[plausibility]\nreject_result_before_received = false\n")
    db = load_text_exports(folder, {"chat_luong.csv": HEADER + ROWS})
    return open_database(db)


def flags(con, start=date(2026, 8, 15), end=date(2026, 10, 31), scope=None, units=frozenset()):
    scope = scope or Scope.province()
    result = quality_flags(con, Filters(scope, start, end, units, as_of=date(2026, 11, 21)), RULES)
    return {(r["flag"], r["unit_code"], r["officer_name"]): r for r in result.to_dicts()}


def test_every_flag_by_hand(con):
    found = flags(con)
    assert set(found) == {("balance", A, None), ("finish_before_receipt", A, None), ("due_on_day_off", B, None),
                          ("due_too_early", B, None), ("silent_unit", C, None),
                          ("month_end_burst", E, "Trần Văn Dồn")}


def test_balance_broken_by_a_finish_before_the_period(con):
    # Hải Châu in P: QA-A1 received 05/10 (in P) but finished 10/08 (before P): counted as received,
    # neither resolved in P nor in progress → received 2 = resolved 1 + in progress 0 + 0, gap 1.
    # QA-F1 is status 1 (submitted, not accepted): Biểu 06 leaves it out entirely, so it does not
    # break the balance even though it carries a finish date.
    row = flags(con)[("balance", A, None)]
    assert (row["count"], row["base"], row["examples"]) == (1, 2, ["QA-A1"])
    counts = period_counts(con, Filters(Scope.province(), date(2026, 8, 15), date(2026, 10, 31),
                                        frozenset({A})), by="unit").to_dicts()[0]
    assert (counts["received_total"], counts["resolved_total"], counts["pending_total"]) == (2, 1, 0)
    # Over 01/08 – 31/10 the finish (10/08) falls inside the period: resolved, balanced again,
    # while the finish-before-receipt flag stays.
    wider = flags(con, start=date(2026, 8, 1))
    assert ("balance", A, None) not in wider and ("finish_before_receipt", A, None) in wider


def test_finish_before_receipt(con):
    row = flags(con)[("finish_before_receipt", A, None)]
    assert (row["count"], row["examples"]) == (1, ["QA-A1"])
    # Period of September only: QA-A1 was received 05/10 (after it) and finished 10/08 (before it).
    assert ("finish_before_receipt", A, None) not in flags(con, date(2026, 9, 1), date(2026, 9, 30))


def test_due_on_sunday_and_on_national_day(con):
    # Hòa Vang, received in P with an exported due date: B1…B6 = 6. QA-B1 due Sunday 27/09,
    # QA-B2 due Tuesday 01/09 (Quốc khánh). Newest received first.
    row = flags(con)[("due_on_day_off", B, None)]
    assert (row["count"], row["base"], row["examples"]) == (2, 6, ["QA-B1", "QA-B2"])


def test_due_earlier_than_working_days(con):
    # Procedure of 3 working days (catalogue). Working-day numbers: Thu 01/10 = n, Fri 02/10 = n+1,
    # Mon 05/10 = n+2, Tue 06/10 = n+3, Wed 07/10 = n+4.
    # QA-B3 received 01/10 09:00 → earliest due n+3 (Tue 06/10); export says Mon 05/10 → too early.
    # QA-B4 received 01/10 06:30, before opening: the day counts → n+2 (Mon 05/10) → fine.
    # QA-B5 received Fri 02/10 18:00, after closing: from Monday → n+1+3 (Wed 07/10); export Tue 06/10 → early.
    row = flags(con)[("due_too_early", B, None)]
    assert (row["count"], row["base"], row["examples"]) == (2, 3, ["QA-B5", "QA-B3"])


def test_unit_that_stopped_sending(con):
    # Cut 31/10. Silent window 18/10–31/10: Thanh Khê has nothing. Baseline 20/09–17/10: 4 dossiers
    # → 4 × 14 / 28 = 2 expected ≥ 2 → flagged; last received 12/10, 19 days before 31/10.
    # Bà Nà: 3 in the baseline → 1,5 expected < 2 → not flagged. Hòa Vang received QA-B6 on 20/10.
    row = flags(con)[("silent_unit", C, None)]
    assert (row["count"], row["base"], row["last_date"], row["examples"]) == (19, 4, date(2026, 10, 12), ["QA-C4"])
    # With the period ending 14/10: window 01/10–14/10 holds QA-C3 and QA-C4 → not silent.
    assert ("silent_unit", C, None) not in flags(con, end=date(2026, 10, 14))


def test_month_end_burst_officer(con):
    # Trần Văn Dồn finished 5 in P: 29/09, 30/09, 30/09 (last two working days of September),
    # 31/10 (a Saturday after the last working days of October) and 15/09 → 4 of 5 = 80% ≥ 50%.
    # Lê Thị Đều: 10/09, 17/09, 24/09, 30/09 → 1 of 4 = 25% → not flagged.
    row = flags(con)[("month_end_burst", E, "Trần Văn Dồn")]
    assert (row["count"], row["base"], row["share"]) == (4, 5, 0.8)
    assert row["examples"] == ["QA-E5", "QA-E2", "QA-E3", "QA-E1"]
    september = flags(con, date(2026, 9, 1), date(2026, 9, 30))[("month_end_burst", E, "Trần Văn Dồn")]
    assert (september["count"], september["base"]) == (3, 4)


def test_scope_and_unit_selection(con):
    assert set(flags(con, scope=Scope.units([B]))) == {("due_on_day_off", B, None), ("due_too_early", B, None)}
    assert set(flags(con, units=frozenset({E}))) == {("month_end_burst", E, "Trần Văn Dồn")}
    # A viewer of Bà Nà selecting another unit through the URL gets nothing from it.
    assert flags(con, scope=Scope.units([D]), units=frozenset({A})) == {}
