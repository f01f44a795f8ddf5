"""UI admin: the accounts (never their password hashes) with the forms that add, disable, enable
and reset them, and the audit log, in Vietnamese. The rules are access/'s (access.users: password
length, role and units, unit codes known to the directory), as for `python -m access`; every change
is audited with the administrator's name."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from access.roles import RoleError, roles
from access.users import (
    AccountError,
    User,
    add_user,
    check_first_account,
    check_not_self,
    load_users,
    reset_password,
    set_disabled,
)
from core.settings import settings
from reports.audit import HEADERS
from ui.auth import audit
from ui.session import Viewer

_DONE = "_adm_done"  # the last change's message, shown after the rerun that redraws the table


def role_labels() -> dict[str, str]:
    return {name: spec.label for name, spec in roles().items()} | {"local": "Máy cục bộ", "cli": "Dòng lệnh"}


def users_table(users: dict[str, User], unit_names: dict[str, str]) -> None:
    if not users:
        st.info("Chưa có tài khoản nào: tạo ở mục «Thêm tài khoản» bên dưới, hoặc trên máy chủ bằng lệnh "
                "`python -m access add TÊN --name \"Họ tên\" --role VAI_TRÒ --unit MÃ_ĐƠN_VỊ`.", icon=":material/info:")
        return
    labels = role_labels()
    rows = [{
        "Tên đăng nhập": u.username,
        "Họ tên": u.display_name,
        "Vai trò": labels.get(u.role, f"{u.role} (không có trong cấu hình)"),
        "Đơn vị": ", ".join(unit_names.get(c, c) for c in u.unit_codes) or "Toàn tỉnh",
        "Cách đăng nhập": f"Tài khoản cơ quan ({u.email})" if u.kind == "oidc" else "Mật khẩu",
        "Trạng thái": "Đã khóa" if u.disabled else "Hoạt động",
        "Tạo lúc": _when(u.created_at),
        "Sửa lúc": _when(u.updated_at),
    } for u in sorted(users.values(), key=lambda u: u.username)]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")


def _when(stamp: str) -> str:
    """'2026-11-22T17:09:09' → '17:09 22/11/2026'."""
    if len(stamp) < 16:
        return stamp
    return f"{stamp[11:16]} {stamp[8:10]}/{stamp[5:7]}/{stamp[:4]}"


def audit_table(rows: list[tuple]) -> None:
    st.dataframe(pl.DataFrame(rows, schema=list(HEADERS), orient="row"),
                 hide_index=True, width="stretch", height=min(560, 38 + 35 * len(rows)),
                 column_config={"Chi tiết": st.column_config.TextColumn(width="large")})


# --- account changes ------------------------------------------------------------------------------


def account_forms(path: Path, viewer: Viewer, unit_names: dict[str, str]) -> None:
    """Add an account, disable or enable one, reset a password: the same rules as `python -m access`."""
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    users = load_users(path)
    add_tab, state_tab, reset_tab = st.tabs(["Thêm tài khoản", "Khóa / mở lại", "Đặt lại mật khẩu"])
    with add_tab:
        _add_form(path, users, unit_names)
    with state_tab:
        _state_form(path, users, viewer)
    with reset_tab:
        _reset_form(path, users)


def _changed(message: str, command: str, target: str, unit_codes=None, **detail) -> None:
    """Audit the change under the administrator's name (unit_codes: the units the account is given),
    then redraw with the message."""
    audit("user_admin", unit_codes=unit_codes, command=command, target=target, **detail)
    st.session_state[_DONE] = message
    st.rerun()


def _add_form(path: Path, users: dict[str, User], unit_names: dict[str, str]) -> None:
    known = roles()
    minimum = settings().accounts.min_password_length
    if not users:
        st.caption("Tài khoản đầu tiên bật chế độ đăng nhập cho cả bảng điều hành: tạo tài khoản quản trị dữ liệu "
                   "trước, rồi đăng nhập bằng tài khoản đó.")
    # Cleared on submit: a password never stays in the page (a refused form is typed again).
    with st.form("adm_add", clear_on_submit=True, border=True):
        left, right = st.columns(2)
        username = left.text_input("Tên đăng nhập", key="adm_username", placeholder="ví dụ: chutich.haichau",
                                   help="2–40 ký tự chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
        name = right.text_input("Họ tên", key="adm_name")
        role_name = left.selectbox("Vai trò", list(known), key="adm_role", format_func=lambda r: known[r].label)
        units = right.multiselect("Đơn vị", list(unit_names), key="adm_units", format_func=unit_names.get,
                                  placeholder="Để trống với vai trò xem toàn tỉnh",
                                  help="Lãnh đạo xã, phường, sở, ngành: đúng một đơn vị; cán bộ một cửa: các đơn vị "
                                       "được giao; lãnh đạo tỉnh, quản trị dữ liệu: để trống.")
        how = st.radio("Cách đăng nhập", ["password", "oidc"], horizontal=True, key="adm_how",
                       format_func={"password": "Mật khẩu", "oidc": "Tài khoản cơ quan (email)"}.get)
        left, right = st.columns(2)
        password = left.text_input("Mật khẩu", type="password", key="adm_password", autocomplete="new-password",
                                   help=f"Ít nhất {minimum} ký tự; chỉ dùng khi đăng nhập bằng mật khẩu.")
        again = right.text_input("Nhập lại mật khẩu", type="password", key="adm_again", autocomplete="new-password")
        email = st.text_input("Email (đăng nhập qua hệ thống xác thực của cơ quan)", key="adm_email",
                              help="Chỉ dùng khi chọn «Tài khoản cơ quan»; tài khoản đó không có mật khẩu.")
        submitted = st.form_submit_button("Thêm tài khoản", type="primary")
    if not submitted:
        return
    oidc = how == "oidc"
    try:
        if not oidc and password != again:
            raise AccountError("Hai lần nhập mật khẩu không khớp.")
        check_first_account(users, role_name)
        user = add_user(path, username, name, role_name, units, password=None if oidc else password,
                        email=email if oidc else None, known_units=set(unit_names))
    except (AccountError, RoleError) as error:
        st.error(str(error), icon=":material/warning:")
        return
    _changed(f"Đã thêm tài khoản «{user.username}» ({user.display_name}, {known[user.role].label}).", "add",
             user.username, unit_codes=list(user.unit_codes), role=user.role, kind=user.kind)


def _state_form(path: Path, users: dict[str, User], viewer: Viewer) -> None:
    if not users:
        st.caption("Chưa có tài khoản nào.")
        return
    with st.form("adm_state", border=True):
        target = st.selectbox("Tài khoản", sorted(users), key="adm_state_user", format_func=lambda u: _account_label(users[u]))
        left, right = st.columns(2)
        disable = left.form_submit_button("Khóa tài khoản", icon=":material/lock:")
        enable = right.form_submit_button("Mở lại tài khoản", icon=":material/lock_open:")
    if not (disable or enable):
        return
    try:
        if disable:
            check_not_self(viewer.username, target)
        set_disabled(path, target, disable)
    except AccountError as error:
        st.error(str(error), icon=":material/warning:")
        return
    if disable:
        _changed(f"Đã khóa tài khoản «{target}»: phiên đang mở của người này kết thúc ở thao tác tiếp theo.",
                 "disable", target)
    else:
        _changed(f"Đã mở lại tài khoản «{target}».", "enable", target)


def _reset_form(path: Path, users: dict[str, User]) -> None:
    local = sorted(u for u, user in users.items() if user.kind == "local")
    if not local:
        st.caption("Không có tài khoản đăng nhập bằng mật khẩu (tài khoản cơ quan đổi mật khẩu ở hệ thống xác thực "
                   "của cơ quan).")
        return
    minimum = settings().accounts.min_password_length
    with st.form("adm_reset", clear_on_submit=True, border=True):
        target = st.selectbox("Tài khoản", local, key="adm_reset_user", format_func=lambda u: _account_label(users[u]))
        left, right = st.columns(2)
        password = left.text_input("Mật khẩu mới", type="password", key="adm_reset_password", autocomplete="new-password",
                                   help=f"Ít nhất {minimum} ký tự. Báo mật khẩu cho người dùng qua kênh riêng.")
        again = right.text_input("Nhập lại mật khẩu mới", type="password", key="adm_reset_again", autocomplete="new-password")
        submitted = st.form_submit_button("Đặt lại mật khẩu", type="primary")
    if not submitted:
        return
    try:
        if password != again:
            raise AccountError("Hai lần nhập mật khẩu không khớp.")
        reset_password(path, target, password)
    except AccountError as error:
        st.error(str(error), icon=":material/warning:")
        return
    _changed(f"Đã đặt lại mật khẩu cho «{target}».", "reset", target)


def _account_label(user: User) -> str:
    state = " — đã khóa" if user.disabled else ""
    return f"{user.username} ({user.display_name}){state}"
