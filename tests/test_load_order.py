"""Order does not matter: three overlapping exports loaded in all six orders give the same
dossiers and the same Biểu số 06, equal to a hand count; the as-of rules of a file."""
from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.extract import RawTable
from etl.load import file_as_of, load_files
from etl.normalize import Normalized
from etl.schema import BUSINESS_COLUMNS
from queries.connection import open_database
from queries.filters import Filters, Scope
from queries.form06 import FORM_COLUMNS, form06
from queries.periods import period_containing

# The official report month of November 2026: 15/10/2026 – 14/11/2026.
PERIOD = period_containing("report_month", date(2026, 11, 1))
HEADER = "Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp\n"
HC, TK, STP = "Phường Hải Châu", "Phường Thanh Khê", "Sở Tư pháp"

# A stands at the end of 31/10, B of 15/11, C of 30/11 (their titles); no row records an event
# after its file's title, so the title decides.
EXPORTS = {
    "a_thang_10.csv": "UBND THÀNH PHỐ ĐÀ NẴNG\n(Từ ngày 01/10/2026 đến ngày 31/10/2026)\n" + HEADER + f"""\
D1,Hộ tịch,{HC},20/10/2026 08:00,23/10/2026,,Đang xử lý,Trực tuyến
D2,Hộ tịch,{HC},28/10/2026 08:00,30/10/2026,,Đang xử lý,Trực tiếp
D3,Chứng thực,{TK},26/10/2026 08:00,29/10/2026,,Đang xử lý,Trực tiếp
D4,Hộ tịch,{TK},30/10/2026 08:00,05/11/2026,,Đang xử lý,Trực tuyến
D5,Lý lịch tư pháp,{STP},10/10/2026 08:00,16/10/2026,,Đang xử lý,Trực tiếp
D7,Chứng thực,{HC},21/10/2026 08:00,23/10/2026,,Đang xử lý,Trực tiếp
D8,Hộ tịch,{TK},16/10/2026 08:00,21/10/2026,20/10/2026 15:00,Đã trả kết quả,Trực tiếp
""",
    "b_giua_ky.csv": "UBND THÀNH PHỐ ĐÀ NẴNG\n(Từ ngày 15/10/2026 đến ngày 15/11/2026)\n" + HEADER + f"""\
D1,Hộ tịch,{HC},20/10/2026 08:00,23/10/2026,22/10/2026 10:00,Đã trả kết quả,Trực tuyến
D2,Hộ tịch,{HC},28/10/2026 08:00,30/10/2026,,Chờ bổ sung,Trực tiếp
D4,Hộ tịch,{TK},30/10/2026 08:00,05/11/2026,,Đang xử lý,Trực tuyến
D5,Lý lịch tư pháp,{STP},10/10/2026 08:00,16/10/2026,19/10/2026 09:00,Đã trả kết quả,Trực tiếp
D6,Lý lịch tư pháp,{STP},02/11/2026 08:00,06/11/2026,05/11/2026 16:00,Đã trả kết quả,Trực tuyến
D9,Hộ tịch,{HC},10/11/2026 08:00,18/11/2026,,Đang xử lý,Trực tiếp
""",
    "c_luy_ke.csv": "UBND THÀNH PHỐ ĐÀ NẴNG\n(Từ ngày 01/10/2026 đến ngày 30/11/2026)\n" + HEADER + f"""\
D1,Hộ tịch,{HC},20/10/2026 08:00,23/10/2026,22/10/2026 10:00,Đã trả kết quả,Trực tuyến
D3,Chứng thực,{TK},26/10/2026 08:00,20/11/2026,,Đang xử lý,Trực tiếp
D4,Hộ tịch,{TK},30/10/2026 08:00,05/11/2026,20/11/2026 11:00,Đã trả kết quả,Trực tuyến
D5,Lý lịch tư pháp,{STP},10/10/2026 08:00,16/10/2026,19/10/2026 09:00,Đã trả kết quả,Trực tiếp
D6,Lý lịch tư pháp,{STP},02/11/2026 08:00,06/11/2026,06/11/2026 10:00,Đã trả kết quả,Trực tuyến
D7,Chứng thực,{HC},21/10/2026 08:00,23/10/2026,,Công dân yêu cầu rút hồ sơ,Trực tiếp
D8,Hộ tịch,{TK},16/10/2026 08:00,21/10/2026,,Đang xử lý,Trực tiếp
""",
}
# The version that must win, whatever the order (latest as-of; a resolved one over a later
# unresolved one, settings.toml [load] keep_resolved_over_older = true), and where it lands:
# D1 B = C (identical; C, the latest, is named): received online 20/10, finished 22/10 < due 23/10: early.
# D2 B (status 5 after A's 4): received in person 28/10, open at the end, due 30/10 < 14/11: overdue.
# D3 C (due extended to 20/11; A had 29/10): received in person, open, due after the end: within.
# D4 C (finished 20/11, after the period): received online 30/10, open at the end, due 05/11: overdue.
# D5 B = C: received 10/10, before the period, open at its start: carried over; finished 19/10 > 16/10: late.
# D6 C (finish corrected to 06/11 from B's 05/11): received online 02/11, finished on its due day: on time.
# D7 C (withdrawn): received in person 21/10: withdrawn/stopped/refused.
# D8 A (finished 20/10; C, later, shows it open: the software does not reopen): received in person
#    16/10, finished before due 21/10: early.
# D9 B only: received in person 10/11, open, due 18/11: within.
WINNER = {"D1": "c_luy_ke.csv", "D2": "b_giua_ky.csv", "D3": "c_luy_ke.csv", "D4": "c_luy_ke.csv",
          "D5": "c_luy_ke.csv", "D6": "c_luy_ke.csv", "D7": "c_luy_ke.csv", "D8": "a_thang_10.csv",
          "D9": "b_giua_ky.csv"}
COUNTS = FORM_COLUMNS + ("withdrawn_stopped_refused",)
EXPECTED = {
    # received (total, online, direct, carried) | resolved (total, early, on time, late) |
    # in progress (total, within, overdue) | withdrawn/stopped/refused
    # Lý lịch tư pháp: D6 online, D5 carried | D6 on time, D5 late
    ("tinh", "tu_phap"): (2, 1, 0, 1, 2, 0, 1, 1, 0, 0, 0, 0),
    ("tinh", None): (2, 1, 0, 1, 2, 0, 1, 1, 0, 0, 0, 0),
    # Hộ tịch: D1, D4 online; D2, D8, D9 in person | D1, D8 early | D9 within; D2, D4 overdue
    ("xa", "ho_tich"): (5, 2, 3, 0, 2, 2, 0, 0, 3, 1, 2, 0),
    # Chứng thực: D3, D7 in person | – | D3 within | D7 withdrawn
    ("xa", "chung_thuc"): (2, 0, 2, 0, 0, 0, 0, 0, 1, 1, 0, 1),
    ("xa", None): (7, 2, 5, 0, 2, 2, 0, 0, 4, 2, 2, 1),
    # 9 = 3 online + 5 in person + 1 carried | 4 = 2 early + 1 on time + 1 late | 4 = 2 within +
    # 2 overdue | 1 withdrawn; and 9 = 4 + 4 + 1.
    (None, None): (9, 3, 5, 1, 4, 2, 1, 1, 4, 2, 2, 1),
}
ORDERS = list(itertools.permutations(EXPORTS))


def _load_in_order(folder: Path, order: tuple[str, ...]) -> Path:
    for name, text in EXPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = folder / "db" / "cchc.duckdb"
    for name in order:  # one load per file, as offices send them on different days
        [report] = load_files([folder / name], db)
        assert report.status == "loaded" and report.rows_rejected == 0, report.summary()
    return db


def _figures(db: Path) -> dict:
    con = open_database(db)
    try:
        report = form06(con, Filters(Scope.province(), PERIOD.start, PERIOD.end))
        form = {(r["level"], r["field_code"]): tuple(r[c] for c in COUNTS) for r in report.rows.iter_rows(named=True)}
        dossiers = pl.from_arrow(con.sql("SELECT * EXCLUDE (load_id) FROM dossiers ORDER BY dossier_code")
                                 .to_arrow_table())
        versions = con.execute(f"SELECT DISTINCT {', '.join(BUSINESS_COLUMNS)} FROM stg_dossier_versions "
                               "ORDER BY ALL").fetchall()
        warnings = con.execute(
            "SELECT l.file_name, r.dossier_code, r.reason_code, r.message FROM rejects r JOIN load_log l USING (load_id) "
            "WHERE r.severity = 'warning' ORDER BY 1, 2").fetchall()
        as_of = con.execute("SELECT file_name, as_of_at, as_of_source FROM load_log ORDER BY 1").fetchall()
    finally:
        con.close()
    return {"form": form, "dossiers": dossiers, "versions": versions, "warnings": warnings, "as_of": as_of}


@pytest.fixture(scope="module", params=["fresh_standby", "replayed_standby"])
def by_order(request, tmp_path_factory) -> dict[tuple[str, ...], dict]:
    """Each load starting from a copy of the file the previous load left (these loads are large next
    to the file), or from the file published one load before, caught up by replaying the previous
    load's rows (etl.load.LARGE_SHARE raised: core/store.py, etl/sync.py)."""
    import etl.load

    share = etl.load.LARGE_SHARE
    etl.load.LARGE_SHARE = 1.0 if request.param == "replayed_standby" else share
    try:
        return {order: _figures(_load_in_order(tmp_path_factory.mktemp("order"), order)) for order in ORDERS}
    finally:
        etl.load.LARGE_SHARE = share


def test_biểu_06_is_the_hand_count_in_every_order(by_order):
    for order, figures in by_order.items():
        assert figures["form"] == EXPECTED, order


def test_dossiers_are_identical_in_every_order(by_order):
    first = by_order[ORDERS[0]]
    for order, figures in by_order.items():
        assert figures["dossiers"].equals(first["dossiers"]), order
        assert figures["versions"] == first["versions"], order  # every distinct version is kept
        assert figures["as_of"] == first["as_of"], order
    winners = dict(first["dossiers"].select("dossier_code", "source_file").iter_rows())
    assert winners == WINNER
    assert first["as_of"] == [("a_thang_10.csv", datetime(2026, 10, 31, 23, 59, 59), "title"),
                              ("b_giua_ky.csv", datetime(2026, 11, 15, 23, 59, 59), "title"),
                              ("c_luy_ke.csv", datetime(2026, 11, 30, 23, 59, 59), "title")]


def test_every_version_that_lost_is_a_warning_naming_the_newer_file(by_order):
    """Loaded last, the oldest export A loses everywhere it differs: six stale rows naming the
    file that holds each dossier's newer state; D8 keeps A's result over C's open version."""
    warnings = by_order[("c_luy_ke.csv", "b_giua_ky.csv", "a_thang_10.csv")]["warnings"]
    mine = [(code, reason) for file, code, reason, _ in warnings if file == "a_thang_10.csv"]
    assert mine == [("D1", "stale_update"), ("D2", "stale_update"), ("D3", "stale_update"), ("D4", "stale_update"),
                    ("D5", "stale_update"), ("D7", "stale_update"), ("D8", "resolved_kept")]
    messages = {code: message for file, code, _, message in warnings if file == "a_thang_10.csv"}
    assert "cũ hơn tệp «b_giua_ky.csv»" in messages["D2"]
    assert "cũ hơn tệp «c_luy_ke.csv»" in messages["D3"]
    assert "tệp «c_luy_ke.csv»" in messages["D8"] and "giữ bản đã có kết quả" in messages["D8"]
    # Loaded in date order, nothing is stale; only C's reopened D8 is a warning.
    in_order = by_order[("a_thang_10.csv", "b_giua_ky.csv", "c_luy_ke.csv")]["warnings"]
    assert [(file, code, reason) for file, code, reason, _ in in_order] == [("c_luy_ke.csv", "D8", "resolved_kept")]


# --- the as-of of one file ------------------------------------------------------------------------

LOADED = datetime(2026, 12, 7, 9, 0)


def _file(titles: tuple[str, ...], events: list[datetime | None]) -> list[tuple[RawTable, Normalized]]:
    table = RawTable("t.csv", None, "dossier", (1,), {}, (), titles, pl.DataFrame({"_row": [1]}))
    rows = pl.DataFrame({"received_at": events, "due_at": [datetime(2027, 1, 1)] * len(events)},
                        schema={"received_at": pl.Datetime("us"), "due_at": pl.Datetime("us")})
    empty = pl.DataFrame()
    return [(table, Normalized("dossier", rows, empty, len(events), 0, empty))]


@pytest.mark.parametrize("titles, events, expected", [
    # the title's «đến ngày», to the end of that day
    (("(Từ ngày 01/10/2026 đến ngày 31/10/2026)",), [datetime(2026, 10, 20)],
     (datetime(2026, 10, 31, 23, 59, 59), "title")),
    (("Số liệu tính đến hết ngày 05/11/2026",), [None], (datetime(2026, 11, 5, 23, 59, 59), "title")),
    # a row records an event after the title: exported later than its period
    (("(Từ ngày 01/10/2026 đến ngày 31/10/2026)",), [datetime(2026, 11, 3, 10)], (datetime(2026, 11, 3, 10), "rows")),
    # no title: the latest event (a due date lies ahead and is not an event)
    ((), [datetime(2026, 10, 2), datetime(2026, 10, 9, 14, 30)], (datetime(2026, 10, 9, 14, 30), "rows")),
    # a period still running, an event typed in the future: no evidence, ignored
    (("(Từ ngày 01/12/2026 đến ngày 31/12/2026)",), [datetime(2026, 12, 2), datetime(2062, 1, 1)],
     (datetime(2026, 12, 2), "rows")),
    (("(Từ ngày 01/12/2026 đến ngày 31/12/2026)",), [None], (LOADED, "load_time")),
    (("Danh sách hồ sơ", "đến ngày 31/02/2026"), [None], (LOADED, "load_time")),  # no such day
])
def test_as_of_of_a_file(titles, events, expected):
    assert file_as_of(_file(titles, events), LOADED) == expected


def test_same_as_of_later_load_wins(tmp_path):
    """Two exports standing at the same moment: the one loaded later wins (the tie rule)."""
    db = tmp_path / "db" / "cchc.duckdb"
    title = "(Từ ngày 01/10/2026 đến ngày 31/10/2026)\n"
    first, second = tmp_path / "mot.csv", tmp_path / "hai.csv"
    first.write_text(title + HEADER + f"D1,Hộ tịch,{HC},20/10/2026 08:00,23/10/2026,,Đang xử lý,\n", encoding="utf-8")
    second.write_text(title + HEADER + f"D1,Hộ tịch,{HC},20/10/2026 08:00,23/10/2026,,Chờ bổ sung,\n", encoding="utf-8")
    load_files([first], db)
    load_files([second], db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status_code, source_file FROM dossiers").fetchall() == [(5, "hai.csv")]
