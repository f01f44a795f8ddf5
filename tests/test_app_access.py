"""AppTest with sign-in configured: each role signs in through the form and sees only what it may."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from access import audit
from access.users import add_user
from tests.app_support import (
    LOCAL_BROWSER,
    PINNED_TODAY,
    BrowserConnection,
    connect_from,
    metrics,
    new_app,
    open_app,
)

PASSWORD = "mat-khau-thu-nghiem"
WEEK = ("2026-11-09", "2026-11-15")  # the last complete week before the pinned today (21/11/2026)


@pytest.fixture(scope="module")
def units(demo_db) -> tuple[str, str]:
    """A: the commune the commune viewer leads; B: the busiest other commune (its neighbour)."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute(
            "SELECT d.unit_code FROM dossiers d JOIN units u USING (unit_code) WHERE u.unit_level = 'xa' "
            "AND d.status_code <> 1 AND d.received_date BETWEEN $s AND $e GROUP BY 1 ORDER BY count(*) DESC, 1 "
            "LIMIT 2", {"s": WEEK[0], "e": WEEK[1]}).fetchall()
    return rows[1][0], rows[0][0]


@pytest.fixture(scope="module")
def users_file(tmp_path_factory, units) -> Path:
    """One account per role (argon2 hashing is slow on purpose: made once per module)."""
    path = tmp_path_factory.mktemp("accounts") / "users.toml"
    a, _ = units
    add_user(path, "lanhdao", "Trần Văn Tỉnh", "province_leader", [], password=PASSWORD)
    add_user(path, "chutichxa", "Lê Thị Xã", "unit_leader", [a], password=PASSWORD)
    add_user(path, "motcua", "Phạm Một Cửa", "office_staff", [a], password=PASSWORD)
    add_user(path, "quantri", "Hoàng Quản Trị", "data_admin", [], password=PASSWORD)
    add_user(path, "xa.oidc", "Đỗ Văn Xã", "unit_leader", [a], email="chutich@xa.danang.gov.vn")
    return path


@pytest.fixture
def accounts(tmp_path, monkeypatch, demo_db, users_file) -> Path:
    """A private copy of the accounts and a fresh audit database for each test."""
    path = tmp_path / "users.toml"
    shutil.copyfile(users_file, path)
    monkeypatch.setenv("CCHC_USERS", str(path))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    monkeypatch.setenv("CCHC_DB", str(demo_db))
    monkeypatch.setenv("CCHC_TODAY", PINNED_TODAY.isoformat())
    return path


def count(db: Path, sql: str, **params) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()[0][0]


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def sign_in(app: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(password)
    next(b for b in app.button if b.label == "Đăng nhập").click()
    return app.run()


def test_without_sign_in_only_the_form_is_shown(accounts):
    app = open_app()
    assert not app.exception
    assert app.text_input(key="auth_username").label == "Tên đăng nhập"
    assert app.text_input(key="auth_password").label == "Mật khẩu"
    assert not app.metric and not app.title and not app.get("plotly_chart")
    assert not any("Chế độ máy cục bộ" in c.value for c in app.caption)


def test_wrong_password_is_refused_and_audited(accounts):
    app = sign_in(open_app(), "chutichxa", "sai-mat-khau")
    assert not app.exception
    assert app.error[0].value == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert not app.metric
    rows = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1))
    assert rows["action"].to_list() == ["sign_in_failed"]


def test_commune_viewer_sees_only_its_commune(accounts, demo_db, units):
    a, _ = units
    app = sign_in(open_app(), "chutichxa")
    assert not app.exception
    assert app.title[0].value == "Giao ban tuần"
    # Hand check: the figure is one SQL count over unit A only, never the province nor B.
    own = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = $u "
                         "AND received_date BETWEEN $s AND $e", u=a, s=WEEK[0], e=WEEK[1])
    province = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 "
                              "AND received_date BETWEEN $s AND $e", s=WEEK[0], e=WEEK[1])
    assert 0 < own < province
    assert metrics(app)["Tiếp nhận"] == vn(own)
    # The unit picker offers the viewer's unit only.
    assert app.multiselect(key="f_units").options == [app.multiselect(key="f_units").format_func(a)]
    # Who and which scope, in the sidebar; personal data masked for this role.
    account = " ".join(m.value for m in app.sidebar.markdown)
    assert "Lê Thị Xã" in account and "Lãnh đạo xã, phường, sở, ngành" in account
    assert "thông tin cá nhân được che" in account
    # The menu holds the role's pages only.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/admin.py").run()
    assert not any(t.value == "Quản trị" for t in app.title)


def test_url_naming_another_commune_gives_nothing_from_it(accounts, demo_db, units):
    a, b = units
    app = sign_in(open_app({"ky": "week", "tu": WEEK[0], "den": WEEK[1], "dv": b}), "chutichxa")
    assert not app.exception
    assert app.multiselect(key="f_units").value == []  # B dropped: not the viewer's
    theirs = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = $u "
                            "AND received_date BETWEEN $s AND $e", u=b, s=WEEK[0], e=WEEK[1])
    own = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = $u "
                         "AND received_date BETWEEN $s AND $e", u=a, s=WEEK[0], e=WEEK[1])
    assert theirs != own
    assert metrics(app)["Tiếp nhận"] == vn(own)
    # The Form 06 page for the same URL: only A's dossiers in the grand total.
    app.switch_page("pages/form06.py").run()
    assert not app.exception


def test_commune_viewer_late_list_holds_only_its_commune(accounts, demo_db, units):
    a, b = units
    app = sign_in(open_app(), "chutichxa")
    app.switch_page("pages/late.py").run()
    assert not app.exception
    tables = [t.value for t in app.dataframe]
    names = count(demo_db, "SELECT unit_name FROM units WHERE unit_code = $u", u=b)
    for table in tables:
        for column in ("Đơn vị", "unit_name"):
            if column in table.columns:
                assert names not in set(table[column].astype(str)), "another commune in the late list"
    logged = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1),
                           actions=["view_late_list"])
    row = logged.to_dicts()[0]
    assert logged.height == 1 and row["unit_codes"] == [a] and row["username"] == "chutichxa"
    assert "Tuần" in row["detail"]  # the period viewed


def test_province_leader_sees_the_province_and_no_admin(accounts, demo_db):
    app = sign_in(open_app(), "lanhdao")
    assert not app.exception
    province = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 "
                              "AND received_date BETWEEN $s AND $e", s=WEEK[0], e=WEEK[1])
    assert metrics(app)["Tiếp nhận"] == vn(province)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/data_desk.py").run()


def test_office_staff_may_see_personal_data(accounts):
    app = sign_in(open_app(), "motcua")
    assert not app.exception
    account = " ".join(m.value for m in app.sidebar.markdown)
    assert "Cán bộ bộ phận một cửa" in account and "xem được thông tin cá nhân" in account
    assert app.session_state["_viewer"].scope.personal_data


def test_data_admin_opens_admin_page_without_hashes(accounts):
    app = sign_in(open_app(), "quantri")
    app.switch_page("pages/admin.py").run()
    assert not app.exception
    assert app.title[0].value == "Quản trị"
    users = app.dataframe[0].value
    assert set(users["Tên đăng nhập"]) == {"lanhdao", "chutichxa", "motcua", "quantri", "xa.oidc"}
    assert not any("argon2" in str(v) for v in users.to_numpy().ravel())
    log = app.dataframe[1].value
    assert "Đăng nhập" in set(log["Hoạt động"]) and "quantri" in set(log["Người dùng"])


def test_sign_out_returns_to_the_form_and_is_audited(accounts):
    app = sign_in(open_app(), "lanhdao")
    next(b for b in app.button if b.label == "Đăng xuất").click()
    app.run()
    assert not app.exception
    assert app.text_input(key="auth_username")
    assert not app.metric
    assert app.info[0].value == "Bạn đã đăng xuất."
    actions = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1))["action"]
    assert actions.to_list() == ["sign_out", "sign_in"]


def test_disabled_account_is_signed_out_at_its_next_action(accounts):
    from access.users import set_disabled

    app = sign_in(open_app(), "lanhdao")
    assert app.metric
    set_disabled(accounts, "lanhdao", True)
    app.run()
    assert not app.metric
    assert "bị khóa" in app.info[0].value


def test_idle_session_expires(accounts):
    app = sign_in(open_app(), "lanhdao")
    state = app.session_state["_auth"]
    app.session_state["_auth"] = {**state, "last_seen": datetime.now() - timedelta(hours=2)}
    app.run()
    assert not app.metric
    assert "không thao tác" in app.info[0].value


def test_local_mode_notice_without_accounts(monkeypatch, demo_db, tmp_path):
    monkeypatch.setenv("CCHC_USERS", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    monkeypatch.setenv("CCHC_DB", str(demo_db))
    monkeypatch.setenv("CCHC_TODAY", PINNED_TODAY.isoformat())
    app = open_app()
    assert not app.exception and app.metric
    assert any("Chế độ máy cục bộ: chưa cấu hình đăng nhập, chỉ truy cập được từ máy này" in c.value
               for c in app.sidebar.caption)


# --- OIDC (st.login) --------------------------------------------------------------------------------


@pytest.fixture
def oidc(accounts, tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
                       'client_id = "cchc"\nclient_secret = "y"\n'
                       'server_metadata_url = "https://sso.example.gov.vn/.well-known/openid-configuration"\n')
    monkeypatch.setattr("access.config.secrets_paths", lambda: (secrets,))
    return accounts


def test_oidc_sign_in_page_offers_the_identity_provider(oidc):
    app = new_app()
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.exception
    assert any(b.label == "Đăng nhập bằng tài khoản cơ quan" for b in app.button)
    assert app.text_input(key="auth_username")  # password accounts in the same file still work
    assert not app.metric


def test_oidc_user_is_mapped_to_role_and_unit_by_email(oidc, demo_db, units):
    a, _ = units
    app = new_app()
    app.user = {"is_logged_in": True, "email": "ChuTich@xa.danang.gov.vn", "name": "Đỗ Văn Xã"}
    app.run()
    assert not app.exception
    own = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = $u "
                         "AND received_date BETWEEN $s AND $e", u=a, s=WEEK[0], e=WEEK[1])
    assert metrics(app)["Tiếp nhận"] == vn(own)
    assert app.session_state["_viewer"].username == "xa.oidc"
    [row] = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1)).to_dicts()
    assert (row["action"], row["username"], row["detail"]) == ("sign_in", "xa.oidc", '{"method": "oidc"}')


def test_oidc_unknown_email_gets_nothing_but_the_notice(oidc):
    app = new_app()
    app.user = {"is_logged_in": True, "email": "nguoi.la@gmail.com"}
    app.run()
    assert not app.exception
    assert app.error[0].value.startswith("Tài khoản chưa được cấp quyền: nguoi.la@gmail.com")
    assert not app.metric and not app.title and not app.text_input
    [row] = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1)).to_dicts()
    assert (row["action"], row["username"]) == ("access_denied", "nguoi.la@gmail.com")


# --- exports -------------------------------------------------------------------------------------------


def test_commune_viewer_export_holds_only_its_commune_and_is_audited(accounts, demo_db, units, monkeypatch):
    import fastexcel
    import streamlit

    a, b = units
    captured = {}
    real = streamlit.download_button

    def spy(label, data, file_name=None, mime=None, **kwargs):
        captured[file_name] = data  # the deferred file: made (and audited) only when clicked
        return real(label, data, file_name, mime, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    app = sign_in(open_app({"ky": "week", "tu": WEEK[0], "den": WEEK[1], "dv": b}), "chutichxa")
    app.switch_page("pages/form06.py").run()
    assert not app.exception
    name = f"bieu06_{WEEK[0].replace('-', '')}_{WEEK[1].replace('-', '')}.xlsx"
    assert audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1),
                         actions=["export"]).height == 0  # drawing the button exports nothing
    workbook = captured[name]()  # the click
    sheet = fastexcel.read_excel(workbook).load_sheet(0, header_row=None).to_polars()
    total = next(r for r in sheet.iter_rows() if r[1] == "Tổng cộng")
    # Hand check: online (4) + in person or postal (5) on the total row = A's dossiers received in
    # the week, one SQL count; B (asked for in the URL) contributes nothing.
    own = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = $u "
                         "AND received_date BETWEEN $s AND $e", u=a, s=WEEK[0], e=WEEK[1])
    assert int(total[3]) + int(total[4]) == own
    [row] = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1),
                          actions=["export"]).to_dicts()
    assert (row["username"], row["unit_codes"]) == ("chutichxa", [a])
    assert f'"file": "{name}"' in row["detail"]


@pytest.fixture
def local_mode(monkeypatch, demo_db, tmp_path):
    """No accounts file, no OIDC: the app's one viewer is the person at the server."""
    monkeypatch.setenv("CCHC_USERS", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    monkeypatch.setenv("CCHC_DB", str(demo_db))
    monkeypatch.setenv("CCHC_TODAY", PINNED_TODAY.isoformat())
    monkeypatch.setattr("access.config.secrets_paths", lambda: ())


def refused_alone(app: AppTest) -> str:
    """The one message of a refused app: no page, no figure, no menu, no sidebar."""
    assert not app.exception
    assert not app.metric and not app.title and not app.dataframe and not app.get("plotly_chart")
    assert not app.sidebar.markdown and not app.sidebar.caption
    [message] = app.error
    return message.value


def test_local_mode_refuses_a_browser_from_another_machine(local_mode, monkeypatch):
    connect_from(monkeypatch, BrowserConnection("192.168.1.20", {"host": "192.168.1.5:8501"}))
    message = refused_alone(open_app())
    assert "chế độ máy cục bộ" in message and "chỉ mở được trên chính máy chủ" in message


PROXIES = {  # what a reverse proxy on the server itself (peer 127.0.0.1) passes on
    "X-Forwarded-For": {**LOCAL_BROWSER, "x-forwarded-for": "203.0.113.9"},
    "Forwarded": {**LOCAL_BROWSER, "forwarded": "for=203.0.113.9;proto=https"},
    "X-Real-IP": {**LOCAL_BROWSER, "x-real-ip": "203.0.113.9"},
    "public Host and Origin only": {"host": "cchc.danang.gov.vn", "origin": "https://cchc.danang.gov.vn"},
}


@pytest.mark.parametrize("headers", list(PROXIES.values()), ids=list(PROXIES))
def test_local_mode_refuses_a_same_host_reverse_proxy(local_mode, monkeypatch, headers):
    connect_from(monkeypatch, BrowserConnection("127.0.0.1", headers))
    app = open_app()
    message = refused_alone(app)
    assert "reverse proxy" in message and "phải cấu hình đăng nhập" in message
    app.run()  # a rerun of the same refused session is audited once
    refused_alone(app)
    [row] = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1)).to_dicts()
    assert row["action"] == "access_denied" and '"reason": "local_proxy"' in row["detail"]
    assert row["client"] == "127.0.0.1"


@pytest.mark.parametrize("connection", [None, BrowserConnection(None, LOCAL_BROWSER)],
                         ids=["no client context", "no peer address"])
def test_local_mode_refuses_when_the_browser_address_is_unknown(local_mode, monkeypatch, connection):
    connect_from(monkeypatch, connection)
    message = refused_alone(open_app())
    assert "không xác định được trình duyệt này kết nối từ đâu" in message


def test_local_mode_serves_a_browser_on_this_machine(local_mode):
    app = open_app()  # tests/conftest.py: loopback, no proxy headers
    assert not app.exception and app.metric and not app.error


def test_broken_accounts_file_stops_everyone_with_a_message(accounts):
    accounts.write_text("[users.lanhdao\n", encoding="utf-8")
    app = open_app()
    assert not app.exception
    assert not app.metric and not app.text_input
    assert "bị hỏng" in app.error[0].value


def late_export(app: AppTest, monkeypatch) -> list[dict]:
    """Click the late page's download (through a spy on st.download_button): rows by header."""
    import fastexcel
    import streamlit

    captured = {}
    real = streamlit.download_button

    def spy(label, data, file_name=None, mime=None, **kwargs):
        captured[label] = data
        return real(label, data, file_name, mime, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    app.switch_page("pages/late.py").run()
    assert not app.exception
    sheet = fastexcel.read_excel(captured["Tải danh sách (.xlsx)"]()).load_sheet(0, header_row=None).to_polars()
    rows = [list(r) for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "Mã hồ sơ" in r)
    return [dict(zip(rows[header], r)) for r in rows[header + 1:] if r[rows[header].index("Mã hồ sơ")]]


@pytest.mark.parametrize("username,unmasked", [("chutichxa", False), ("motcua", True)])
def test_late_export_masks_personal_data_unless_the_role_allows(accounts, demo_db, units, monkeypatch, username,
                                                                unmasked):
    a, _ = units
    app = sign_in(open_app(), username)
    exported = late_export(app, monkeypatch)
    assert exported, "the commune has late dossiers in the last complete week"
    with duckdb.connect(str(demo_db), read_only=True) as con:
        raw = dict(con.execute("SELECT dossier_code, applicant_name FROM dossiers WHERE unit_code = $u",
                               {"u": a}).fetchall())
    assert {r["Mã hồ sơ"] for r in exported} <= set(raw)  # only the commune's dossiers
    named = [r for r in exported if raw[r["Mã hồ sơ"]]]
    assert named
    same = [r["Người nộp"] == raw[r["Mã hồ sơ"]] for r in named]
    assert all(same) if unmasked else not any(same)


@pytest.mark.parametrize("username,unmasked", [("motcua", True), ("chutichxa", False)])
def test_opening_a_dossier_is_audited_with_whether_personal_data_was_shown(accounts, demo_db, units, username,
                                                                          unmasked):
    a, _ = units
    code = count(demo_db, "SELECT min(dossier_code) FROM dossiers WHERE unit_code = $u AND timeliness = 'late' "
                          "AND applicant_id_number IS NOT NULL", u=a)
    app = sign_in(open_app({"hs": code}), username)
    app.switch_page("pages/late.py").run()
    assert not app.exception
    shown = " ".join(m.value for m in app.markdown)
    assert f"#### Hồ sơ {code}" in shown
    raw_id = count(demo_db, "SELECT applicant_id_number FROM dossiers WHERE dossier_code = $c", c=code)
    assert (raw_id in shown) is unmasked
    app.run()  # a rerun of the same open dossier is not a new view
    views = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1),
                          actions=["view_dossier"]).to_dicts()
    assert len(views) == 1
    [row] = views
    assert (row["username"], row["unit_codes"]) == (username, [a])
    detail = json.loads(row["detail"])
    assert (detail["dossier"], detail["found"], detail["personal_data"]) == (code, True, unmasked)


def test_commune_leader_sees_his_rank_within_the_group(accounts, demo_db, units):
    """Issue 12: not «Hạng 1/1» — the commune's rank among the whole group, its points against the
    group's median and best, the anonymous distribution, and no other commune's name anywhere."""
    import json
    from datetime import date

    from queries.connection import open_database
    from queries.filters import Scope
    from queries.periods import Period
    from scoring.rank import ranking
    from scoring.scheme import load_scheme

    a, _ = units
    year = Period("year", date(2026, 1, 1), date(2026, 12, 31))
    con = open_database(demo_db)
    province = ranking(con, Scope.province(), load_scheme("chi_so_766"), year, "cap_xa", PINNED_TODAY)
    con.close()
    mine = province.unit(a)
    group = province.ranked.height  # the province view's ranked communes (checked against SQL in test_app_ranking)
    assert mine["rank"] is not None and group > 1
    others = set(province.units.filter(pl.col("unit_code") != a)["unit_name"].to_list())

    app = sign_in(open_app(), "chutichxa")
    app.switch_page("pages/ranking.py").run()
    assert not app.exception
    shown = metrics(app)
    assert shown["Đơn vị được xếp hạng"] == str(group)
    assert shown["Hạng"] == f"{mine['rank']}/{group}"
    table = app.dataframe[0].value
    assert table["Đơn vị"].str.rstrip(" ⚑").tolist() == [mine["unit_name"]]  # his row only
    standing = next(m.value for m in app.markdown if "đứng thứ" in m.value)
    assert f"đứng thứ **{mine['rank']}/{group}**" in standing and "trung vị nhóm" in standing
    # No other commune's name in any table, text or chart of the page.
    words = [m.value for m in app.markdown] + [c.value for c in app.caption] + [i.value for i in app.info]
    words += [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in app.get("plotly_chart")]
    words += [" ".join(map(str, t.value.astype(str).to_numpy().ravel())) for t in app.dataframe]
    words += [o for s in app.selectbox for o in s.options]  # options as shown
    leaked = {name for name in others for text in words if name in text}
    assert not leaked, f"other units named to a commune leader: {sorted(leaked)[:5]}"


# --- accounts managed from the admin page (issue 12, item 5) --------------------------------------------


def admin_page(accounts) -> AppTest:
    app = sign_in(open_app(), "quantri")
    app.switch_page("pages/admin.py").run()
    assert not app.exception
    return app


def submit(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click()
    return app.run()


def user_admin_rows() -> list[dict]:
    import json

    log = audit.entries(datetime.now() - timedelta(hours=1), datetime.now() + timedelta(hours=1), None, ["user_admin"])
    return [{"by": r["username"], "units": r["unit_codes"], **json.loads(r["detail"])} for r in log.iter_rows(named=True)]


def test_admin_adds_an_account_from_the_page(accounts, units):
    from access.signin import authenticate

    a, _ = units
    app = admin_page(accounts)
    app.text_input(key="adm_username").input("phochutich.xa")
    app.text_input(key="adm_name").input("Võ Thị Phó")
    app.selectbox(key="adm_role").set_value("unit_leader")
    app.multiselect(key="adm_units").set_value([a])
    app.text_input(key="adm_password").input("mat-khau-moi-du-dai")
    app.text_input(key="adm_again").input("mat-khau-moi-du-dai")
    app = submit(app, "Thêm tài khoản")
    assert not app.exception and not app.error
    assert "Đã thêm tài khoản «phochutich.xa»" in app.success[0].value
    users = app.dataframe[0].value
    row = users[users["Tên đăng nhập"] == "phochutich.xa"].iloc[0]
    assert row["Vai trò"] == "Lãnh đạo xã, phường, sở, ngành" and row["Trạng thái"] == "Hoạt động"
    assert not any("argon2" in str(v) for t in app.dataframe for v in t.value.to_numpy().ravel())
    # The same rules as `python -m access add`: the account signs in with its password, scoped to its unit.
    assert authenticate("phochutich.xa", "mat-khau-moi-du-dai", None).ok
    assert "$argon2id$" in accounts.read_text(encoding="utf-8")
    [entry] = user_admin_rows()
    assert entry == {"by": "quantri", "units": [a], "command": "add", "target": "phochutich.xa",
                     "role": "unit_leader", "kind": "local", "page": entry["page"]}


@pytest.mark.parametrize("changes, message", [
    ({"adm_password": "ngan", "adm_again": "ngan"}, "Mật khẩu cần ít nhất 10 ký tự."),
    ({"adm_again": "mat-khau-khac-hoan-toan"}, "Hai lần nhập mật khẩu không khớp."),
    ({"adm_units": "two"}, "cần đúng một mã đơn vị"),
    ({"adm_username": "Chủ Tịch"}, "Tên đăng nhập «chủ tịch» không hợp lệ"),
    ({"adm_username": "lanhdao"}, "Đã có tài khoản «lanhdao»"),
])
def test_admin_page_refuses_what_the_rules_refuse(accounts, units, changes, message):
    a, b = units
    before = accounts.read_text(encoding="utf-8")
    app = admin_page(accounts)
    values = {"adm_username": "moi.taikhoan", "adm_name": "Người Mới", "adm_password": "mat-khau-moi-du-dai",
              "adm_again": "mat-khau-moi-du-dai", **changes}
    for key in ("adm_username", "adm_name", "adm_password", "adm_again"):
        app.text_input(key=key).input(values[key])
    app.selectbox(key="adm_role").set_value("unit_leader")
    app.multiselect(key="adm_units").set_value([a, b] if values.get("adm_units") == "two" else [a])
    app = submit(app, "Thêm tài khoản")
    assert not app.exception
    assert any(message in e.value for e in app.error), [e.value for e in app.error]
    assert accounts.read_text(encoding="utf-8") == before  # nothing written
    assert user_admin_rows() == []  # nothing changed, nothing audited as a change


def test_admin_disables_enables_and_resets_but_never_locks_himself_out(accounts):
    from access.signin import authenticate
    from access.users import load_users

    app = admin_page(accounts)
    app.selectbox(key="adm_state_user").set_value("quantri")
    app = submit(app, "Khóa tài khoản")
    assert any("Không thể tự khóa tài khoản đang đăng nhập" in e.value for e in app.error)
    assert not load_users(accounts)["quantri"].disabled

    app.selectbox(key="adm_state_user").set_value("chutichxa")
    app = submit(app, "Khóa tài khoản")
    assert not app.exception and "Đã khóa tài khoản «chutichxa»" in app.success[0].value
    assert load_users(accounts)["chutichxa"].disabled
    assert not authenticate("chutichxa", PASSWORD, None).ok
    app.selectbox(key="adm_state_user").set_value("chutichxa")
    app = submit(app, "Mở lại tài khoản")
    assert not load_users(accounts)["chutichxa"].disabled

    app.selectbox(key="adm_reset_user").set_value("motcua")
    app.text_input(key="adm_reset_password").input("mat-khau-dat-lai-moi")
    app.text_input(key="adm_reset_again").input("mat-khau-dat-lai-moi")
    app = submit(app, "Đặt lại mật khẩu")
    assert not app.exception and "Đã đặt lại mật khẩu cho «motcua»" in app.success[0].value
    assert authenticate("motcua", "mat-khau-dat-lai-moi", None).ok and not authenticate("motcua", PASSWORD, None).ok
    assert [(e["by"], e["command"], e["target"]) for e in reversed(user_admin_rows())] == [
        ("quantri", "disable", "chutichxa"), ("quantri", "enable", "chutichxa"), ("quantri", "reset", "motcua")]
