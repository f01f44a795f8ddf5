"""Real browser: Debian's Chromium, driven by Playwright, against `streamlit run dashboard.py`."""
import re
import shutil

import pytest

from etl.load import load_files
from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser

NEW_EXPORT = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp
BROWSER-0001,Phường Hải Châu,20/11/2026 08:00,24/11/2026,Đang xử lý,Trực tuyến
BROWSER-0002,Phường Hải Châu,20/11/2026 09:00,25/11/2026,Đang xử lý,Trực tiếp
BROWSER-0003,Xã Hòa Vang,20/11/2026 10:00,25/11/2026,Đang xử lý,Trực tiếp
"""


def open_page(browser, url: str):
    """The data overview page (Tổng quan dữ liệu), with its metrics drawn."""
    page = new_page(browser)
    page.goto(f"{url}/tong-quan")
    page.get_by_text("Tổng quan dữ liệu", exact=True).first.wait_for(timeout=30_000)
    page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=30_000)
    return page


def dossier_metric(page) -> int:
    block = page.locator("[data-testid='stMetric']").filter(has_text="Hồ sơ đã nạp")
    text = block.locator("[data-testid='stMetricValue']").inner_text()
    return int(re.sub(r"\D", "", text))


def test_home_page_renders_without_exception(browser, demo_db, tmp_path):
    with streamlit_server(demo_db) as url:
        page = open_page(browser, url)
        assert page.locator("[data-testid='stException']").count() == 0
        assert dossier_metric(page) > 0
        page.screenshot(path=str(tmp_path / "home.png"), full_page=True)


def test_load_while_app_is_open_shows_new_data_without_restart(browser, demo_db, tmp_path):
    db = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db, db)
    with streamlit_server(db) as url:
        page = open_page(browser, url)
        before = dossier_metric(page)
        export = tmp_path / "moi.csv"
        export.write_text(NEW_EXPORT, encoding="utf-8")
        [report] = load_files([export], db)  # the app holds a read-only connection meanwhile
        assert report.status == "loaded" and report.rows_new == 3
        page.reload()
        page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=30_000)
        page.wait_for_function(
            "n => [...document.querySelectorAll('[data-testid=stMetric]')].some("
            "m => m.innerText.includes('Hồ sơ đã nạp') && m.innerText.replace(/\\D/g, '') === String(n))",
            arg=before + 3, timeout=30_000,
        )
        assert dossier_metric(page) == before + 3
        assert page.locator("[data-testid='stException']").count() == 0


def no_exception(page) -> None:
    page.wait_for_timeout(300)
    assert page.locator("[data-testid='stException']").count() == 0


def test_pages_filters_shared_link_and_form06_download(browser, demo_db, tmp_path):
    import fastexcel

    with streamlit_server(demo_db) as url:
        # A shared link opens exactly that view: October 2026, Phường Hải Châu.
        page = new_page(browser)
        page.goto(f"{url}/?ky=month&tu=2026-10-01&den=2026-10-31&dv=20242")
        page.get_by_text("Tháng 10/2026 · Phường Hải Châu").wait_for(timeout=30_000)
        no_exception(page)
        # Every page opens from the navigation, keeping the filters.
        # The briefing's menu name stays «Giao ban tuần»; its title follows the period (a month here).
        for title, heading in (("Tiếp nhận & giải quyết", "Tiếp nhận & giải quyết"), ("Biểu số 06", "Biểu số 06"),
                               ("Tổng quan dữ liệu", "Tổng quan dữ liệu"), ("Giao ban tuần", "Giao ban tháng")):
            page.get_by_role("link", name=title).first.click()
            page.get_by_role("heading", name=re.compile(heading)).first.wait_for(timeout=30_000)
            page.wait_for_load_state("networkidle")
            no_exception(page)
        assert "dv=20242" in page.url and "ky=month" in page.url
        # Change a filter in the sidebar: the period kind becomes the quarter.
        page.get_by_label("Kỳ", exact=True).click()
        page.get_by_role("option", name="Quý", exact=True).click()
        page.get_by_text(re.compile(r"Quý 4/2026|Quý 3/2026")).first.wait_for(timeout=30_000)
        assert "ky=quarter" in page.url
        no_exception(page)
        # The official form downloads as a real .xlsx laid out like the paper form.
        page.get_by_role("link", name="Biểu số 06").first.click()
        page.get_by_role("button", name="Tải Excel (.xlsx)").wait_for(timeout=30_000)
        with page.expect_download() as info:
            page.get_by_role("button", name="Tải Excel (.xlsx)").click()
        target = tmp_path / "bieu06.xlsx"
        info.value.save_as(target)
        sheet = fastexcel.read_excel(target).load_sheet(0, header_row=None, dtypes="string").to_polars()
        cells = [v for row in sheet.head(8).iter_rows() for v in row if v]
        assert "Biểu số 06" in cells
        assert any("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in c for c in cells)
