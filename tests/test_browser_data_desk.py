"""Real browser: upload an export through the data desk page (Playwright set_input_files) and see
the per-file counts; the rejected row downloads as .xlsx with its formula-looking note as text."""
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser

EXPORT = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp,Ghi chú
BROWSER-DD-1,Phường Hải Châu,20/11/2026 08:00,24/11/2026,Đang xử lý,Trực tuyến,
BROWSER-DD-2,Phường Hải Châu,20/11/2026 09:00,25/11/2026,Đang xử lý,Trực tiếp,
BROWSER-DD-3,Xã Hòa Vang,20/11/2026 10:00,25/11/2026,Đang xử lý,Trực tiếp,
BROWSER-DD-4,Xã Hòa Vang,31/02/2026 10:00,25/11/2026,Đang xử lý,Trực tiếp,"=HYPERLINK(""http://x.example"")"
"""


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def test_upload_through_the_page_and_download_rejects(browser, demo_db, tmp_path, monkeypatch):
    import fastexcel

    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))  # the server's audit, never data/

    db = tmp_path / "desk.duckdb"
    shutil.copyfile(demo_db, db)
    before = count(db, "SELECT count(*) FROM dossiers")
    export, empty = tmp_path / "xuat_moi.csv", tmp_path / "rong.csv"
    export.write_text(EXPORT, encoding="utf-8")
    empty.write_bytes(b"")
    with streamlit_server(db) as url:
        page = new_page(browser)
        page.goto(f"{url}/du-lieu")
        page.get_by_role("tab", name="Nạp tệp").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.get_by_role("dialog").count() == 0  # no "Page not found" on a fresh server's deep link
        page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files([export, empty])
        page.get_by_text("xuat_moi.csv").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
        page.get_by_text("Đã xử lý 2 tệp").wait_for(timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        # 4 rows read: 3 new, 1 rejected (31/02 is no date); the empty file is refused by name.
        row = page.locator("[data-testid='stDataFrame']").first
        row.wait_for(timeout=30_000)
        page.get_by_text("tệp «rong.csv»: tệp rỗng (0 byte)").first.wait_for(timeout=10_000)
        assert count(db, "SELECT count(*) FROM dossiers") == before + 3
        assert count(db, "SELECT rows_read * 100 + rows_new * 10 + rows_rejected FROM load_log "
                         "WHERE file_name = 'xuat_moi.csv'") == 431
        page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
        # The rejected row, filtered to that file, downloads as .xlsx with the raw row.
        page.get_by_role("tab", name="Dòng bị loại").click()
        page.get_by_text("1 dòng bị loại (không nạp)").first.wait_for(timeout=30_000)
        with page.expect_download() as info:
            page.get_by_role("button", name="Tải Excel (.xlsx)").last.click()
        target = tmp_path / "loai.xlsx"
        info.value.save_as(target)
        page.get_by_role("tab", name="Chất lượng dữ liệu").click()
        page.get_by_text("Số liệu không cân đối —").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
    with duckdb.connect(str(tmp_path / "audit.duckdb"), read_only=True) as audit:
        loads = audit.execute("SELECT count(*) FROM audit_log WHERE action = 'load_file'").fetchall()[0][0]
    assert loads == 2  # who loaded which file: both files, the refused one too
    sheet = fastexcel.read_excel(target).load_sheet(0, header_row=2, dtypes="string").to_polars()
    mine = sheet.filter(sheet["Tệp"] == "xuat_moi.csv")
    assert mine["Mã hồ sơ"].to_list() == ["BROWSER-DD-4"]
    assert mine["Giá trị trong tệp"].to_list() == ["31/02/2026 10:00"]
    assert mine["Dữ liệu gốc: Ghi chú"].to_list() == ["'=HYPERLINK(\"http://x.example\")"]
