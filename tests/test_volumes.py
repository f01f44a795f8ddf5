"""Query layer volumes (page Tiếp nhận & giải quyết) against a hand-worked miniature export."""
from datetime import date

import duckdb
import polars as pl
import pytest

from queries import reference, volumes
from queries.dossiers import period_counts
from queries.filters import Filters, Scope
from queries.periods import Period
from tests.fixtures_exports import load_text_exports

A, B, C = "20209", "20242", "20263"  # Phường Thanh Khê, Phường Hải Châu, Phường Sơn Trà
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))  # Sun 01/11 … Mon 30/11/2026
KS, CT, DD = "1.001193.000.00.00.H48", "2.000815.000.00.00.H48", "1.012760.000.00.00.H48"

# One row per dossier. Weeks are Monday–Sunday: 26/10–01/11, 02/11–08/11, 09/11–15/11,
# 16/11–22/11, 23/11–29/11, and 30/11 alone (the window ends with the period on Mon 30/11).
EXPORT = f"""\
Mã hồ sơ,Đơn vị,Lĩnh vực,Mã thủ tục,Tên thủ tục,Ngày nộp,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp
V01,Phường Thanh Khê,Hộ tịch,{KS},Đăng ký khai sinh,,01/11/2026,03/11/2026,02/11/2026,Đã trả kết quả,Trực tiếp
V02,Phường Thanh Khê,Hộ tịch,{KS},Đăng ký khai sinh,,02/11/2026,04/11/2026,04/11/2026,Đã trả kết quả,Trực tuyến
V03,Phường Thanh Khê,Hộ tịch,{KS},Đăng ký khai sinh,,08/11/2026,10/11/2026,,Đang xử lý,Trực tuyến
V04,Phường Thanh Khê,Chứng thực,{CT},Chứng thực bản sao từ bản chính giấy tờ,,09/11/2026,10/11/2026,09/11/2026,Đã trả kết quả,Trực tiếp
V05,Phường Thanh Khê,Chứng thực,{CT},Chứng thực bản sao từ bản chính giấy tờ,,16/11/2026,17/11/2026,18/11/2026,Đã trả kết quả,Bưu chính công ích
V06,Phường Hải Châu,Hộ tịch,{KS},Đăng ký khai sinh,,17/11/2026,18/11/2026,18/11/2026,Đã trả kết quả,Trực tuyến
V07,Phường Hải Châu,Đất đai,{DD},Đăng ký đất đai lần đầu,,20/11/2026,15/12/2026,,Đang xử lý,Trực tiếp
V08,Phường Hải Châu,Chứng thực,{CT},Chứng thực bản sao từ bản chính giấy tờ,,30/11/2026,01/12/2026,,Được tiếp nhận,Trực tuyến
V09,Phường Sơn Trà,Đất đai,{DD},Đăng ký đất đai lần đầu,,25/11/2026,10/12/2026,,Đang xử lý,Bưu chính công ích
V10,Phường Sơn Trà,Hộ tịch,{KS},Đăng ký khai sinh,,23/11/2026,25/11/2026,,Công dân yêu cầu rút hồ sơ,Trực tiếp
V11,Phường Thanh Khê,Hộ tịch,{KS},Đăng ký khai sinh,,28/10/2026,30/10/2026,03/11/2026,Đã trả kết quả,Trực tiếp
V12,Phường Hải Châu,Hộ tịch,{KS},Đăng ký khai sinh,,01/12/2026,03/12/2026,,Đang xử lý,Trực tiếp
V13,Phường Sơn Trà,Chứng thực,{CT},Chứng thực bản sao từ bản chính giấy tờ,20/11/2026,,,,Mới đăng ký,Trực tuyến
V14,Phường Thanh Khê,Hộ tịch,{KS},Đăng ký khai sinh,,10/11/2026,12/11/2026,11/11/2026,Đã trả kết quả,
"""
# Received in November (status ≠ 1, received 01/11–30/11): V01–V10 and V14 = 11.
#   V11 was received in October (carried over), V12 in December, V13 was only submitted.
# Resolved in November: V01 02/11, V02 04/11, V04 09/11, V05 18/11, V06 18/11, V11 03/11, V14 11/11 = 7.
# In progress on 30/11: V03 (due 10/11: overdue), V07, V08, V09 (due after 30/11: within) = 4.
# V10 withdrawn. Form 06 balance: 11 + 1 carried over = 12 = 7 resolved + 4 in progress + 1 withdrawn.


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    db = load_text_exports(tmp_path_factory.mktemp("volumes"), {"thang11.csv": EXPORT})
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def province(**kwargs) -> Filters:
    return Filters(Scope.province(), *NOVEMBER, **kwargs)


def test_channel_counts(con):
    rows = {r["channel_name"]: r for r in volumes.by_channel(con, province()).to_dicts()}
    assert list(rows) == ["Trực tiếp", "Trực tuyến", "Bưu chính công ích"]
    # Received: direct V01, V04, V07, V10 + V14 (no channel: counts as in person) = 5;
    #           online V02, V03, V06, V08 = 4; postal V05, V09 = 2. 5 + 4 + 2 = 11.
    assert [rows[n]["received"] for n in rows] == [5, 4, 2]
    assert [rows[n]["received_share"] for n in rows] == pytest.approx([5 / 11, 4 / 11, 2 / 11])
    # Resolved: direct V01, V04, V11, V14 = 4; online V02, V06 = 2; postal V05 = 1.
    assert [rows[n]["resolved_total"] for n in rows] == [4, 2, 1]
    # In progress on 30/11: direct V07; online V08 (within) and V03 (overdue); postal V09.
    assert [rows[n]["pending_within"] for n in rows] == [1, 1, 1]
    assert [rows[n]["pending_overdue"] for n in rows] == [0, 1, 0]


def test_channels_add_up_to_form06_totals(con):
    channels = volumes.by_channel(con, province())
    [total] = period_counts(con, province(), by="total").to_dicts()
    assert channels["received"].sum() == total["received_online"] + total["received_direct"] == 11
    assert channels["resolved_total"].sum() == total["resolved_total"] == 7
    assert channels["pending_within"].sum() == total["pending_within"] == 3
    assert channels["pending_overdue"].sum() == total["pending_overdue"] == 1


def test_weekly_buckets_run_monday_to_sunday(con):
    weekly = volumes.series(con, province(), "week")
    # 26 weeks ending with the period: Mon 30/11 − 25 × 7 days = Mon 08/06/2026.
    assert weekly.height == 26
    assert weekly["bucket_start"][0] == date(2026, 6, 8)
    last = weekly.tail(6).to_dicts()
    assert [(r["bucket_start"], r["bucket_end"]) for r in last] == [
        (date(2026, 10, 26), date(2026, 11, 1)), (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)), (date(2026, 11, 16), date(2026, 11, 22)),
        (date(2026, 11, 23), date(2026, 11, 29)), (date(2026, 11, 30), date(2026, 11, 30)),
    ]
    # Received: V11 Wed 28/10 + V01 Sun 01/11 = 2 | V02 Mon 02/11 + V03 Sun 08/11 = 2 |
    #           V04 09/11 + V14 10/11 = 2 | V05 16/11 + V06 17/11 + V07 20/11 = 3 |
    #           V10 23/11 + V09 25/11 = 2 | V08 Mon 30/11 = 1 (V12 on 01/12 is past the window).
    assert [r["received"] for r in last] == [2, 2, 2, 3, 2, 1]
    # Resolved: none | V01 02/11, V11 03/11, V02 04/11 = 3 | V04 09/11, V14 11/11 = 2 |
    #           V05 18/11, V06 18/11 = 2 | none | none.
    assert [r["resolved"] for r in last] == [0, 3, 2, 2, 0, 0]
    assert weekly.head(20)["received"].sum() == 0 and weekly.head(20)["resolved"].sum() == 0
    # The week of Sun 01/11 overlaps the period; the week before does not.
    assert weekly["in_period"].to_list() == [False] * 20 + [True] * 6
    assert last[-1]["label"] == "Tuần 49 (30/11–06/12/2026) (tính đến 30/11/2026)"
    assert last[-2]["label"] == "Tuần 48 (23/11–29/11/2026)"


def test_monthly_buckets(con):
    monthly = volumes.series(con, province(), "month")
    # 24 calendar months ending November 2026: December 2024 … November 2026.
    assert monthly.height == 24
    assert monthly["bucket_start"][0] == date(2024, 12, 1)
    october, november = monthly.tail(2).to_dicts()
    assert (october["received"], october["resolved"]) == (1, 0)  # V11
    assert (november["received"], november["resolved"]) == (11, 7)
    assert november["label"] == "Tháng 11/2026"


def test_grain_comes_from_the_allowlist(con):
    with pytest.raises(KeyError):
        volumes.series(con, province(), "day; DROP TABLE x")
    assert volumes.grain_for(Period("month", *NOVEMBER)) == "week"
    assert volumes.grain_for(Period("quarter", date(2026, 7, 1), date(2026, 9, 30))) == "week"  # 92 days
    assert volumes.grain_for(Period("year", date(2026, 1, 1), date(2026, 12, 31))) == "month"


def test_unit_field_matrix(con):
    cells = {(r["unit_code"], r["field_name"]): r for r in volumes.matrix(con, province()).to_dicts()}
    # Thanh Khê: Hộ tịch V01, V02, V03, V14 = 4; Chứng thực V04, V05 = 2 (V11 is October's).
    # Hải Châu: Hộ tịch V06, Đất đai V07, Chứng thực V08 = 1 each (V12 is December's).
    # Sơn Trà: Đất đai V09, Hộ tịch V10 = 1 each (V13 only submitted).
    assert {k: v["received"] for k, v in cells.items()} == {
        (A, "Hộ tịch"): 4, (A, "Chứng thực"): 2,
        (B, "Hộ tịch"): 1, (B, "Đất đai"): 1, (B, "Chứng thực"): 1,
        (C, "Đất đai"): 1, (C, "Hộ tịch"): 1,
    }
    # Unit totals 6, 3, 2 rank Thanh Khê, Hải Châu, Sơn Trà; field totals 4+1+1, 2+1, 1+1.
    assert {k[0]: (v["unit_received"], v["unit_rank"]) for k, v in cells.items()} == {A: (6, 1), B: (3, 2), C: (2, 3)}
    assert {k[1]: v["field_received"] for k, v in cells.items()} == {"Hộ tịch": 6, "Chứng thực": 3, "Đất đai": 2}
    assert cells[(A, "Hộ tịch")]["unit_name"] == "Phường Thanh Khê"


def test_matrix_keeps_the_top_units_and_says_how_many_there_are(con):
    top = volumes.matrix(con, province(), top_units=2)
    assert set(top["unit_code"]) == {A, B}
    assert set(top["units_with_data"]) == {3}
    # Field totals over the units shown: Hộ tịch 4 + 1, Chứng thực 2 + 1, Đất đai 1.
    assert dict(top.select("field_name", "field_received").unique().iter_rows()) == {
        "Hộ tịch": 5, "Chứng thực": 3, "Đất đai": 1}


def test_top_procedures(con):
    top = volumes.top_procedures(con, province())
    rows = [(r["procedure_code"], r["field_name"], r["received"], r["resolved"]) for r in top.to_dicts()]
    # Khai sinh received: V01, V02, V03, V06, V10, V14 = 6; resolved V01, V02, V06, V14 and V11
    #   (received in October, resolved 03/11) = 5.
    # Chứng thực received V04, V05, V08 = 3, resolved V04, V05 = 2. Đất đai received V07, V09 = 2, none resolved.
    assert rows == [(KS, "Hộ tịch", 6, 5), (CT, "Chứng thực", 3, 2), (DD, "Đất đai", 2, 0)]
    assert top["received_share"].to_list() == pytest.approx([6 / 11, 3 / 11, 2 / 11])
    assert top["procedure_name"][0] == "Đăng ký khai sinh"
    assert volumes.top_procedures(con, province(), limit=2).height == 2


def test_by_field_and_by_unit_reuse_form06_with_names(con):
    fields = volumes.by_field(con, province())
    # Received 6 (Hộ tịch: V01, V02, V03, V06, V10, V14), 3 (Chứng thực), 2 (Đất đai): biggest first.
    assert fields.select("field_name", "received").rows() == [("Hộ tịch", 6), ("Chứng thực", 3), ("Đất đai", 2)]
    units = volumes.by_unit(con, province())
    assert units.select("unit_code", "unit_name", "received").rows() == [
        (A, "Phường Thanh Khê", 6), (B, "Phường Hải Châu", 3), (C, "Phường Sơn Trà", 2)]
    # Thanh Khê: carried over V11; resolved V01, V02, V04, V05, V11, V14 = 6; on 30/11 V03 is overdue.
    [a] = units.filter(unit_code=A).to_dicts()
    assert (a["carried_over"], a["resolved_total"], a["pending_within"], a["pending_overdue"]) == (1, 6, 0, 1)


def test_scope_sees_only_its_own_units(con):
    hai_chau = Filters(Scope.units({B}), *NOVEMBER)
    # Hải Châu alone: V06 online, V07 direct, V08 online.
    assert volumes.by_channel(con, hai_chau)["received"].to_list() == [1, 2, 0]
    assert set(volumes.matrix(con, hai_chau)["unit_code"]) == {B}
    assert set(volumes.matrix(con, hai_chau)["units_with_data"]) == {1}
    assert volumes.series(con, hai_chau, "week")["received"].sum() == 3
    assert volumes.series(con, hai_chau, "week")["resolved"].sum() == 1  # V06
    assert sorted(volumes.top_procedures(con, hai_chau)["received"].to_list()) == [1, 1, 1]
    assert volumes.by_unit(con, hai_chau)["unit_code"].to_list() == [B]
    # Selecting a unit outside the scope shows nothing, not that unit's dossiers.
    outside = Filters(Scope.units({B}), *NOVEMBER, unit_codes=frozenset({A}))
    assert volumes.by_channel(con, outside)["received"].to_list() == [0, 0, 0]
    assert volumes.matrix(con, outside).height == 0
    assert volumes.top_procedures(con, outside).height == 0
    assert volumes.series(con, outside, "month")["received"].sum() == 0


def test_field_selection_narrows_every_figure(con):
    land = province(field_codes=frozenset({"dat_dai"}))
    # Đất đai: V07 direct at Hải Châu, V09 postal at Sơn Trà.
    assert volumes.by_channel(con, land)["received"].to_list() == [1, 0, 1]
    assert set(volumes.matrix(con, land)["field_name"]) == {"Đất đai"}
    assert volumes.top_procedures(con, land)["procedure_code"].to_list() == [DD]


def test_totals_balance_like_form06(con):
    [total] = volumes.totals(con, province()).to_dicts()
    # 11 received in November + 1 carried over (V11) = 12 = 7 resolved + 4 in progress + 1 withdrawn (V10).
    assert (total["received"], total["carried_over"], total["received_total"]) == (11, 1, 12)
    assert (total["resolved_total"], total["pending_total"], total["withdrawn_stopped_refused"]) == (7, 4, 1)
    assert volumes.totals(con, Filters(Scope.province(), date(2020, 1, 1), date(2020, 1, 31))).height == 0


def test_page_download_holds_the_tables_as_numbers(con):
    """The page's .xlsx (issue 12, item 7): one sheet per table, counts and shares as numbers."""
    import fastexcel

    from reports.volumes import VolumesReport, volumes_xlsx_bytes

    f = province()
    data = volumes_xlsx_bytes(VolumesReport("Tháng 11/2026 · Toàn tỉnh · Tất cả lĩnh vực", volumes.by_field(con, f),
                                            volumes.by_unit(con, f), volumes.by_channel(con, f),
                                            volumes.series(con, f, "week"), volumes.top_procedures(con, f), "Tuần"))
    book = fastexcel.read_excel(data)
    assert book.sheet_names == ["Theo lĩnh vực", "Theo đơn vị", "Theo kênh", "Theo tuần", "Thủ tục"]
    fields = book.load_sheet("Theo lĩnh vực", header_row=2).to_polars()
    # The hand count above: received 6, 3, 2.
    assert fields.select("Lĩnh vực", "Tiếp nhận trong kỳ").rows() == [("Hộ tịch", 6.0), ("Chứng thực", 3.0),
                                                                      ("Đất đai", 2.0)]
    units = book.load_sheet("Theo đơn vị", header_row=2).to_polars()
    thanh_khe = units.filter(pl.col("Đơn vị") == "Phường Thanh Khê").row(0, named=True)
    assert (thanh_khe["Kỳ trước chuyển sang"], thanh_khe["Đã giải quyết"], thanh_khe["Quá hạn (đang giải quyết)"]) \
        == (1.0, 6.0, 1.0)
    procedures = book.load_sheet("Thủ tục", header_row=2).to_polars()
    assert procedures["Tỷ lệ"].to_list() == pytest.approx([6 / 11, 3 / 11, 2 / 11])
    title = book.load_sheet("Theo kênh", header_row=None, n_rows=2, dtypes="string").to_polars()
    assert title.row(0)[0] == "SỐ HỒ SƠ THEO KÊNH NỘP" and title.row(1)[0].startswith("Tháng 11/2026 · Toàn tỉnh")


@pytest.mark.parametrize("start, end", [NOVEMBER, (date(2026, 11, 9), date(2026, 11, 15)),
                                        (date(2026, 10, 1), date(2026, 12, 31)), (date(2025, 1, 1), date(2025, 1, 31))])
@pytest.mark.parametrize("scope, units", [(Scope.province(), ()), (Scope.units(frozenset({A, B})), ()),
                                          (Scope.province(), (C,))])
def test_the_pages_one_count_sums_to_each_grouping_counted_apart(con, start, end, scope, units):
    # The page counts Form 06 once per unit × field × channel and sums it four ways; each must equal
    # Form 06 counted by that grouping in SQL (queries.dossiers.GROUPS).
    filters = Filters(scope, start, end, frozenset(units))
    counted = volumes.cube(con, filters)

    def same(ours: pl.DataFrame, by: str, key: str) -> None:
        theirs = period_counts(con, filters, by=by).rename({"group_key": key})
        columns = [key, *(c for c in theirs.columns if c != key)]
        assert ours.select(columns).sort(key).equals(theirs.select(columns).sort(key)), by

    same(volumes.by_unit_of(counted, reference.units(con, scope)), "unit", "unit_code")
    same(volumes.by_field_of(counted, reference.fields(con, scope)), "field", "field_code")
    same(volumes.totals_of(counted).rename({"group_key": "total"}), "total", "total")
    apart = {int(r["group_key"]): (r["received_online"] + r["received_direct"], r["resolved_total"], r["pending_total"])
             for r in period_counts(con, filters, by="channel").iter_rows(named=True)}
    ours = {r["channel_code"]: (r["received"], r["resolved_total"], r["pending_total"])
            for r in volumes.by_channel_of(counted).iter_rows(named=True)}
    assert {k: v for k, v in ours.items() if any(v)} == {k: v for k, v in apart.items() if any(v)}
    if (start, end) == NOVEMBER and units == () and scope.unit_codes is None:  # the hand-worked month
        assert volumes.totals_of(counted).row(0, named=True)["received"] == 11
