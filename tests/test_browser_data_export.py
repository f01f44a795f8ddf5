"""Real browser (Debian's Chromium via Playwright): no table offers Streamlit's own CSV download, which
would write cells raw (=HYPERLINK(…), @SUM(1) run as formulas) and unaudited; the app's own exports
(escaped through reports.safe_text, audited) stay."""
import pytest

from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser
PAGES = ("tre-han?ky=month&tu=2026-10-01&den=2026-10-31", "tong-quan")


def toolbar_labels(page, grid) -> list[str]:
    """Hover the table as a person does and read the labels of the toolbar buttons it shows."""
    grid.scroll_into_view_if_needed()
    grid.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").filter(has=page.get_by_role("button", name="Search"))
    toolbar.first.wait_for(timeout=15_000)
    return [b.get_attribute("aria-label") for b in toolbar.first.get_by_role("button").all()]


def test_tables_offer_no_csv_download(browser, demo_db):
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        for path in PAGES:
            page.goto(f"{url}/{path}")
            grid = page.locator("[data-testid='stDataFrame']").first
            grid.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            labels = toolbar_labels(page, grid)
            assert "Search" in labels  # the toolbar is there …
            assert not any("download" in (label or "").lower() for label in labels), (path, labels)  # … without CSV
            assert page.get_by_role("button", name="Download as CSV").count() == 0
        page.goto(f"{url}/{PAGES[0]}")
        page.get_by_text("Tải danh sách (.xlsx)").wait_for(timeout=60_000)  # the app's own export stays
