"""Access layer: roles configuration, password hashes, lockout, session expiry, the accounts CLI, audit."""
from __future__ import annotations

import io
import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from access import audit
from access.network import is_loopback, local_refusal, proxied
from access.roles import ROLES_FILE, RoleError, parse_roles, role, roles
from access.signin import UNKNOWN_CLIENT, WRONG, authenticate, scope_for, session_state
from access.users import (
    AccountError,
    User,
    add_user,
    find_by_email,
    hash_password,
    load_users,
    reset_password,
    set_disabled,
    verify_password,
)
from core.settings import settings

PASSWORD = "mat-khau-du-dai"
UNIT = "20242"  # Phường Hải Châu in the directory
T0 = datetime(2026, 11, 21, 8, 0)


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch):
    """Every test gets its own users file and audit database (never data/)."""
    monkeypatch.setenv("CCHC_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    # Cheaper argon2 parameters keep the suite fast; the hashes stay argon2id and verify the same way.
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("access.users._HASHER", cheap)
    monkeypatch.setattr("access.users._DUMMY_HASH", cheap.hash("not-a-real-password"))
    return tmp_path


@pytest.fixture
def users_file(private_files) -> Path:
    path = private_files / "users.toml"
    add_user(path, "nva", "Nguyễn Văn A", "unit_leader", [UNIT], password=PASSWORD)
    return path


def log(action=None) -> list[dict]:
    rows = audit.entries(datetime(2000, 1, 1), datetime(2100, 1, 1)).to_dicts()
    return [r for r in rows if action is None or r["action"] == action]


# --- roles -----------------------------------------------------------------------------------------


def test_shipped_roles_cover_the_issue():
    known = roles()
    assert {"province_leader", "unit_leader", "office_staff", "data_admin"} <= set(known)
    assert known["province_leader"].units == "all" and not known["province_leader"].personal_data
    assert known["unit_leader"].units == "own" and not known["unit_leader"].personal_data
    assert known["office_staff"].units == "listed" and known["office_staff"].personal_data
    # Rankings name the other units only for the province-wide roles (issue 12).
    assert known["province_leader"].see_peers and known["data_admin"].see_peers
    assert not known["unit_leader"].see_peers and not known["office_staff"].see_peers
    admin = known["data_admin"]
    assert admin.units == "all" and admin.may_load and admin.may_manage_users
    assert admin.may_open("quan-tri") and admin.may_open("du-lieu")
    for name in ("province_leader", "unit_leader", "office_staff"):
        assert not known[name].may_open("quan-tri") and not known[name].may_open("du-lieu")
        assert not known[name].may_load and not known[name].may_manage_users


def test_every_page_of_the_app_is_open_to_some_role():
    # A page nobody may open is a page nobody sees once sign-in is configured.
    import ast

    tree = ast.parse((ROLES_FILE.parent.parent / "dashboard.py").read_text(encoding="utf-8"))
    url_paths = [call.args[3].value for call in ast.walk(tree) if isinstance(call, ast.Call)
                 and getattr(call.func, "id", "") == "PageSpec" and len(call.args) > 3]
    assert "giao-ban" in url_paths
    for url_path in url_paths:
        assert any(r.may_open(url_path) for r in roles().values()), f"no role may open {url_path}"


def spec(**changes) -> dict:
    base = {"label": "Thử", "units": "all", "pages": ["giao-ban"], "personal_data": False, "may_load": False,
            "may_manage_users": False, "may_export": True, "see_peers": False}
    return {"roles": {"thu": {**base, **changes}}}


@pytest.mark.parametrize("changes,message", [
    ({"units": "some"}, "units"),
    ({"personal_data": "yes"}, "personal_data"),
    ({"pages": "giao-ban"}, "pages"),
    ({"label": ""}, "label"),
    ({"may_print": True}, "khóa không biết"),
])
def test_roles_config_is_validated(changes, message):
    with pytest.raises(RoleError, match=message):
        parse_roles(spec(**changes))


def test_roles_config_missing_key_is_refused():
    data = spec()
    del data["roles"]["thu"]["may_export"]
    with pytest.raises(RoleError, match="thiếu khóa"):
        parse_roles(data)


def test_unknown_role_is_refused(private_files):
    with pytest.raises(RoleError, match="không có trong access/roles.toml"):
        role("chairman")
    with pytest.raises(RoleError):
        add_user(private_files / "users.toml", "x1", "X", "chairman", [], password=PASSWORD)
    assert not (private_files / "users.toml").exists()


@pytest.mark.parametrize("role_name,units,ok", [
    ("unit_leader", [UNIT], True),
    ("unit_leader", [], False),
    ("unit_leader", [UNIT, "20209"], False),
    ("office_staff", [UNIT, "20209"], True),
    ("office_staff", [], False),
    ("province_leader", [], True),
    ("province_leader", [UNIT], False),
])
def test_role_unit_rules(private_files, role_name, units, ok):
    path = private_files / "users.toml"
    if ok:
        add_user(path, "u1", "U", role_name, units, password=PASSWORD)
    else:
        with pytest.raises(RoleError):
            add_user(path, "u1", "U", role_name, units, password=PASSWORD)


def test_scope_follows_role_and_units():
    leader = scope_for(User("a", "A", "unit_leader", (UNIT,)))
    assert leader.unit_codes == frozenset({UNIT}) and leader.label == "Phường Hải Châu" and not leader.personal_data
    staff = scope_for(User("b", "B", "office_staff", (UNIT, "20209")))
    assert staff.unit_codes == frozenset({UNIT, "20209"}) and staff.personal_data
    assert not leader.sees_peers and not staff.sees_peers
    province = scope_for(User("c", "C", "province_leader"))
    assert province.unit_codes is None and province.sees_peers


# --- passwords and the file --------------------------------------------------------------------------


def test_hash_is_argon2_and_verifies():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not-a-hash", PASSWORD)


def test_short_password_refused():
    with pytest.raises(AccountError, match="ít nhất"):
        hash_password("ngan")


def test_users_file_round_trip_is_private(users_file):
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    user = load_users(users_file)["nva"]
    assert (user.display_name, user.role, user.unit_codes, user.disabled) == ("Nguyễn Văn A", "unit_leader",
                                                                             (UNIT,), False)
    assert user.created_at and user.created_at == user.updated_at
    assert "Nguyễn Văn A" in users_file.read_text(encoding="utf-8")  # readable, not escaped
    with pytest.raises(AccountError, match="Đã có"):
        add_user(users_file, "NVA", "Khác", "province_leader", [], password=PASSWORD)


def test_oidc_account_has_email_and_no_password(private_files):
    path = private_files / "users.toml"
    add_user(path, "ldt", "Lãnh đạo tỉnh", "province_leader", [], email="LD@DaNang.gov.vn")
    users = load_users(path)
    assert users["ldt"].password_hash is None and users["ldt"].kind == "oidc"
    assert find_by_email(users, "ld@danang.gov.vn").username == "ldt"
    assert find_by_email(users, "other@danang.gov.vn") is None
    assert find_by_email(users, "") is None
    assert not authenticate("ldt", "").ok  # no password: cannot sign in with the form


# --- sign-in and lockout -----------------------------------------------------------------------------


def test_sign_in_success_and_failure_are_audited(users_file):
    assert authenticate("NVA ", PASSWORD, "10.0.0.5", now=T0).ok
    wrong = authenticate("nva", "sai-mat-khau", "10.0.0.5", now=T0 + timedelta(minutes=1))
    assert not wrong.ok and wrong.message == WRONG
    unknown = authenticate("khong-co", PASSWORD, "10.0.0.5", now=T0 + timedelta(minutes=2))
    assert unknown.message == WRONG  # same message: usernames are not revealed
    [ok] = log("sign_in")
    assert (ok["username"], ok["role"], ok["unit_codes"], ok["client"]) == ("nva", "unit_leader", [UNIT], "10.0.0.5")
    reasons = sorted(r["detail"] for r in log("sign_in_failed"))
    assert '"unknown_user"' in reasons[0] + reasons[1] and '"wrong_password"' in reasons[0] + reasons[1]
    assert PASSWORD not in str(log())


def test_five_wrong_passwords_lock_the_username(users_file):
    limit = settings().lockout.max_failures_per_user
    lock = settings().lockout.lock_minutes
    for i in range(limit):
        assert authenticate("nva", f"sai-{i}", f"10.0.0.{i}", now=T0 + timedelta(seconds=i)).message == WRONG
    last = T0 + timedelta(seconds=limit - 1)
    # Even the right password is refused while locked, from any client.
    locked = authenticate("nva", PASSWORD, "10.9.9.9", now=last + timedelta(minutes=1))
    assert not locked.ok and f"sau {lock - 1} phút" in locked.message
    assert authenticate("nva", PASSWORD, "10.9.9.9", now=last + timedelta(minutes=lock, seconds=1)).ok
    # The success resets the count: one more wrong password does not lock again.
    authenticate("nva", "sai", now=last + timedelta(minutes=lock, seconds=2))
    assert authenticate("nva", PASSWORD, now=last + timedelta(minutes=lock, seconds=3)).ok


def test_lock_survives_a_restart(users_file, monkeypatch):
    for i in range(5):
        authenticate("nva", "sai", "10.0.0.1", now=T0)
    # A new process has no memory: the lock is read back from the audit database.
    import importlib

    import access.signin

    importlib.reload(access.signin)
    assert not access.signin.authenticate("nva", PASSWORD, now=T0 + timedelta(minutes=2)).ok


def test_many_usernames_from_one_client_lock_the_client(users_file):
    limit = settings().lockout.max_failures_per_client
    for i in range(limit):
        authenticate(f"doan-{i}", "sai", "10.6.6.6", now=T0)
    assert "quá nhiều lần" in authenticate("nva", PASSWORD, "10.6.6.6", now=T0 + timedelta(minutes=1)).message
    assert authenticate("nva", PASSWORD, "10.7.7.7", now=T0 + timedelta(minutes=1)).ok


def test_clients_the_server_cannot_place_share_one_lockout_count(users_file):
    # Behind a proxy that hides the browser's address the client is None: those attempts are counted
    # together under one key instead of not at all.
    limit = settings().lockout.max_failures_per_client
    for i in range(limit):
        authenticate(f"doan-{i}", "sai", None, now=T0)
    assert "quá nhiều lần" in authenticate("nva", PASSWORD, None, now=T0 + timedelta(minutes=1)).message
    assert {r["client"] for r in log("sign_in_failed")} == {UNKNOWN_CLIENT}
    assert authenticate("nva", PASSWORD, "10.7.7.7", now=T0 + timedelta(minutes=1)).ok  # a known client is not


def test_disabled_account_cannot_sign_in_and_enable_restores(users_file):
    set_disabled(users_file, "nva", True)
    result = authenticate("nva", PASSWORD, now=T0)
    assert not result.ok and "bị khóa" in result.message
    set_disabled(users_file, "nva", False)
    assert authenticate("nva", PASSWORD, now=T0 + timedelta(seconds=1)).ok


def test_reset_password(users_file):
    reset_password(users_file, "nva", "mat-khau-moi-123")
    assert not authenticate("nva", PASSWORD, now=T0).ok
    assert authenticate("nva", "mat-khau-moi-123", now=T0 + timedelta(seconds=1)).ok
    with pytest.raises(AccountError, match="Không có tài khoản"):
        reset_password(users_file, "khong-co", "mat-khau-moi-123")


# --- session expiry ----------------------------------------------------------------------------------


def test_session_expires_when_idle_and_after_its_lifetime():
    idle = settings().session.idle_minutes
    hours = settings().session.absolute_hours
    assert session_state(T0, T0, T0 + timedelta(minutes=idle - 1)) == "ok"
    assert session_state(T0, T0, T0 + timedelta(minutes=idle + 1)) == "idle"
    # Active all along, but older than the absolute lifetime.
    late = T0 + timedelta(hours=hours, minutes=1)
    assert session_state(T0, late - timedelta(minutes=1), late) == "expired"


# --- audit store --------------------------------------------------------------------------------------


def test_audit_is_a_separate_append_only_file(private_files):
    audit.record("export", "nva", "unit_leader", [UNIT], {"file": "bieu06.xlsx"}, "10.0.0.5")
    audit.record("view_late_list", "nva", "unit_leader", [UNIT], {"period": "09/11–15/11/2026"}, "10.0.0.5")
    assert (private_files / "audit.duckdb").exists()
    rows = log()
    assert [r["action"] for r in rows] == ["view_late_list", "export"]  # newest first
    assert rows[1]["detail"] == '{"file": "bieu06.xlsx"}'
    with pytest.raises(ValueError):
        audit.record("delete_everything", "nva")
    # Nothing in the access layer can change or remove a row: only INSERT statements exist.
    source = (ROLES_FILE.parent / "audit.py").read_text(encoding="utf-8").upper()
    assert "UPDATE AUDIT_LOG" not in source and "DELETE FROM" not in source and "DROP " not in source


def test_audit_filters_by_user_and_action():
    audit.record("export", "a", at=T0)
    audit.record("export", "b", at=T0 + timedelta(hours=1))
    audit.record("sign_in", "a", at=T0 + timedelta(hours=2))
    assert audit.entries(T0, T0 + timedelta(days=1), username="a")["action"].to_list() == ["sign_in", "export"]
    assert audit.entries(T0, T0 + timedelta(days=1), actions=["export"])["username"].to_list() == ["b", "a"]
    assert audit.entries(T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)).height == 1
    assert audit.usernames() == ["a", "b"]


# --- command line --------------------------------------------------------------------------------------


def run_cli(args: list[str], stdin: str = "", monkeypatch=None) -> tuple[int, str, str]:
    import contextlib
    import sys

    from access.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_cli_add_disable_enable_reset_list(private_files):
    path = private_files / "users.toml"
    code, out, _ = run_cli(["add", "nva", "--name", "Nguyễn Văn A", "--role", "unit_leader", "--unit", UNIT,
                            "--password-stdin"], PASSWORD + "\n")
    assert code == 0 and "Đã thêm tài khoản «nva»" in out
    assert authenticate("nva", PASSWORD, now=T0).ok
    assert run_cli(["disable", "nva"])[0] == 0 and load_users(path)["nva"].disabled
    assert run_cli(["enable", "nva"])[0] == 0 and not load_users(path)["nva"].disabled
    assert run_cli(["reset", "nva", "--password-stdin"], "mat-khau-moi-123\n")[0] == 0
    assert authenticate("nva", "mat-khau-moi-123", now=T0 + timedelta(seconds=1)).ok
    code, out, _ = run_cli(["list"])
    assert code == 0 and "nva" in out and "Phường" not in out and "$argon2" not in out and "hoạt động" in out
    commands = [r["detail"] for r in log("user_admin")]
    assert len(commands) == 4 and all('"target": "nva"' in d for d in commands)


@pytest.mark.parametrize("args,stdin,message", [
    (["add", "x1", "--name", "X", "--role", "chairman", "--password-stdin"], PASSWORD, "Vai trò «chairman»"),
    (["add", "x1", "--name", "X", "--role", "unit_leader", "--unit", "99999", "--password-stdin"], PASSWORD,
     "Mã đơn vị không có trong danh mục: 99999"),
    (["add", "x1", "--name", "X", "--role", "unit_leader", "--unit", UNIT, "--password-stdin"], "ngan",
     "ít nhất"),
    (["add", "Tên Có Dấu", "--name", "X", "--role", "province_leader", "--password-stdin"], PASSWORD,
     "không hợp lệ"),
    (["disable", "khong-co"], "", "Không có tài khoản"),
    (["reset", "khong-co", "--password-stdin"], PASSWORD, "Không có tài khoản"),
])
def test_cli_refuses_with_a_clear_message(private_files, args, stdin, message):
    code, _, err = run_cli(args, stdin + "\n")
    assert code == 1 and message in err
    assert not load_users(private_files / "users.toml")


def test_cli_add_oidc_user_without_password(private_files):
    code, out, _ = run_cli(["add", "ldt", "--name", "Lãnh đạo", "--role", "province_leader",
                            "--email", "ld@danang.gov.vn"])
    assert code == 0 and "ld@danang.gov.vn" in out
    assert load_users(private_files / "users.toml")["ldt"].kind == "oidc"


# --- modes and safe defaults --------------------------------------------------------------------------


def test_mode_follows_what_is_configured(private_files, monkeypatch):
    from access import config

    secrets = private_files / "secrets.toml"
    monkeypatch.setattr(config, "secrets_paths", lambda: (secrets,))
    assert config.mode() == "local"
    add_user(private_files / "users.toml", "nva", "A", "province_leader", [], email="a@x.gov.vn")
    assert config.mode() == "accounts"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "s"\n'
                       '[auth.keycloak]\nclient_id = "c"\n', encoding="utf-8")
    assert config.mode() == "oidc"
    assert config.oidc_providers(config.oidc_settings()) == ["keycloak"]
    assert config.oidc_providers({"client_id": "c", "cookie_secret": "s"}) == ["default"]


def load_dev():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev_script", ROLES_FILE.parent.parent / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("env,args,address,rest", [
    ({}, [], "127.0.0.1", []),
    ({"CCHC_ADDRESS": "0.0.0.0"}, ["--server.port", "8600"], "0.0.0.0", ["--server.port", "8600"]),
    ({}, ["--server.address", "10.0.0.2", "--server.port", "8600"], "10.0.0.2", ["--server.port", "8600"]),
    ({}, ["--server.address=10.0.0.3"], "10.0.0.3", []),
])
def test_dev_listen_address(monkeypatch, env, args, address, rest):
    monkeypatch.delenv("CCHC_ADDRESS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert load_dev().listen_address(args) == (address, rest)


def test_dev_refuses_the_network_without_sign_in(private_files, monkeypatch, capsys):
    dev = load_dev()
    monkeypatch.setattr(dev, "ensure_venv", lambda extras="": None)
    monkeypatch.setattr(dev.os, "execv", lambda *a: pytest.fail("the app must not start"))
    monkeypatch.setattr("access.config.secrets_paths", lambda: ())
    monkeypatch.setenv("CCHC_ADDRESS", "0.0.0.0")
    assert dev.cmd_app([]) == 2
    assert "Từ chối mở bảng điều hành trên địa chỉ 0.0.0.0: chưa cấu hình đăng nhập" in capsys.readouterr().out


def test_dev_listens_on_the_network_once_accounts_exist(private_files, monkeypatch, tmp_path):
    dev = load_dev()
    started = []
    monkeypatch.setattr(dev, "ensure_venv", lambda extras="": None)
    monkeypatch.setattr(dev.os, "execv", lambda exe, command: started.append(command))
    monkeypatch.setattr(dev.os, "chdir", lambda path: None)
    monkeypatch.setattr("access.config.secrets_paths", lambda: ())
    monkeypatch.setenv("CCHC_ADDRESS", "0.0.0.0")
    monkeypatch.setenv("CCHC_DB", str(tmp_path / "exists.duckdb"))
    (tmp_path / "exists.duckdb").write_bytes(b"")
    add_user(private_files / "users.toml", "qt", "Q", "data_admin", [], email="q@x.gov.vn")
    assert dev.cmd_app([]) == 0
    command = started[0]
    assert command[command.index("--server.address") + 1] == "0.0.0.0"


# --- local mode: a browser on this machine only ---------------------------------------------------------


@pytest.mark.parametrize("address,loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
    ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("::", False), ("10.0.0.2", False),
    ("cchc.danang.gov.vn", False), ("", False), (None, False), ("unix:///tmp/s", False),
])
def test_is_loopback(address, loopback):
    assert is_loopback(address) is loopback


LOCAL = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}


@pytest.mark.parametrize("headers,through_proxy", [
    (LOCAL, False),
    ({"host": "localhost:8600", "origin": "http://localhost:8600"}, False),
    ({"host": "[::1]:8501", "origin": "http://[::1]:8501"}, False),
    ({}, False),  # not a browser: nothing says proxy (the peer address still decides)
    ({**LOCAL, "x-forwarded-for": "203.0.113.9"}, True),
    ({**LOCAL, "forwarded": "for=203.0.113.9"}, True),
    ({**LOCAL, "x-real-ip": "203.0.113.9"}, True),
    ({**LOCAL, "x-forwarded-proto": "https"}, True),
    ({"host": "cchc.danang.gov.vn"}, True),  # nginx passing the public Host on
    ({"host": "127.0.0.1:8501", "origin": "https://cchc.danang.gov.vn"}, True),  # nginx's default Host
])
def test_proxied(headers, through_proxy):
    assert proxied(headers) is through_proxy


@pytest.mark.parametrize("peer,headers,reason", [
    ("127.0.0.1", LOCAL, None),
    ("::1", LOCAL, None),
    ("127.0.0.1", {**LOCAL, "x-forwarded-for": "203.0.113.9"}, "proxy"),
    ("203.0.113.9", {**LOCAL, "x-forwarded-for": "203.0.113.9"}, "proxy"),  # uvicorn took the forwarded address
    (None, {**LOCAL, "x-real-ip": "203.0.113.9"}, "proxy"),
    (None, LOCAL, "unknown"),
    ("127.0.0.1", None, "unknown"),
    ("127.0.0.1", {"host": "127.0.0.1:8501", "origin": "https://cchc.danang.gov.vn"}, "proxy"),
    ("192.168.1.20", {"host": "192.168.1.5:8501"}, "remote"),
    ("192.168.1.20", {}, "remote"),
])
def test_local_refusal(peer, headers, reason):
    assert local_refusal(peer, headers) == reason


def test_cli_load_is_audited(private_files, capsys):
    from etl.__main__ import main as etl_main

    export = private_files / "hai_chau.csv"
    export.write_text("Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái\n"
                      "AUDIT-0001,Phường Hải Châu,20/11/2026 08:00,24/11/2026,Đang xử lý\n", encoding="utf-8")
    assert etl_main(["load", str(export), "--db", str(private_files / "db.duckdb")]) == 0
    [row] = log("load_file")
    assert row["role"] == "cli" and row["client"] == "cli" and row["unit_codes"] is None
    assert '"file": "hai_chau.csv"' in row["detail"] and '"status": "loaded"' in row["detail"]
    assert '"rows_new": 1' in row["detail"]


def test_audit_rows_read_in_vietnamese():
    from reports.audit import audit_csv_bytes, audit_rows

    audit.record("export", "nva", "unit_leader", [UNIT], {"file": "bieu06.xlsx", "page": "bieu-06"}, "10.0.0.5",
                 at=T0)
    audit.record("user_admin", "root", "cli", None, {"command": "disable", "target": "nva"}, "cli",
                 at=T0 + timedelta(minutes=1))
    audit.record("view_late_list", "ld", "province_leader", None, {"period": "Tuần 09/11 – 15/11/2026"},
                 at=T0 + timedelta(minutes=2))
    rows = audit_rows(audit.entries(T0, T0 + timedelta(hours=1)), audit.ACTIONS,
                      {"unit_leader": "Lãnh đạo xã", "cli": "Dòng lệnh"}, {UNIT: "Phường Hải Châu"})
    assert rows == [
        ("21/11/2026 08:02:00", "ld", "province_leader", "Xem danh sách hồ sơ trễ hạn", "Toàn tỉnh",
         "Kỳ: Tuần 09/11 – 15/11/2026", ""),
        ("21/11/2026 08:01:00", "root", "Dòng lệnh", "Quản lý tài khoản", "", "Lệnh: khóa · Tài khoản: nva", "cli"),
        ("21/11/2026 08:00:00", "nva", "Lãnh đạo xã", "Tải tệp xuất", "Phường Hải Châu",
         "Tệp: bieu06.xlsx · Trang: bieu-06", "10.0.0.5"),
    ]
    text = audit_csv_bytes(rows).decode("utf-8-sig")
    assert text.startswith("Thời điểm,Người dùng,Vai trò,Hoạt động,Đơn vị,Chi tiết,Máy truy cập\r\n")


def test_dossier_views_and_local_refusals_read_in_vietnamese():
    from reports.audit import detail_text

    view = {"dossier": "H48-261110-0001", "found": True, "personal_data": False, "page": "tre-han"}
    assert detail_text(json.dumps(view)) == ("Hồ sơ: H48-261110-0001 · Có trong dữ liệu được xem: có · "
                                             "Hiện thông tin cá nhân: không · Trang: tre-han")
    assert detail_text('{"reason": "local_proxy"}') == "Lý do: chế độ máy cục bộ, yêu cầu qua reverse proxy"
    assert "view_dossier" in audit.ACTIONS


def test_broken_users_file_is_a_clear_error(private_files):
    path = private_files / "users.toml"
    path.write_text('[users.nva\nrole = "unit_leader"\n', encoding="utf-8")
    with pytest.raises(AccountError, match="bị hỏng"):
        load_users(path)


def test_first_account_must_manage_accounts_and_nobody_locks_himself_out():
    from access.users import check_first_account, check_not_self

    with pytest.raises(AccountError, match="Tài khoản đầu tiên sẽ bật chế độ đăng nhập"):
        check_first_account({}, "unit_leader")
    check_first_account({}, "data_admin")  # the first account may be an administrator
    check_first_account({"a": User("a", "A", "data_admin")}, "unit_leader")  # later ones any role
    with pytest.raises(AccountError, match="Không thể tự khóa"):
        check_not_self("quantri", "quantri")
    check_not_self("quantri", "chutich")
