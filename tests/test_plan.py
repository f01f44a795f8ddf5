"""The year's reform plan imported from a hand-made spreadsheet: good rows load, bad rows are rejected
naming the row and the column, a re-import replaces the year, and the progress figures.

Plan 2026, "today" 26/11/2026 (rows as Excel shows them):

| row | task                          | lead unit                 | deadline        | status          | done       |
|-----|-------------------------------|---------------------------|-----------------|-----------------|------------|
| 5   | I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH (area row)                                                                |
| 6   | Rà soát, đơn giản hóa TTHC    | Phường Hải Châu           | 30/06/2026 (date cell) | Hoàn thành | 20/06/2026 |
| 7   | Công khai TTHC                | UBND phường Hải Châu      | Quý III → 30/09 | Hoàn thành      | 15/10/2026 (late) |
| 8   | Số hóa hồ sơ                  | Phường Thanh Khê          | Tháng 10/2026 → 31/10 | Đang thực hiện | — overdue |
| 9   | II  HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH (area row: Roman STT)                                                      |
| 10  | Dịch vụ công toàn trình       | Phường Thanh Khê          | Thường xuyên → 31/12 | Đang thực hiện | —     |
| 11  | Nâng cấp phần mềm một cửa     | Văn phòng UBND thành phố (not in the directory) | 15/12/2026 | Chưa thực hiện | — |
| 12  | Đào tạo công chức             | Phường Hải Châu           | 31/13/2026 ✗    | Hoàn thành      | 01/12/2026 |
| 13  | Khảo sát hài lòng             | Phường Hải Châu           | 30/09/2026      | Xong rồi ✗      |            |
| 14  | Báo cáo quý                   | ✗ (blank)                 | 30/09/2026      | Hoàn thành      | 29/09/2026 |
| 15  | Tập huấn                      | Phường Thanh Khê          | 30/08/2026      | Hoàn thành      | ✗ (blank)  |

Loaded 5; done 2 of 5 = 40,0% (one late); overdue 1. Per area: thủ tục 2/3 done, 1 overdue; hiện đại
hóa 0/2. Hải Châu leads rows 6, 7: 2/2 = 100,0%.
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from core.installation import use
from etl.__main__ import main as cli
from etl.plan import deadline_of, import_plan
from queries.filters import Scope
from queries.plan import by_area, by_unit, overdue_tasks, plan_summary, plan_years
from tests.fixtures_exports import load_text_exports, write_sheets

HC, TK = "20242", "20209"
TODAY = date(2026, 11, 26)
HEADER = ["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tình trạng", "Ngày hoàn thành"]
ROWS = [
    ["UBND THÀNH PHỐ ĐÀ NẴNG"], ["KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2026"], [],
    HEADER,
    ["I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
    [1, "Rà soát, đơn giản hóa TTHC", "Phường Hải Châu", datetime(2026, 6, 30), "Hoàn thành", "20/06/2026"],
    [2, "Công khai TTHC", "UBND phường Hải Châu", "Quý III", "Hoàn thành", "15/10/2026"],
    [3, "Số hóa hồ sơ", "Phường Thanh Khê", "Tháng 10/2026", "Đang thực hiện", None],
    ["II", "HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH"],
    [1, "Dịch vụ công toàn trình", "Phường Thanh Khê", "Thường xuyên", "Đang thực hiện", None],
    [2, "Nâng cấp phần mềm một cửa", "Văn phòng UBND thành phố", "15/12/2026", "Chưa thực hiện", None],
    [3, "Đào tạo công chức", "Phường Hải Châu", "31/13/2026", "Hoàn thành", "01/12/2026"],
    [4, "Khảo sát hài lòng", "Phường Hải Châu", "30/09/2026", "Xong rồi", None],
    [5, "Báo cáo quý", None, "30/09/2026", "Hoàn thành", "29/09/2026"],
    [6, "Tập huấn", "Phường Thanh Khê", "30/08/2026", "Hoàn thành", None],
]
DOSSIERS = ("Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái\n"
            "P1,Phường Hải Châu,Hộ tịch,02/11/2026,05/11/2026,Đang xử lý\n")


@pytest.fixture
def db(tmp_path):
    db = load_text_exports(tmp_path, {"hoso.csv": DOSSIERS})
    use(db)
    write_sheets(tmp_path / "ke_hoach.xlsx", {"Kế hoạch": ROWS})
    return db


def test_good_rows_load_and_bad_rows_are_rejected_by_row_and_column(db, tmp_path):
    report = import_plan(tmp_path / "ke_hoach.xlsx", db, 2026)
    assert report.rows_loaded == 5
    assert [(r.row, r.column) for r in report.rejects] == [
        (12, "Thời hạn"), (13, "Tình trạng"), (14, "Đơn vị chủ trì"), (15, "Ngày hoàn thành")]
    messages = [r.message for r in report.rejects]
    assert messages[0].startswith("Dòng 12, cột «Thời hạn»: «31/13/2026» không phải thời hạn")
    assert messages[1].startswith("Dòng 13, cột «Tình trạng»: «Xong rồi» không phải tình trạng đã biết")
    with duckdb.connect(str(db), read_only=True) as con:
        tasks = con.execute("SELECT source_row, area, unit_code, deadline, status, done_date FROM plan_tasks "
                            "ORDER BY source_row").fetchall()
        assert tasks == [
            (6, "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", HC, date(2026, 6, 30), "done", date(2026, 6, 20)),
            (7, "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", HC, date(2026, 9, 30), "done", date(2026, 10, 15)),
            (8, "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", TK, date(2026, 10, 31), "in_progress", None),
            (10, "HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH", TK, date(2026, 12, 31), "in_progress", None),
            (11, "HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH", None, date(2026, 12, 15), "not_started", None),
        ]
        assert con.execute("SELECT count(*) FROM rejects WHERE reason_code = 'bad_plan_row'").fetchall() == [(4,)]


def test_progress_figures(db, tmp_path):
    import_plan(tmp_path / "ke_hoach.xlsx", db, 2026)
    with duckdb.connect(str(db), read_only=True) as con:
        s = plan_summary(con, Scope.province(), 2026, TODAY)
        assert (s.total, s.done, s.done_late, s.overdue, s.rate) == (5, 2, 1, 1, 0.4)
        areas = by_area(con, Scope.province(), 2026, TODAY)
        assert [(r["area"], r["total"], r["done"], r["overdue"]) for r in areas.iter_rows(named=True)] == [
            ("CẢI CÁCH THỦ TỤC HÀNH CHÍNH", 3, 2, 1), ("HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH", 2, 0, 0)]
        units = {r["unit_name"]: (r["total"], r["done"], r["overdue"])
                 for r in by_unit(con, Scope.province(), 2026, TODAY).iter_rows(named=True)}
        assert units == {"Phường Hải Châu": (2, 2, 0), "Phường Thanh Khê": (2, 0, 1),
                         "Văn phòng UBND thành phố": (1, 0, 0)}
        late = overdue_tasks(con, Scope.province(), 2026, TODAY)
        assert late.select("task", "days_overdue").rows() == [("Số hóa hồ sơ", 26)]
        mine = plan_summary(con, Scope.units({HC}), 2026, TODAY)
        assert (mine.total, mine.done, mine.rate) == (2, 2, 1.0)
        assert plan_summary(con, Scope.province(), 2025, TODAY) is None


def test_reimport_replaces_the_year(db, tmp_path):
    import_plan(tmp_path / "ke_hoach.xlsx", db, 2026)
    write_sheets(tmp_path / "ke_hoach_2025.xlsx", {"KH": [HEADER + ["Lĩnh vực"],
                                                          [1, "Tuyên truyền", "Phường Hải Châu", "Quý IV",
                                                           "Hoàn thành", "01/12/2025", "Chỉ đạo điều hành"]]})
    import_plan(tmp_path / "ke_hoach_2025.xlsx", db, 2025)
    write_sheets(tmp_path / "moi.xlsx", {"KH": [HEADER, ["I", "CẢI CÁCH THỂ CHẾ"],
                                                [1, "Rà soát văn bản", "Phường Thanh Khê", "30/06/2026",
                                                 "Chưa thực hiện", None]]})
    report = import_plan(tmp_path / "moi.xlsx", db, 2026)
    assert (report.rows_loaded, report.rows_replaced) == (1, 5)
    with duckdb.connect(str(db), read_only=True) as con:
        assert plan_years(con, Scope.province()) == [2026, 2025]
        assert plan_summary(con, Scope.province(), 2026, TODAY).total == 1
        assert plan_summary(con, Scope.province(), 2025, TODAY).done == 1  # another year is untouched


@pytest.mark.parametrize("text, deadline", [("Quý II", date(2026, 6, 30)), ("quý IV/2027", date(2027, 12, 31)),
                                            ("Tháng 2", date(2026, 2, 28)), ("Tháng 12/2026", date(2026, 12, 31)),
                                            ("Thường xuyên", date(2026, 12, 31)), ("05/03/2026", date(2026, 3, 5)),
                                            ("sớm", None), ("Tháng 13", None)])
def test_deadline_words(text, deadline):
    assert deadline_of(text, 2026) == deadline


def test_cli_prints_each_rejected_row(db, tmp_path, capsys):
    assert cli(["plan", str(tmp_path / "ke_hoach.xlsx"), "--year", "2026", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "kế hoạch CCHC năm 2026: 5 nhiệm vụ đã nạp, 4 dòng bị loại." in out
    assert "LOẠI Dòng 14, cột «Đơn vị chủ trì»: trống. Ghi đơn vị chủ trì." in out


def test_a_file_without_the_columns_says_which(db, tmp_path, capsys):
    write_sheets(tmp_path / "sai.xlsx", {"KH": [["STT", "Nhiệm vụ", "Ghi chú"], [1, "X", ""]]})
    assert cli(["plan", str(tmp_path / "sai.xlsx"), "--year", "2026", "--db", str(db)]) == 2
    assert "thiếu cột «Đơn vị chủ trì», «Thời hạn», «Tình trạng»" in capsys.readouterr().err
