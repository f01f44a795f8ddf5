"""Real browser: tables behave (issue 12, item 4) — a numeric column sorts as numbers when its header is
clicked, and «Xem →» opens the unit's late dossiers in the same tab, in the same signed-in session."""
import duckdb
import pytest

from access.users import add_user
from tests.app_support import (
    grid_column_values,
    new_page,
    settle,
    sort_grid_by,
    streamlit_server,
)

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-trinh-duyet"



def test_a_count_column_sorts_as_numbers(browser, demo_db):
    # Dossiers per unit, as the overview's table counts them (queries.status.unit_counts), by SQL.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        counts = [n for (n,) in con.execute("SELECT count(d.dossier_code) FROM units u LEFT JOIN dossiers d "
                                            "USING (unit_code) GROUP BY u.unit_code").fetchall()]
    ascending = sorted(counts)
    as_text = sorted(str(n) for n in counts)
    # The test can fail: sorted as text, the first rows would differ (e.g. 100 before 12).
    assert as_text[:10] != [str(n) for n in ascending[:10]]
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/tong-quan")
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="Tiếp nhận gần nhất").first
        grid.wait_for(timeout=60_000)
        settle(page)
        grid.scroll_into_view_if_needed()
        headers = grid.locator("th").all_inner_texts()
        column = headers.index("Hồ sơ") + 1
        before = grid_column_values(grid, column)
        assert [int(v) for v in before] == sorted(counts, reverse=True)[:len(before)]  # the query's order
        sort_grid_by(page, grid, column)  # ascending
        shown = [int(v) for v in grid_column_values(grid, column)]
        assert len(shown) >= 8 and shown == ascending[:len(shown)]
        page.close()


def test_see_more_opens_the_late_page_in_the_same_tab_without_signing_in_again(browser, demo_db, tmp_path,
                                                                                monkeypatch):
    # The commune with the most dossiers resolved late in October 2026: it is in the attention table.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        [(unit, name)] = con.execute(
            "SELECT d.unit_code, any_value(u.unit_name) FROM dossiers d JOIN units u USING (unit_code) "
            "WHERE u.unit_level = 'xa' AND d.timeliness = 'late' AND d.finished_date BETWEEN DATE '2026-10-01' "
            "AND DATE '2026-10-31' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    users = tmp_path / "users.toml"
    add_user(users, "chutich", "Lê Thị Xã", "unit_leader", [unit], password=PASSWORD)
    monkeypatch.setenv("CCHC_USERS", str(users))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/?ky=month&tu=2026-10-01&den=2026-10-31")
        page.get_by_label("Tên đăng nhập").fill("chutich")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="Chi tiết").first
        grid.wait_for(timeout=60_000)
        settle(page)
        grid.scroll_into_view_if_needed()
        assert grid.locator("td[aria-colindex='1']").all_inner_texts() == [name]
        box = grid.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 30, box["y"] + 52)  # «Xem →», the last column of row 1
        page.get_by_role("heading", name="Trễ hạn", exact=True).first.wait_for(timeout=60_000)
        settle(page)
        assert len(page.context.pages) == 1  # no new tab
        assert "/tre-han" in page.url and f"dv={unit}" in page.url and "ky=month" in page.url
        assert page.get_by_label("Tên đăng nhập").count() == 0  # still signed in
        assert "Lê Thị Xã" in page.locator("[data-testid='stSidebar']").inner_text()
        page.close()
