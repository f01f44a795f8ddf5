"""Query layer figures against a hand-worked miniature export (Form 06 counts, scope)."""
from datetime import date

import duckdb
import pytest

from queries.dossiers import period_counts
from queries.filters import Filters, Scope
from tests.fixtures_exports import load_text_exports

A, B = "20209", "20242"  # Phường Thanh Khê, Phường Hải Châu
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))

# One row per dossier; the comment says where it must land for the period 01/11–30/11/2026.
EXPORT = """\
Mã hồ sơ,Đơn vị,Ngày nộp,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp
D01,Phường Thanh Khê,,28/10/2026,03/11/2026,02/11/2026,Đã trả kết quả,Trực tiếp
D02,Phường Thanh Khê,,20/10/2026,27/10/2026,29/10/2026,Đã trả kết quả,Trực tiếp
D03,Phường Thanh Khê,,02/11/2026,05/11/2026,05/11/2026 16:00,Đã trả kết quả,Trực tuyến
D04,Phường Thanh Khê,,03/11/2026,06/11/2026,10/11/2026,Đã xử lý xong,Trực tiếp
D05,Phường Thanh Khê,,25/11/2026,02/12/2026,,Đang xử lý,Trực tiếp
D06,Phường Thanh Khê,,10/11/2026,20/11/2026,,Đang xử lý,Trực tiếp
D07,Phường Thanh Khê,,12/11/2026,19/11/2026,,Công dân yêu cầu rút hồ sơ,Trực tiếp
D08,Phường Hải Châu,,30/10/2026,13/11/2026,01/12/2026,Đã xử lý xong,Trực tiếp
D09,Phường Hải Châu,,30/11/2026 16:30,01/12/2026,,Được tiếp nhận,Trực tuyến
D10,Phường Hải Châu,,01/12/2026,03/12/2026,,Đang xử lý,Trực tiếp
D11,Phường Hải Châu,15/11/2026,,,,Mới đăng ký,Trực tuyến
"""
# D01 carried over (received before 01/11, not finished before it), resolved early (02/11 < 03/11).
# D02 finished 29/10, before the period: not counted anywhere.
# D03 received online in period, resolved on its due day: on time.
# D04 received in period, finished Tue 10/11 after due Fri 06/11: late by Mon 09 + Tue 10 = 2 working days.
# D05 received in period, open, due 02/12 after the period end: pending within deadline.
# D06 received in period, open, due 20/11 before 30/11: pending overdue.
# D07 withdrawn: withdrawn/stopped/refused in period.
# D08 carried over; finished 01/12, after the period: pending at the end, overdue (due 13/11).
# D09 received on the last day, online, open, due 01/12: pending within deadline.
# D10 received after the period: not counted. D11 only submitted (status 1): never counted.
EXPECTED = {
    A: dict(received_online=1, received_direct=4, carried_over=1, received_total=6, resolved_early=1,
            resolved_on_time=1, resolved_late=1, resolved_total=3, pending_within=1, pending_overdue=1,
            pending_total=2, withdrawn_stopped_refused=1),
    B: dict(received_online=1, received_direct=0, carried_over=1, received_total=2, resolved_early=0,
            resolved_on_time=0, resolved_late=0, resolved_total=0, pending_within=1, pending_overdue=1,
            pending_total=2, withdrawn_stopped_refused=0),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    db = load_text_exports(tmp_path_factory.mktemp("queries"), {"thang11.csv": EXPORT})
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def rows_by_unit(frame) -> dict[str, dict]:
    return {r.pop("group_key"): r for r in frame.to_dicts()}


def test_form06_counts_by_unit_match_hand_count(con):
    result = rows_by_unit(period_counts(con, Filters(Scope.province(), *NOVEMBER), by="unit"))
    assert result == EXPECTED


def test_form06_sums_and_balance_identity(con):
    [total] = period_counts(con, Filters(Scope.province(), *NOVEMBER), by="total").to_dicts()
    assert total["received_total"] == 8
    assert total["received_total"] == total["received_online"] + total["received_direct"] + total["carried_over"]
    assert total["resolved_total"] == total["resolved_early"] + total["resolved_on_time"] + total["resolved_late"]
    assert total["pending_total"] == total["pending_within"] + total["pending_overdue"]
    assert total["received_total"] == (total["resolved_total"] + total["pending_total"]
                                       + total["withdrawn_stopped_refused"])


def test_late_working_days_of_the_late_dossier(con):
    rows = con.execute("SELECT dossier_code, timeliness, late_working_days FROM dossiers "
                       "WHERE timeliness IS NOT NULL ORDER BY dossier_code").fetchall()
    # D02: due Tue 27/10, finished Thu 29/10 → Wed 28 + Thu 29 = 2.
    # D04: due Fri 06/11, finished Tue 10/11 → Mon 09 + Tue 10 = 2.
    # D08: due Fri 13/11, finished Tue 01/12 → 16–20/11 (5) + 23/11 (1) + 25–27/11 (3; 24/11 is
    #      Ngày Văn hóa Việt Nam, a day off from 2026) + 30/11 (1) + 01/12 (1) = 11.
    assert rows == [("D01", "early", None), ("D02", "late", 2), ("D03", "on_time", None),
                    ("D04", "late", 2), ("D08", "late", 11)]


def test_scope_limits_rows_and_selection_cannot_widen_it(con):
    hai_chau = Scope.units({B})
    result = rows_by_unit(period_counts(con, Filters(hai_chau, *NOVEMBER), by="unit"))
    assert list(result) == [B]
    # Selecting a unit outside the scope yields nothing, not the other unit's rows.
    outside = Filters(hai_chau, *NOVEMBER, unit_codes=frozenset({A}))
    assert period_counts(con, outside, by="unit").height == 0


def test_filters_require_an_explicit_scope():
    with pytest.raises(TypeError):
        Filters(None, *NOVEMBER)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Filters(*NOVEMBER)  # type: ignore[call-arg]


def test_running_period_judges_overdue_against_today_not_the_future_end(con):
    # Viewing November on 15/11: D06 (due 20/11) is not overdue yet; D08 (due 13/11) is.
    running = Filters(Scope.province(), *NOVEMBER, as_of=date(2026, 11, 15))
    result = rows_by_unit(period_counts(con, running, by="unit"))
    assert (result[A]["pending_within"], result[A]["pending_overdue"]) == (2, 0)  # D05, D06 within
    assert (result[B]["pending_within"], result[B]["pending_overdue"]) == (1, 1)  # D09 within, D08 overdue


def test_home_page_weekly_volume_and_unit_freshness(con):
    from queries.status import unit_counts, weekly_volume

    weeks = {r["week_start"]: (r["received"], r["resolved"]) for r in weekly_volume(con, Scope.province()).to_dicts()}
    # Received by Monday-week (status 1 excluded): D02 | D01 D08 | D03 D04 | D06 D07 | D05 | D09 D10.
    # Resolved by finish week: D02 29/10 | D01 02/11, D03 05/11 | D04 10/11 | D08 01/12.
    assert weeks == {date(2026, 10, 19): (1, 0), date(2026, 10, 26): (2, 1), date(2026, 11, 2): (2, 2),
                     date(2026, 11, 9): (2, 1), date(2026, 11, 23): (1, 0), date(2026, 11, 30): (2, 1)}
    units = {r["unit_code"]: r for r in unit_counts(con, Scope.province(), date(2026, 12, 5)).to_dicts()}
    # Thanh Khê: 7 dossiers, last received 25/11 → 10 days before 05/12; Hải Châu: 4, last 01/12 → 4 days.
    assert (units[A]["dossiers"], units[A]["last_received"], units[A]["days_since_last"]) == (7, date(2026, 11, 25), 10)
    assert (units[B]["dossiers"], units[B]["last_received"], units[B]["days_since_last"]) == (4, date(2026, 12, 1), 4)
    assert units["20320"]["dossiers"] == 0 and units["20320"]["last_received"] is None  # Xã Hòa Vang: no data
