"""An installation for another province, made by `python -m etl init` in a temporary folder: the
province found however it is written, templates a clerk fills, hand-made Nghệ An exports (HTML .xls,
two-row-header .xlsx, Windows-1258 CSV) mixing provincial departments and communes loaded with the
hand-worked counts, and the guard against switching a database to another province.

Hand-worked case, October 2026 (calendar month 01–31/10; no public holiday in it):

| code | unit as written                        | received   | due        | finished   | status            |
|------|----------------------------------------|------------|------------|------------|-------------------|
| NA1  | UBND xã Anh Sơn                        | 01/10      | 05/10      | 05/10      | returned: on time |
| NA2  | Xa Anh Son (no diacritics)             | 02/10      | 08/10      | 06/10      | returned: early   |
| NA3  | Sở Tư pháp tỉnh Nghệ An                | 05/10      | Fri 09/10  | Wed 14/10  | late: 3 wd        |
| NA4  | STP                                    | 12/10      | 16/10      | —          | processing: overdue at 31/10 |
| NA5  | Phường Trường Vinh                     | 20/10      | 30/11      | —          | processing: within deadline  |
| NA6  | Chi nhánh Văn phòng đăng ký đất đai    | 15/09      | 20/10      | 19/10      | early, carried over          |
| NA7  | Công an tỉnh Nghệ An                   | 26/10      | —          | —          | withdrawn                    |
| NA8  | P. Thành Vinh (online)                 | 28/10      | 03/11      | 30/10      | early                        |

Biểu số 06: received 7 in the period (online 1, in person 6) + 1 carried over = 8; resolved 5 =
early 3 + on time 1 + late 1; in progress 2 = within 1 + overdue 1; withdrawn 1; 8 = 5 + 2 + 1.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from etl.__main__ import main as etl_main
from tests.fixtures_exports import (
    dossier,
    write_dossier_csv,
    write_dossier_html_xls,
    write_dossier_xlsx,
)

TITLES = ("UBND TỈNH NGHỆ AN", "DANH SÁCH HỒ SƠ", "(Từ ngày 01/10/2026 đến ngày 31/10/2026)")
KEYS = ("code", "procedure", "field", "unit", "received", "due", "finished", "status", "channel")


def d(day: int, month: int = 10, hour: int = 8) -> datetime:
    return datetime(2026, month, day, hour, 0)


def rows_html():
    return [
        dossier("NA1", "UBND xã Anh Sơn", d(1), d(5, hour=17), d(5, hour=10), "Đã trả kết quả",
                procedure="Đăng ký khai sinh", field="Hộ tịch", channel="Trực tiếp"),
        dossier("NA2", "Xa Anh Son", d(2), d(8, hour=17), d(6), "Đã trả kết quả",
                procedure="Đăng ký kết hôn", field="Hộ tịch", channel="Trực tiếp"),
    ]


def rows_xlsx():
    return [
        dossier("NA3", "Sở Tư pháp tỉnh Nghệ An", d(5), d(9, hour=17), d(14), "Đã trả kết quả",
                procedure="Cấp Phiếu lý lịch tư pháp", field="Lý lịch tư pháp", channel="Trực tiếp"),
        dossier("NA4", "STP", d(12), d(16, hour=17), None, "Đang xử lý",
                procedure="Cấp Phiếu lý lịch tư pháp", field="Lý lịch tư pháp", channel="Trực tiếp"),
        dossier("NA5", "Phường Trường Vinh", d(20), d(30, month=11, hour=17), None, "Đang xử lý",
                procedure="Đăng ký khai sinh", field="Hộ tịch", channel="Trực tiếp"),
    ]


def rows_csv():
    return [
        dossier("NA6", "Chi nhánh Văn phòng đăng ký đất đai", d(15, month=9), d(20, hour=17), d(19), "Đã trả kết quả",
                procedure="Đăng ký biến động đất đai", field="Đất đai", channel="Trực tiếp"),
        dossier("NA7", "Công an tỉnh Nghệ An", d(26), None, None, "Công dân yêu cầu rút hồ sơ",
                procedure="Đăng ký thường trú", field="Hộ tịch", channel="Trực tiếp"),
        dossier("NA8", "P. Thành Vinh", d(28), d(3, month=11, hour=17), d(30), "Đã trả kết quả",
                procedure="Đăng ký khai sinh", field="Hộ tịch", channel="Trực tuyến"),
    ]


def write_exports(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html, xlsx, csv = folder / "nghe_an.xls", folder / "nghe_an.xlsx", folder / "nghe_an.csv"
    write_dossier_html_xls(html, rows_html(), titles=TITLES[1:], keys=KEYS)
    write_dossier_xlsx(xlsx, rows_xlsx(), titles=TITLES, keys=KEYS, merged_header=True)
    write_dossier_csv(csv, rows_csv(), keys=KEYS, encoding="cp1258", titles=TITLES)
    return [html, xlsx, csv]


def init(db: Path, province: str, capsys) -> tuple[int, str]:
    code = etl_main(["init", "--province", province, "--db", str(db)])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def nghe_an(tmp_path, capsys) -> Path:
    """An installation for Nghệ An (mã 40) made by init, with the three exports loaded."""
    db = tmp_path / "na" / "cchc.duckdb"
    assert init(db, "40", capsys)[0] == 0
    assert etl_main(["load", "--db", str(db), *map(str, write_exports(tmp_path / "exports"))]) == 0
    capsys.readouterr()
    return db


@pytest.mark.parametrize("written", ["40", "040", "Nghệ An", "Nghe An", "nghe an", "Tỉnh Nghệ An", "tinh nghe an"])
def test_the_province_is_found_however_it_is_written(written):
    from core.units import find_province

    found, _ = find_province(written)
    assert found is not None and (found.code, found.full_name) == (40, "Tỉnh Nghệ An")


def test_cities_keep_their_name_and_an_unknown_province_gets_the_closest_names(tmp_path, capsys):
    from core.units import find_province

    assert find_province("TP Đà Nẵng")[0].full_name == "Thành phố Đà Nẵng"
    assert find_province("Hồ Chí Minh")[0].code == 79
    code, out = init(tmp_path / "x" / "cchc.duckdb", "Nghe Ann", capsys)
    assert code == 2 and "Không có tỉnh, thành phố «Nghe Ann»" in out and "Tỉnh Nghệ An (mã 40)" in out
    assert not (tmp_path / "x" / "config").exists()


def test_init_writes_the_settings_folder_beside_the_database_and_says_what_to_do(tmp_path, capsys):
    db = tmp_path / "na" / "cchc.duckdb"
    code, out = init(db, "Nghệ An", capsys)
    folder = tmp_path / "na" / "config"
    assert code == 0
    assert "Tỉnh Nghệ An (mã 40): 130 xã, phường, đặc khu" in out
    assert "departments.csv" in out and f"python -m etl load --db {db}" in out
    assert {p.name for p in folder.iterdir()} == {"province.toml", "departments.csv", "unit_crosswalk.csv",
                                                   "calendar_overrides.csv", "procedures.csv", "settings.toml",
                                                   "README.txt"}
    assert folder.joinpath("departments.csv").read_text(encoding="utf-8-sig").splitlines()[:2] == [
        "Mã đơn vị,Tên đơn vị,Loại đơn vị,Tên khác", "40.VP,Văn phòng UBND tỉnh,\"Sở, ngành\",VP UBND|Văn phòng Ủy "
        "ban nhân dân tỉnh"]
    assert not db.exists()  # init writes settings only; the first load makes the database


def test_init_again_keeps_the_offices_edits(tmp_path, capsys):
    db = tmp_path / "na" / "cchc.duckdb"
    init(db, "40", capsys)
    departments = tmp_path / "na" / "config" / "departments.csv"
    departments.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị,Tên khác\n40.X,Sở Ngoại vụ,Sở ngành,\n",
                           encoding="utf-8")
    code, out = init(db, "Nghe An", capsys)
    assert code == 0 and "giữ nguyên  departments.csv" in out
    assert "Sở Ngoại vụ" in departments.read_text(encoding="utf-8")


def test_another_provinces_exports_load_with_the_hand_worked_counts(nghe_an):
    con = duckdb.connect(str(nghe_an), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]
        units = dict(con.execute("SELECT dossier_code, unit_code FROM dossiers").fetchall())
        assert units == {"NA1": "17329", "NA2": "17329", "NA3": "40.STP", "NA4": "40.STP", "NA5": "16690",
                         "NA6": "40.CNVPDKDD", "NA7": "40.CA", "NA8": "16681"}
        assert con.execute("SELECT DISTINCT province_name FROM units").fetchall() == [("Tỉnh Nghệ An",)]
        assert con.execute("SELECT late_working_days FROM dossiers WHERE dossier_code = 'NA3'").fetchall() == [(3,)]
        assert con.execute("SELECT value FROM meta WHERE key = 'province_code'").fetchall() == [("40",)]
    finally:
        con.close()


def test_form06_of_another_province(nghe_an):
    from queries.connection import open_database
    from queries.filters import Filters, Scope
    from queries.form06 import form06

    con = open_database(nghe_an)
    try:
        report = form06(con, Filters(Scope.province(), date(2026, 10, 1), date(2026, 10, 31)))
    finally:
        con.close()
    t = report.total
    assert (t["received_online"], t["received_direct"], t["carried_over"], t["received_total"]) == (1, 6, 1, 8)
    assert (t["resolved_early"], t["resolved_on_time"], t["resolved_late"], t["resolved_total"]) == (3, 1, 1, 5)
    assert (t["pending_within"], t["pending_overdue"], t["pending_total"]) == (1, 1, 2)
    assert t["withdrawn_stopped_refused"] == 1 and report.unbalanced.height == 0
    assert report.issuer == "UBND TỈNH NGHỆ AN"
    by_field = {(r["level"], r["field_code"]): r["received_total"] for r in report.rows.iter_rows(named=True)
                if r["row_kind"] == "field"}
    # Provincial level: NA3, NA4 (Sở Tư pháp), NA6 (land registry branch), NA7 (police); communes: the rest.
    assert by_field == {("tinh", "tu_phap"): 2, ("tinh", "dat_dai"): 1, ("tinh", "ho_tich"): 1, ("xa", "ho_tich"): 4}


def test_a_database_of_one_province_refuses_another(nghe_an, capsys):
    before = nghe_an.read_bytes()
    province_file = nghe_an.parent / "config" / "province.toml"
    settings_before = province_file.read_text(encoding="utf-8")
    code, out = init(nghe_an, "Đà Nẵng", capsys)
    assert code == 2
    assert "đã chứa hồ sơ của Tỉnh Nghệ An (mã 40)" in out and "Thành phố Đà Nẵng (mã 48)" in out
    assert "Không có gì thay đổi" in out
    assert nghe_an.read_bytes() == before and province_file.read_text(encoding="utf-8") == settings_before


def test_a_load_refuses_when_province_toml_was_edited_to_another_province(nghe_an, tmp_path, capsys):
    before = nghe_an.read_bytes()
    (nghe_an.parent / "config" / "province.toml").write_text("province_code = 48\n", encoding="utf-8")
    extra = tmp_path / "more.csv"
    write_dossier_csv(extra, [dossier("DN1", "Phường Hải Châu", d(5), d(9, hour=17), None, "Đang xử lý")])
    code = etl_main(["load", "--db", str(nghe_an), str(extra)])
    out = capsys.readouterr().out
    assert code == 1 and "chứa hồ sơ của Tỉnh Nghệ An (mã 40)" in out and "Thành phố Đà Nẵng (mã 48," in out
    assert nghe_an.read_bytes() == before


def test_an_empty_database_may_change_province_and_drops_the_generated_departments(tmp_path, capsys):
    db = tmp_path / "x" / "cchc.duckdb"
    init(db, "40", capsys)
    code, out = init(db, "Hà Tĩnh", capsys)
    assert code == 0
    text = (tmp_path / "x" / "config" / "departments.csv").read_text(encoding="utf-8-sig")
    assert "42.STP" in text and "40.STP" not in text


def test_the_folder_overrides_a_status_spelling_for_its_loads(tmp_path, capsys):
    """A one-line statuses.csv in the installation adds a spelling; the bundled spellings still work."""
    db = tmp_path / "na" / "cchc.duckdb"
    init(db, "40", capsys)
    (tmp_path / "na" / "config" / "statuses.csv").write_text("raw,status_code\nĐã hoàn tất hồ sơ,10\n",
                                                           encoding="utf-8")
    export = tmp_path / "s.csv"
    write_dossier_csv(export, [
        dossier("S1", "Xã Anh Sơn", d(1), d(5, hour=17), d(2), "Đã hoàn tất hồ sơ"),
        dossier("S2", "Xã Anh Sơn", d(1), d(5, hour=17), None, "Đang xử lý"),
    ])
    assert etl_main(["load", "--db", str(db), str(export)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert dict(con.execute("SELECT dossier_code, status_code FROM dossiers").fetchall()) == {"S1": 10, "S2": 4}
    finally:
        con.close()


def test_without_a_settings_folder_the_demo_province_applies(tmp_path):
    from core.installation import use
    from core.units import province

    use(tmp_path / "cchc.duckdb")
    assert province().full_name == "Thành phố Đà Nẵng"
