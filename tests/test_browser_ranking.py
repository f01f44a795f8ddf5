"""Real browser: the Xếp hạng thi đua page in Debian's Chromium — change the period, select a unit,
download the ranking and read it back."""

import fastexcel
import pytest

from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser


def settle(page) -> None:
    """Wait until Streamlit has finished the rerun (the status widget disappears)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0


def open_list(page, label: str) -> None:
    """Open the selectbox labelled `label` (a first click on a box scrolled into view may only focus it)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option").first.wait_for(timeout=3_000)
            return
        except Exception:  # playwright TimeoutError: the list did not open, click again
            continue
    raise AssertionError(f"the list «{label}» does not open")


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label`."""
    open_list(page, label)
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_change_period_select_unit_and_download(browser, demo_db, tmp_path):
    with streamlit_server(demo_db) as url:
        page = new_page(browser, accept_downloads=True)
        page.goto(f"{url}/xep-hang")
        page.get_by_role("heading", name="Xếp hạng thi đua").wait_for(timeout=60_000)
        assert page.get_by_role("dialog").count() == 0  # a deep link as a fresh server's first session
        page.get_by_text("Bảng xếp hạng", exact=True).wait_for(timeout=60_000)
        settle(page)

        # Quarter: the page opens the running quarter; pick Quý 3/2026, which has ended.
        page.get_by_role("radio", name="Quý", exact=True).click()
        settle(page)
        pick(page, "Kỳ đánh giá", "Quý 3/2026")
        page.get_by_text("so với Quý 2/2026").first.wait_for(timeout=30_000)

        # A unit: the second of the ranking, chosen in the unit picker.
        open_list(page, "Đơn vị")
        second = page.get_by_role("option").nth(1)
        chosen = second.inner_text()
        second.click()
        settle(page)
        unit_name = chosen.rsplit(" (hạng", 1)[0]
        page.get_by_text(f"Thứ hạng của {unit_name} qua các kỳ").first.wait_for(timeout=30_000)
        assert page.get_by_text("Tiến độ:").count() >= 1

        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Tải kết quả xếp hạng (.xlsx)").click()
        download = info.value
        assert download.suggested_filename == "xep_hang_chi_so_766_cap_xa_2026-Q3.xlsx"
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        page.close()

    sheet = fastexcel.read_excel(str(path)).load_sheet("Xếp hạng", header_row=None, dtypes="string").to_polars()
    rows = [[v for v in row if v is not None] for row in sheet.iter_rows()]
    flat = [v for row in rows for v in row]
    assert "Kỳ đánh giá: Quý 3/2026 (từ ngày 01/07/2026 đến ngày 30/09/2026)" in flat
    assert any(v.startswith("KẾT QUẢ XẾP HẠNG THI ĐUA CẢI CÁCH HÀNH CHÍNH") for v in flat)
    unit_row = next(row for row in rows if unit_name in row)
    rank_in_picker = chosen.rsplit("(hạng ", 1)[1].rstrip(")")
    assert unit_row[0] == rank_in_picker
