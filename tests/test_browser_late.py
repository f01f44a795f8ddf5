"""Real browser (Debian's Chromium via Playwright): the Trễ hạn page, a row picked in the list opens the
dossier's detail with its timeline, and the address then carries ?hs= so the link can be sent."""
import re

import pytest

from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser


def test_pick_a_row_and_see_its_timeline(browser, demo_db, tmp_path):
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/tre-han?ky=month&tu=2026-10-01&den=2026-10-31")
        page.get_by_text("Danh sách hồ sơ", exact=True).wait_for(timeout=60_000)
        # A deep link as the fresh server's first session: the frame's menu, no "Page not found".
        assert page.get_by_role("dialog").count() == 0
        assert page.get_by_role("link", name="Trễ hạn").count() >= 1
        # The list (the small units' table, unranked, comes before it on the page).
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="Mã hồ sơ").first
        grid.scroll_into_view_if_needed()
        grid.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        box = grid.bounding_box()
        # The first body row: below the 35 px header; the row-selection checkbox is the first column.
        # The grid is a canvas: hover first, then press, as a person does (a bare click is missed).
        page.mouse.move(box["x"] + 20, box["y"] + 35 + 17)
        page.wait_for_timeout(300)
        page.mouse.down()
        page.mouse.up()
        heading = page.get_by_text(re.compile(r"^Hồ sơ \S+$")).first
        heading.wait_for(timeout=30_000)
        code = heading.inner_text().removeprefix("Hồ sơ ").strip()
        page.wait_for_function("code => decodeURIComponent(location.search).includes('hs=' + code)", arg=code,
                               timeout=15_000)
        page.get_by_text("Diễn biến hồ sơ").first.wait_for(timeout=30_000)
        timeline = page.locator("[data-testid='stPlotlyChart']").filter(has_text="Diễn biến hồ sơ")
        timeline.locator(".main-svg").first.wait_for(timeout=30_000)
        assert page.get_by_text("Hạn theo quy định:").count() >= 1
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "late_detail.png"), full_page=True)

        # The list downloads as .xlsx (built when clicked), every row of the list in it.
        with page.expect_download(timeout=60_000) as download:
            page.get_by_text("Tải danh sách (.xlsx)").click()
        saved = tmp_path / "tre_han.xlsx"
        download.value.save_as(saved)
        import fastexcel

        cells = fastexcel.read_excel(saved).load_sheet(0, header_row=None, dtypes="string").to_polars().rows()
        assert cells[1][0] == "DANH SÁCH HỒ SƠ TRỄ HẠN"
        assert any(row[2] == code for row in cells)

        # The address can be sent: opening it again shows the same dossier straight away.
        other = new_page(browser)
        other.goto(page.url)
        other.get_by_text(f"Hồ sơ {code}", exact=True).wait_for(timeout=60_000)
        other.locator("[data-testid='stPlotlyChart']").filter(has_text="Diễn biến hồ sơ").locator(
            ".main-svg").first.wait_for(timeout=30_000)
        assert other.locator("[data-testid='stException']").count() == 0
