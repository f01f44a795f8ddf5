"""Real browser: the Xếp hạng thi đua page in Debian's Chromium — change the period, select a unit,
download the ranking and read it back."""

import fastexcel
import pytest

from tests.app_support import new_page, settle, streamlit_server

pytestmark = pytest.mark.browser



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
    rank_in_picker, group = chosen.rsplit("(hạng ", 1)[1].rstrip(")").split("/")  # "(hạng 2/10)"
    assert unit_row[0] == rank_in_picker and int(group) > 1


def test_commune_chairman_sees_his_rank_within_the_group(browser, demo_db, tmp_path, monkeypatch):
    """Issue 12: signed in as a commune's leader, the page says «Hạng r/N» with N the group's ranked
    communes (not «1/1»), names his commune only, and its distribution is the whole group's."""
    from datetime import date

    import duckdb
    import polars as pl

    from access.users import add_user
    from queries.connection import open_database
    from queries.filters import Scope
    from queries.periods import Period
    from scoring.rank import ranking
    from scoring.scheme import load_scheme
    from tests.app_support import PINNED_TODAY

    with duckdb.connect(str(demo_db), read_only=True) as con:
        [(unit,)] = con.execute(
            "SELECT d.unit_code FROM dossiers d JOIN units u USING (unit_code) WHERE u.unit_level = 'xa' "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    con = open_database(demo_db)
    year = Period("year", date(2026, 1, 1), date(2026, 12, 31))
    province = ranking(con, Scope.province(), load_scheme("chi_so_766"), year, "cap_xa", PINNED_TODAY)
    con.close()
    mine, group = province.unit(unit), province.ranked.height  # the province view (SQL-checked in AppTest)
    assert mine["rank"] is not None and group > 1
    others = province.units.filter(pl.col("unit_code") != unit)["unit_name"].to_list()

    users = tmp_path / "users.toml"
    add_user(users, "chutich", "Lê Thị Xã", "unit_leader", [unit], password="mat-khau-trinh-duyet")
    monkeypatch.setenv("CCHC_USERS", str(users))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/xep-hang")  # the deep link survives the sign-in
        page.get_by_label("Tên đăng nhập").fill("chutich")
        page.get_by_label("Mật khẩu").fill("mat-khau-trinh-duyet")
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_text("Chi tiết một đơn vị").wait_for(timeout=90_000)
        settle(page)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                               ".every(c => c.querySelector('.main-svg'))", timeout=60_000)

        def metric(label: str) -> str:
            card = page.locator("[data-testid='stMetric']").filter(
                has=page.get_by_text(label, exact=True)).first
            return card.locator("[data-testid='stMetricValue']").inner_text()

        assert metric("Đơn vị được xếp hạng") == str(group)
        assert metric("Hạng") == f"{mine['rank']}/{group}"
        table = page.locator("[data-testid='stDataFrame']").filter(has_text="Tổng điểm").first
        assert [n.rstrip(" ⚑") for n in table.locator("td[aria-colindex='3']").all_inner_texts()] == [
            mine["unit_name"]]  # one row, his: Hạng, Thay đổi, Đơn vị …
        text = page.locator("[data-testid='stMain']").inner_text()
        assert f"đứng thứ {mine['rank']}/{group}" in text
        leaked = [name for name in others if name in text]
        assert not leaked, f"other communes named on the page: {leaked[:5]}"
        page.screenshot(path=str(tmp_path / "xep_hang_xa.png"), full_page=True)
        page.close()
