"""Real browser: Debian's Chromium, driven by Playwright, against `streamlit run dashboard.py`."""
import re
import shutil
from pathlib import Path

import pytest

from etl.load import load_files
from tests.app_support import CHROMIUM, CHROMIUM_ARGS, streamlit_server

pytestmark = pytest.mark.browser

NEW_EXPORT = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp
BROWSER-0001,Phường Hải Châu,20/11/2026 08:00,24/11/2026,Đang xử lý,Trực tuyến
BROWSER-0002,Phường Hải Châu,20/11/2026 09:00,25/11/2026,Đang xử lý,Trực tiếp
BROWSER-0003,Xã Hòa Vang,20/11/2026 10:00,25/11/2026,Đang xử lý,Trực tiếp
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `python3 dev.py test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page.goto(url)
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
