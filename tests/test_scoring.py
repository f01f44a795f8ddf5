"""Emulation-contest scoring: a hand-worked ranking of five units, scheme validation, the small-unit
rules, the default scheme's timeliness against Biểu số 06, the appraisal import and the export."""
import dataclasses
import subprocess
import sys
from datetime import date
from pathlib import Path

import fastexcel
import polars as pl
import pytest
import xlsxwriter

from core.store import version
from etl.__main__ import main as cli
from etl.appraisal import import_appraisal
from queries.connection import open_database
from queries.emulation import appraisal_scores, unit_metrics
from queries.filters import Filters, Scope
from queries.form06 import form06
from queries.periods import Period
from reports.ranking import appraisal_template_xlsx, ranking_xlsx_bytes
from scoring.rank import competition_ranks, period_key, ranking, round2, score_units
from scoring.scheme import SchemeError, available_schemes, load_scheme, parse_scheme
from tests.app_support import ROOT
from tests.fixtures_exports import load_text_exports

# --- a small scheme and five units, worked by hand ------------------------------------------------

SMALL_SCHEME = """
[scheme]
code = "nho"
name = "Bộ tiêu chí nhỏ"
total = 40

[settings]
missing = "exclude_rescale"
min_dossiers = 10
small_unit = "shrink"
shrink_m = 10

[[areas]]
code = "tien_do"
name = "Tiến độ"
points = 20

[[areas.criteria]]
code = "tien_do"
name = "Tiến độ"
points = 20
source = "data"
metric = "tien_do"
full_at = 100

[[areas]]
code = "truc_tuyen"
name = "Trực tuyến"
points = 10

[[areas.criteria]]
code = "truc_tuyen"
name = "Hồ sơ trực tuyến"
points = 10
source = "data"
metric = "truc_tuyen"
full_at = 50

[[areas]]
code = "tham_dinh"
name = "Thẩm định"
points = 10

[[areas.criteria]]
code = "chi_dao"
name = "Chỉ đạo, điều hành"
points = 10
source = "appraised"

[[bands]]
name = "Tốt"
min = 30
max = 40

[[bands]]
name = "Khá"
min = 20
max = 30

[[bands]]
name = "Yếu"
min = 0
max = 20
"""

# unit: (on-time handled, handled, online received, received in period), appraised chi_dao
UNITS = {
    "U1": ((18, 20), (10, 20), 8),
    "U2": ((36, 40), (5, 20), 9),
    "U3": ((19, 20), (4, 20), 9),
    "U4": ((16, 20), (6, 20), None),  # no appraisal: the missing criterion
    "U5": ((3, 5), (0, 5), 5),  # a small unit: 5 dossiers < min_dossiers 10 in both data criteria
}
# Group rates (all five units pooled), used to shrink U5:
#   timeliness p̄ = (18+36+19+16+3)/(20+40+20+20+5) = 92/105;  online p̄ = (10+5+4+6+0)/(5·20−20+5) = 25/85.
# U1: tiến độ 20·18/20 = 18; trực tuyến 10·min(1, 50%/50%) = 10; thẩm định 8        → 36     Tốt,  hạng 1
# U2: tiến độ 20·36/40 = 18; trực tuyến 10·(25%/50%) = 5;         thẩm định 9        → 32     Tốt,  hạng 2
# U3: tiến độ 20·19/20 = 19; trực tuyến 10·(20%/50%) = 4;         thẩm định 9        → 32     Tốt,  hạng 2 (bằng U2)
# U4: tiến độ 20·16/20 = 16; trực tuyến 10·(30%/50%) = 6;         thẩm định: không có dữ liệu,
#     exclude_rescale: 22 điểm trên 30 điểm có dữ liệu → 22·40/30 = 29,333… → 29,33   Khá,  hạng 4
# U5: tiến độ shrunk (3 + 10·92/105)/(5 + 10) = 11,7619…/15 = 0,784127 → 20·0,784127 = 15,68
#     trực tuyến shrunk (0 + 10·25/85)/(5 + 10) = 0,196078 → 10·19,6078/50 = 3,92; thẩm định 5
#     → 15,68 + 3,92 + 5 = 24,60                                                      Khá,  hạng 5
EXPECTED = {
    "U1": (36.00, "Tốt", 1), "U2": (32.00, "Tốt", 2), "U3": (32.00, "Tốt", 2),
    "U4": (29.33, "Khá", 4), "U5": (24.60, "Khá", 5),
}


def metrics_frame() -> pl.DataFrame:
    rows = [{"unit_code": code, "unit_name": f"Xã {code}", "unit_type": "xa", "handled_on_time": t[0],
             "handled": t[1], "received_online": o[0], "received_in_period": o[1]}
            for code, (t, o, _) in UNITS.items()]
    return pl.DataFrame(rows)


def appraisals_frame() -> pl.DataFrame:
    rows = [{"unit_code": code, "criterion_code": "chi_dao", "score": float(a)}
            for code, (_, _, a) in UNITS.items() if a is not None]
    return pl.DataFrame(rows)


def result(scheme_text: str = SMALL_SCHEME) -> dict:
    scores = score_units(parse_scheme(scheme_text), metrics_frame(), appraisals_frame())
    return {r["unit_code"]: (r["total"], r["grade"], r["rank"]) for r in scores.units.iter_rows(named=True)}


def test_hand_worked_ranking_of_five_units():
    assert result() == EXPECTED


def test_points_of_each_criterion_and_the_rescaled_unit():
    scores = score_units(parse_scheme(SMALL_SCHEME), metrics_frame(), appraisals_frame())
    points = {(r["unit_code"], r["criterion_code"]): (r["points"], r["status"])
              for r in scores.criteria.iter_rows(named=True)}
    assert points[("U2", "truc_tuyen")] == (5.0, "ok")
    assert points[("U4", "chi_dao")] == (None, "not_appraised")
    assert points[("U5", "tien_do")] == (15.68, "shrunk")
    assert points[("U5", "truc_tuyen")] == (3.92, "shrunk")
    u4 = scores.units.filter(pl.col("unit_code") == "U4").to_dicts()[0]
    assert (u4["raw_points"], u4["available_max"], u4["rescaled"]) == (22.0, 30.0, True)
    assert u4["no_data"] == ["chi_dao"] and scores.units.filter(pl.col("unit_code") == "U5")["small"][0].to_list() \
        == ["tien_do", "truc_tuyen"]
    sentence = scores.criteria.filter((pl.col("unit_code") == "U1") & (pl.col("criterion_code") == "tien_do"))
    assert sentence["sentence"][0] == ("Tiến độ: 18/20 — 18 hồ sơ đúng hạn (trước hạn, đúng hạn, đang trong hạn) "
                                       "trên 20 hồ sơ đã và đang giải quyết (90,0%)")
    missing = scores.criteria.filter((pl.col("unit_code") == "U4") & (pl.col("criterion_code") == "chi_dao"))
    assert missing["sentence"][0].startswith("Chỉ đạo, điều hành: không có dữ liệu (chưa nhập điểm thẩm định)")


@pytest.mark.parametrize("rule, u4, ranks", [
    # zero: U4 = 16 + 6 + 0 = 22 → Khá; ranks U1 36, U2 32, U3 32, U5 24,60, U4 22 → 1, 2, 2, 5, 4
    ("zero", (22.00, "Khá", 5), {"U1": 1, "U2": 2, "U3": 2, "U5": 4}),
    # full: U4 = 16 + 6 + 10 = 32 → ties U2 and U3: 1, 2, 2, 2, 5
    ("full", (32.00, "Tốt", 2), {"U1": 1, "U2": 2, "U3": 2, "U5": 5}),
])
def test_missing_criterion_rule_is_a_setting(rule, u4, ranks):
    got = result(SMALL_SCHEME.replace('missing = "exclude_rescale"', f'missing = "{rule}"'))
    assert got["U4"] == u4
    assert {code: r for code, (_, _, r) in got.items() if code != "U4"} == ranks


def test_units_below_the_rank_minimum_are_scored_but_not_ranked():
    # rank_min_dossiers = 20: U5 handled 5 dossiers → keeps its 24,60 and grade, no rank; U1–U4
    # handled 20, 40, 20, 20 → ranked as before (U5 was last, so nobody else moves).
    got = result(SMALL_SCHEME.replace("shrink_m = 10", "shrink_m = 10\nrank_min_dossiers = 20"))
    assert got == {**EXPECTED, "U5": (24.60, "Khá", None)}
    # = 21: U1, U3 and U4 (20 each) drop out too; U2 alone is ranked 1.
    got = result(SMALL_SCHEME.replace("shrink_m = 10", "shrink_m = 10\nrank_min_dossiers = 21"))
    assert {code: r for code, (_, _, r) in got.items()} == {"U1": None, "U2": 1, "U3": None, "U4": None, "U5": None}


def test_small_units_excluded_instead_of_shrunk():
    # exclude: U5 keeps only its appraisal, 5 of 10 points with data → 5·40/10 = 20,00, the lowest
    # boundary of Khá (min inclusive).
    got = result(SMALL_SCHEME.replace('small_unit = "shrink"', 'small_unit = "exclude"'))
    assert got["U5"] == (20.00, "Khá", 5)
    assert got["U1"] == EXPECTED["U1"]


def test_shrink_strength_is_configurable():
    # m = 5: timeliness (3 + 5·92/105)/(5 + 5) = 7,38095…/10 → 20·0,738095 = 14,76;
    # online (0 + 5·25/85)/10 = 0,147059 → 10·14,7059/50 = 2,94; total 14,76 + 2,94 + 5 = 22,70.
    got = result(SMALL_SCHEME.replace("shrink_m = 10", "shrink_m = 5"))
    assert got["U5"] == (22.70, "Khá", 5)


def test_minimum_dossiers_can_be_set_per_criterion():
    # tiến độ needs only 3 dossiers: U5's 5 are enough, scored on its own rate 20·3/5 = 12,00;
    # trực tuyến keeps the scheme's minimum 10 and stays shrunk (3,92): 12 + 3,92 + 5 = 20,92.
    text = SMALL_SCHEME.replace('metric = "tien_do"\n', 'metric = "tien_do"\nmin_dossiers = 3\n')
    assert result(text)["U5"] == (20.92, "Khá", 5)
    assert "Riêng tiêu chí «Tiến độ»: đơn vị nhỏ là đơn vị có dưới 3 hồ sơ." in parse_scheme(text).settings_text()


def test_a_unit_with_no_data_at_all_is_not_ranked():
    frame = pl.concat([metrics_frame(), pl.DataFrame([{"unit_code": "U6", "unit_name": "Xã U6", "unit_type": "xa",
                                                       "handled_on_time": 0, "handled": 0, "received_online": 0,
                                                       "received_in_period": 0}])])
    scheme = parse_scheme(SMALL_SCHEME.replace('missing = "exclude_rescale"', 'missing = "full"'))
    units = score_units(scheme, frame, appraisals_frame()).units
    u6 = units.filter(pl.col("unit_code") == "U6").to_dicts()[0]
    assert u6["total"] is None and u6["rank"] is None  # full marks by rule alone never rank a unit


def test_ties_are_ranked_on_totals_rounded_to_two_decimals():
    assert competition_ranks([90.0, 85.5, 85.5, 80.0, None]) == [1, 2, 2, 4, None]
    assert round2(80.004) == round2(80.001) == 80.0  # so 80,004 and 80,001 share a rank
    assert round2(2.675) == 2.68  # half up, not Python's round(2.675, 2) == 2.67


# --- scheme validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("old, new, expected", [
    ('points = 20\nsource = "data"\nmetric = "tien_do"', 'points = 18\nsource = "data"\nmetric = "tien_do"',
     "Lĩnh vực «Tiến độ»: tổng điểm các tiêu chí là 18 nhưng lĩnh vực khai báo 20 điểm."),
    ("total = 40", "total = 50", "Tổng điểm các lĩnh vực là 40 nhưng bộ tiêu chí khai báo tổng 50 điểm."),
    ('metric = "truc_tuyen"', 'metric = "ty_le_vui_ve"', "Tiêu chí «Hồ sơ trực tuyến» (lĩnh vực «Trực tuyến»): "
                                                         "chỉ số «ty_le_vui_ve» không có."),
    ("min = 20\nmax = 30", "min = 20\nmax = 32", "Xếp loại «Khá» (20–32) chồng lên «Tốt» (30–40)."),
    ("min = 20\nmax = 30", "min = 20\nmax = 28", "Có khoảng trống giữa «Khá» (đến 28) và «Tốt» (từ 30)"),
    ("full_at = 50", "full_at = 150", "Tiêu chí «Hồ sơ trực tuyến» (lĩnh vực «Trực tuyến»): giá trị đạt điểm tối "
                                      "đa «full_at» = 150 nằm ngoài khoảng 0–100"),
    ("full_at = 50", "full_at = 0", "Tiêu chí «Hồ sơ trực tuyến» (lĩnh vực «Trực tuyến»): «full_at» và «floor» bằng nhau"),
    ("min = 30\nmax = 40", "min = 30\nmax = 45", "Xếp loại «Tốt» kết thúc ở 45 nhưng tổng điểm là 40"),
    ('missing = "exclude_rescale"', 'missing = "bo_qua"', "Mục [settings]: «missing» phải là một trong"),
    ('small_unit = "shrink"', 'small_unit = "lam_tron"', "Mục [settings]: «small_unit» phải là một trong"),
    ('source = "appraised"', 'source = "cam_tinh"', "Tiêu chí «Chỉ đạo, điều hành» (lĩnh vực «Thẩm định»): "
                                                    "nguồn «source» phải là"),
    ("[scheme]", "[scheme", "Tệp TOML sai cú pháp"),
])
def test_invalid_schemes_are_refused_by_name(old, new, expected):
    assert old in SMALL_SCHEME
    with pytest.raises(SchemeError) as caught:
        parse_scheme(SMALL_SCHEME.replace(old, new, 1), "nho")
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_shipped_schemes_are_valid_and_add_up():
    assert available_schemes()[0] == "chi_so_766"
    default = load_scheme("chi_so_766")
    assert default.total == 100 and [a.max_points for a in default.areas] == [18, 20, 12, 10, 18, 22]
    assert {c.metric for c in default.criteria} == {"dong_bo", "tien_do", "truc_tuyen", "thanh_toan_truc_tuyen",
                                                    "hai_long", "so_hoa", "ket_qua_dien_tu"}
    example = load_scheme("chi_so_cchc_xa_vi_du")
    assert example.total == 100 and sum(c.max_points for c in example.appraised) == 66
    assert default.grade(100) == "Xuất sắc" and default.grade(89.99) == "Tốt" and default.grade(50) == "Trung bình"


def test_scoring_and_formatting_never_import_streamlit():
    code = "import sys, scoring.rank, reports.ranking, core.format; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- the default scheme's timeliness equals Biểu số 06 ----------------------------------------------

# Quý 3/2026 (01/07 – 30/09/2026), Phường Hải Châu (20242). Rows are generated by kind from the
# counts below, each kind with its own dates:
#   early      14: received 01/07, due 20/07, finished 10/07          → resolved early
#   on time     9: received 02/07, due 21/07, finished 21/07          → resolved on time
#   late        3: received 03/07, due 10/07, finished 15/07          → resolved late
#   carried     2: received 20/06, due 30/06, finished 02/07          → carried over, resolved late
#   within      4: received 20/09, due 15/10, open                    → in progress within deadline
#   overdue     3: received 01/09, due 20/09, open                    → in progress overdue
#   withdrawn   1: received 05/08, withdrawn                          → not handled
# handled = resolved (14 + 9 + 3 + 2 = 28) + in progress (4 + 3 = 7) = 35 (≥ 30: not a small unit)
# timeliness = 20 × (early 14 + on time 9 + within 4) / 35 = 20 × 27/35 = 15,428… → 15,43
# Phường Thanh Khê (20209) has 2 online dossiers, to show the score is per unit.
KINDS = (
    ("E", 14, "01/07/2026", "20/07/2026", "10/07/2026", "Đã trả kết quả"),
    ("O", 9, "02/07/2026", "21/07/2026", "21/07/2026", "Đã trả kết quả"),
    ("L", 3, "03/07/2026", "10/07/2026", "15/07/2026", "Đã trả kết quả"),
    ("C", 2, "20/06/2026", "30/06/2026", "02/07/2026", "Đã trả kết quả"),
    ("W", 4, "20/09/2026", "15/10/2026", "", "Đang xử lý"),
    ("V", 3, "01/09/2026", "20/09/2026", "", "Đang xử lý"),
    ("R", 1, "05/08/2026", "10/08/2026", "", "Công dân yêu cầu rút hồ sơ"),
)
Q3 = Period("quarter", date(2026, 7, 1), date(2026, 9, 30))
HAI_CHAU, THANH_KHE = "20242", "20209"


def timeliness_export() -> str:
    lines = ["Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp"]
    for kind, n, received, due, finished, status in KINDS:
        for i in range(n):
            lines.append(f"HC-{kind}{i:02d},Hộ tịch,Phường Hải Châu,{received},{due},{finished},{status},Trực tiếp")
    lines.append("TK-1,Hộ tịch,Phường Thanh Khê,01/08/2026,05/08/2026,04/08/2026,Đã trả kết quả,Trực tuyến")
    lines.append("TK-2,Hộ tịch,Phường Thanh Khê,02/08/2026,05/08/2026,06/08/2026,Đã trả kết quả,Trực tuyến")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return load_text_exports(tmp_path_factory.mktemp("scoring"), {"q3.csv": timeliness_export()})


@pytest.fixture(scope="module")
def con(db):
    connection = open_database(db)
    yield connection
    connection.close()


def test_default_timeliness_equals_form06_counts(con):
    report = form06(con, Filters(Scope.province(), Q3.start, Q3.end, unit_codes=frozenset({HAI_CHAU})))
    t = report.total
    assert (t["resolved_early"], t["resolved_on_time"], t["resolved_late"], t["pending_within"],
            t["pending_overdue"]) == (14, 9, 5, 4, 3)
    rank = ranking(con, Scope.province(), load_scheme("chi_so_766"), Q3, "phuong")
    row = rank.criteria.filter((pl.col("unit_code") == HAI_CHAU) & (pl.col("criterion_code") == "tien_do")).to_dicts()[0]
    from_form06 = 20 * (t["resolved_early"] + t["resolved_on_time"] + t["pending_within"]) \
        / (t["resolved_total"] + t["pending_total"])
    assert row["points"] == round2(from_form06) == 15.43
    assert row["status"] == "ok"
    assert row["sentence"] == ("Tiến độ: 15,43/20 — 27 hồ sơ đúng hạn (trước hạn, đúng hạn, đang trong hạn) trên "
                               "35 hồ sơ đã và đang giải quyết (77,1%)")


def test_metrics_cover_every_unit_of_the_group_and_respect_scope(con):
    filters = Filters(Scope.units([THANH_KHE]), Q3.start, Q3.end)
    metrics = unit_metrics(con, filters, ("phuong",))
    assert metrics["unit_code"].to_list() == [THANH_KHE]  # the other wards are outside this scope
    row = metrics.to_dicts()[0]
    # TK-1 early, TK-2 late, both online, received in the quarter
    assert (row["handled_on_time"], row["handled"], row["received_online"], row["received_in_period"]) == (1, 2, 2, 2)
    everyone = unit_metrics(con, Filters(Scope.province(), Q3.start, Q3.end), ("phuong",))
    assert everyone.height > 2 and everyone.filter(pl.col("handled") == 0).height == everyone.height - 2


def test_ranking_export_lists_every_unit_with_its_rank_and_total(con):
    # The hand-made export has 2 dossiers per ward; the default minimum to be ranked (30) is lifted.
    scheme = dataclasses.replace(load_scheme("chi_so_766"), rank_min_dossiers=0)
    rank = ranking(con, Scope.province(), scheme, Q3, "phuong")
    data = ranking_xlsx_bytes(rank, "UBND THÀNH PHỐ ĐÀ NẴNG")
    sheet = fastexcel.read_excel(data).load_sheet("Xếp hạng", header_row=None, dtypes="string").to_polars()
    cells = [[v for v in row if v is not None] for row in sheet.iter_rows()]
    flat = [v for row in cells for v in row]
    assert "KẾT QUẢ XẾP HẠNG THI ĐUA CẢI CÁCH HÀNH CHÍNH – PHƯỜNG" in flat
    assert "Kỳ đánh giá: Quý 3/2026 (từ ngày 01/07/2026 đến ngày 30/09/2026)" in flat
    # Only Hải Châu and Thanh Khê have dossiers: they are ranked 1 and 2, every other ward is listed unranked.
    ranked = {r["unit_name"]: (r["rank"], r["total"]) for r in rank.units.iter_rows(named=True) if r["rank"]}
    assert set(ranked) == {"Phường Hải Châu", "Phường Thanh Khê"}
    for name, (position, total) in ranked.items():
        row = next(row for row in cells if name in row)
        assert row[0] == str(position) and float(row[row.index(name) + 7]) == total
    assert len([row for row in cells if row and "Không xếp hạng: không có tiêu chí nào có dữ liệu" in row[-1]]) \
        == rank.units.height - 2
    assert "THỦ TRƯỞNG CƠ QUAN" in flat


# --- appraisal import --------------------------------------------------------------------------------

EXAMPLE = "chi_so_cchc_xa_vi_du"


def appraisal_sheet(path: Path) -> Path:
    """A spreadsheet as appraisers fill it (written by hand, not by the template code)."""
    rows = [
        ["BẢNG ĐIỂM THẨM ĐỊNH"],
        [],
        ["Mã đơn vị", "Tên đơn vị", "Kỳ", "Kế hoạch CCHC năm và mức độ hoàn thành [ke_hoach_cchc] (tối đa 4)",
         "Kiểm tra, tự kiểm tra CCHC [kiem_tra_cchc] (tối đa 3)", "Tuyên truyền CCHC"],
        ["20242", "Phường Hải Châu", "2026", 3.5, 2, "3,0"],          # row 4: three good scores
        ["20209", "Phường Thanh Khê", "2026", 5, -1, "ba"],           # row 5: above 4, negative, not a number
        ["99999", "Xã Không Có", "2026", 2, 2, 2],                    # row 6: not in the directory
        ["20242", "Phường Hải Châu", "2025", 1, 1, 1],                # row 7: another period
    ]
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Điểm")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.close()
    return path


def test_appraisal_import_rejects_by_name_and_reload_changes_nothing(db, tmp_path):
    scheme = load_scheme(EXAMPLE)
    sheet = appraisal_sheet(tmp_path / "diem.xlsx")
    report = import_appraisal(sheet, db, scheme, "2026")
    assert (report.scores_new, report.scores_updated, report.rows_read) == (3, 0, 4)
    messages = [r.message for r in report.rejects]
    assert messages == [
        "Dòng 5 (Phường Thanh Khê), tiêu chí «Kế hoạch CCHC năm và mức độ hoàn thành»: giá trị «5» vượt điểm tối "
        "đa 4 của tiêu chí.",
        "Dòng 5 (Phường Thanh Khê), tiêu chí «Kiểm tra, tự kiểm tra CCHC»: giá trị «-1» là số âm. Điểm thẩm định "
        "từ 0 trở lên.",
        "Dòng 5 (Phường Thanh Khê), tiêu chí «Tuyên truyền CCHC»: giá trị «ba» không phải là số. Nhập điểm bằng số "
        "(ví dụ 3,5).",
        "Dòng 6: đơn vị «99999» không có trong danh mục đơn vị. Sửa mã đơn vị theo mẫu (cột «Mã đơn vị») rồi "
        "nhập lại.",
        "Dòng 7 (Phường Hải Châu): kỳ «2025» khác kỳ đang nhập «2026». Mỗi tệp chỉ nhập điểm của một kỳ.",
    ]
    con = open_database(db)
    stored = appraisal_scores(con, Scope.province(), EXAMPLE, "2026")
    assert sorted(stored.iter_rows()) == [(HAI_CHAU, "ke_hoach_cchc", 3.5), (HAI_CHAU, "kiem_tra_cchc", 2.0),
                                          (HAI_CHAU, "tuyen_truyen_cchc", 3.0)]
    assert con.execute("SELECT count(*) FROM rejects WHERE load_id = $l", {"l": report.load_id}).fetchall()[0][0] == 5
    assert appraisal_scores(con, Scope.units([THANH_KHE]), EXAMPLE, "2026").height == 0  # scope applies
    con.close()
    before = version(db)
    again = import_appraisal(sheet, db, scheme, "2026")
    assert again.status == "unchanged" and again.scores_unchanged == 3
    assert version(db) == before  # not even republished


def test_appraisal_cli_and_template_round_trip(db, tmp_path, capsys):
    scheme = load_scheme(EXAMPLE)
    units = pl.DataFrame({"unit_code": [HAI_CHAU, THANH_KHE], "unit_name": ["Phường Hải Châu", "Phường Thanh Khê"]})
    template = appraisal_template_xlsx(scheme, "2026-Q3", "Quý 3/2026", units)
    grid = fastexcel.read_excel(template).load_sheet(0, header_row=None, dtypes="string").to_polars()
    header = [v for v in grid.row(3) if v]
    assert header[:3] == ["Mã đơn vị", "Tên đơn vị", "Kỳ"] and len(header) == 3 + len(scheme.appraised)
    assert grid.row(4)[:3] == (HAI_CHAU, "Phường Hải Châu", "2026-Q3")
    # an empty template changes nothing but is logged; the period comes from the «Kỳ» column
    path = tmp_path / "mau.xlsx"
    path.write_bytes(template)
    assert cli(["appraisal", str(path), "--scheme", EXAMPLE, "--db", str(db)]) == 0
    assert "0 điểm mới" in capsys.readouterr().out
    assert cli(["appraisal", str(path), "--scheme", "khong_co", "--db", str(db)]) == 2
    assert "Không tìm thấy tệp khong_co.toml" in capsys.readouterr().err


def test_appraised_scores_enter_the_ranking(db, tmp_path):
    scheme = load_scheme(EXAMPLE)
    sheet = appraisal_sheet(tmp_path / "diem.xlsx")
    import_appraisal(sheet, db, scheme, "2026")
    con = open_database(db)
    year = Period("year", date(2026, 1, 1), date(2026, 12, 31))
    assert period_key(year) == "2026"
    rank = ranking(con, Scope.province(), scheme, year, "phuong")
    mine = rank.components(HAI_CHAU)
    got = dict(zip(mine["criterion_code"].to_list(), mine["points"].to_list()))
    assert (got["ke_hoach_cchc"], got["kiem_tra_cchc"], got["tuyen_truyen_cchc"]) == (3.5, 2.0, 3.0)
    assert got["to_chuc_bo_may"] is None  # not appraised: excluded and rescaled
    assert rank.appraisals_loaded == 3
    con.close()


def test_ranking_export_never_writes_a_formula():
    # The office edits scheme names: a criterion named like a formula stays text in every sheet.
    import re
    import zipfile
    from io import BytesIO

    from scoring.rank import Ranking, _stats, _summary

    hostile = '=HYPERLINK("http://x","y")'
    scheme = parse_scheme(SMALL_SCHEME.replace('name = "Chỉ đạo, điều hành"', f"name = '{hostile}'")
                          .replace('name = "Tiến độ"\npoints = 20\nsource', 'name = "+1"\npoints = 20\nsource'))
    scores = score_units(scheme, metrics_frame(), appraisals_frame())
    units = scores.units.with_columns(prev_rank=pl.lit(None, pl.Int64), rank_change=pl.lit(None, pl.Int64),
                                      change_text=pl.lit("mới"))
    ranked = units.filter(pl.col("rank").is_not_null())
    rank = Ranking(scheme, Q3, "xa", units, scores.criteria, _stats(scores.criteria), Q3.previous(), "dossiers", 4,
                   _summary(ranked["total"].to_list(), units.height, scheme, True), {})
    data = ranking_xlsx_bytes(rank, "@UBND")
    with zipfile.ZipFile(BytesIO(data)) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(r"<f>", xml) for xml in sheets)
    text = [v for row in fastexcel.read_excel(data).load_sheet("Cách tính", header_row=None, dtypes="string")
            .to_polars().iter_rows() for v in row if v]
    assert "'" + hostile in text and "'+1" in text


def test_history_marks_a_period_that_began_before_the_data(con):
    # The export's first dossier was received 20/06/2026 (the two "C" rows): Quý 2/2026 holds only
    # its last 11 days and says so; Quý 3/2026 is whole. Quarters before II have no dossier: left out.
    from scoring.rank import history

    past = history(con, Scope.province(), load_scheme("chi_so_766"), Q3, "phuong")
    assert past["period_label"].unique(maintain_order=True).to_list() == [
        "Quý 2/2026 (từ 20/06/2026)", "Quý 3/2026"]
