"""Real browser with sign-in configured: a commune leader signs in through the form and sees only
the commune's data and the pages of the role; a deep link survives the sign-in."""
import re

import duckdb
import pytest

from access.users import add_user
from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-trinh-duyet"


def sign_in(page, username: str, password: str) -> None:
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_commune_leader_signs_in_through_the_form(browser, demo_db, tmp_path, monkeypatch):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        [(unit, own, name)] = con.execute(
            "SELECT d.unit_code, count(*), any_value(u.unit_name) FROM dossiers d JOIN units u USING (unit_code) "
            "WHERE u.unit_level = 'xa' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchall()
        [(province,)] = con.execute("SELECT count(*) FROM dossiers").fetchall()
    users = tmp_path / "users.toml"
    add_user(users, "chutich", "Lê Thị Xã", "unit_leader", [unit], password=PASSWORD)
    monkeypatch.setenv("CCHC_USERS", str(users))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))

    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        # A deep link as the fresh server's very first session, before signing in (ui/server.py
        # keeps Streamlit from treating pages/ as a legacy multipage folder).
        page.goto(f"{url}/tong-quan")
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator("[data-testid='stMetric']").count() == 0

        sign_in(page, "chutich", "sai-mat-khau")
        page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").wait_for(timeout=30_000)

        sign_in(page, "chutich", PASSWORD)
        page.get_by_text("Tổng quan dữ liệu", exact=True).first.wait_for(timeout=30_000)
        block = page.locator("[data-testid='stMetric']").filter(has_text="Hồ sơ đã nạp")
        block.wait_for(timeout=30_000)
        shown = int(re.sub(r"\D", "", block.locator("[data-testid='stMetricValue']").inner_text()))
        assert shown == own < province  # the commune's dossiers only, counted by one SQL query
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "Lê Thị Xã" in sidebar and name in sidebar
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Giao ban tuần" in nav and "Quản trị" not in nav and "Nạp dữ liệu" not in nav
        page.screenshot(path=str(tmp_path / "signed_in.png"), full_page=True)

        page.get_by_role("button", name="Đăng xuất").click()
        page.get_by_text("Bạn đã đăng xuất.").wait_for(timeout=30_000)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        page.close()

        # A link to a page outside the role: after signing in, a refusal, never the page.
        page = new_page(browser)
        page.goto(f"{url}/quan-tri")
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        sign_in(page, "chutich", PASSWORD)
        page.get_by_text("Vai trò của bạn không được mở trang «Quản trị»").wait_for(timeout=30_000)
        assert page.get_by_text("Nhật ký truy cập").count() == 0 and page.get_by_text("Page not found").count() == 0
        page.close()


def test_local_mode_refuses_a_request_through_a_reverse_proxy(browser, demo_db, tmp_path, monkeypatch):
    # No accounts, no OIDC: local mode. A proxy on the same machine reaches the server from 127.0.0.1;
    # its X-Real-IP header (which the server does not act on) gives it away.
    monkeypatch.setenv("CCHC_USERS", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    with streamlit_server(demo_db) as url:
        page = new_page(browser, extra_http_headers={"X-Real-IP": "203.0.113.9"})
        page.goto(f"{url}/quan-tri")
        refusal = page.get_by_text("không phục vụ qua reverse proxy")
        refusal.wait_for(timeout=60_000)
        assert "phải cấu hình đăng nhập" in refusal.inner_text()
        page.wait_for_timeout(1000)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        assert page.get_by_text("Nhật ký truy cập").count() == 0 and page.locator("[data-testid='stMetric']").count() == 0

        direct = new_page(browser)  # the person at the server still gets the app
        direct.goto(f"{url}/tong-quan")
        direct.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)
        assert direct.get_by_text("không phục vụ qua reverse proxy").count() == 0
