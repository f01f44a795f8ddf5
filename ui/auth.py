"""UI sign-in: the sign-in page, the signed-in viewer for the frame, sign-out, audited actions.

The rules (passwords, lockout, session lifetime, roles) live in `access/`; this module only draws
and keeps the signed-in state in the Streamlit session. Three modes (access.config.mode):
local (no accounts configured: one local viewer, loopback only), accounts (users file with
passwords) and oidc (st.login through the organisation's identity provider; the users file maps
each email to a role and units; password accounts in the same file still work).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st
from streamlit.runtime import context as st_context

from access import audit as audit_log
from access.config import mode, oidc_providers, oidc_settings, users_path
from access.network import REFUSALS, local_refusal
from access.roles import RoleError, role
from access.signin import authenticate, current_account, scope_for, session_state
from access.users import AccountError, User, find_by_email, load_users
from core.settings import settings
from queries.filters import Scope
from ui.session import Viewer, current_viewer, set_viewer

LOCAL_ROLE = "local"
LOCAL_NOTICE = "Chế độ máy cục bộ: chưa cấu hình đăng nhập, chỉ truy cập được từ máy này"
_AUTH = "_auth"  # {"username", "method", "started", "last_seen"} of the signed-in user
_NOTICE = "_auth_notice"  # message for the sign-in page after a sign-out or expiry
_LAST = "_audit_last"  # last audited signature per action, to log a view once, not on every rerun
_SEEN = "_audit_seen"  # (action, signature) recorded once for the whole session (see audit)
_REFUSED = "_local_refusal_logged"  # a refused local-mode session is audited once, not on every rerun
_LINKS: tuple[str, ...] = ()  # the app's url_paths (the same for every session), see sign_in


# --- the frame's entry point ------------------------------------------------------------------------


def sign_in(url_paths=()) -> Viewer:
    """The signed-in viewer, recorded for the pages. Without one, draw the sign-in page and stop.

    url_paths: every page of the app; a link to one of them opens the sign-in page (no "page not
    found"), and after signing in the viewer lands on the page the link named, if the role allows."""
    global _LINKS
    _LINKS = tuple(url_paths)
    if mode() == "local":
        _local_guard()
        scope = Scope.province(personal_data=settings().privacy.show_personal_data)
        viewer = Viewer("local", "Người dùng trên máy này", LOCAL_ROLE, scope)
        set_viewer(viewer)
        return viewer
    try:
        user = _signed_in_user()
    except AccountError as error:  # the accounts file is unreadable: nobody signs in until it is fixed
        refuse(str(error))
    if user is None:
        _gate(_sign_in_page, "Đăng nhập")
    viewer = Viewer(user.username, user.display_name, user.role, scope_for(user))
    set_viewer(viewer)
    return viewer


def _local_guard() -> None:
    """Local mode has no sign-in: refuse (audited once per session) anything but a browser on this
    machine talking to the server directly (access/network.py says why for each case)."""
    peer, headers = _connection()
    reason = local_refusal(peer, headers)
    if reason is None:
        return
    if not st.session_state.get(_REFUSED):
        audit_log.record("access_denied", "?", None, detail={"reason": f"local_{reason}"}, client=peer)
        st.session_state[_REFUSED] = True
    refuse(REFUSALS[reason])


def may_open(viewer: Viewer, url_path: str) -> bool:
    """May this viewer open the page with this url_path? (the local viewer may open every page)"""
    return viewer.role == LOCAL_ROLE or role(viewer.role).may_open(url_path)


def may(viewer: Viewer, right: str) -> bool:
    """right: 'load', 'manage_users' or 'export' (the local viewer has every right)."""
    return viewer.role == LOCAL_ROLE or getattr(role(viewer.role), f"may_{right}")


def role_label(viewer: Viewer) -> str:
    return "Máy cục bộ" if viewer.role == LOCAL_ROLE else role(viewer.role).label


def account_box(viewer: Viewer) -> None:
    """Sidebar: who is signed in, with which role and scope, and the sign-out button."""
    if viewer.role == LOCAL_ROLE:
        st.caption(f":material/lock_open: {LOCAL_NOTICE}.")
        return
    scope = viewer.scope.label or "Toàn tỉnh"
    personal = "xem được thông tin cá nhân" if viewer.scope.personal_data else "thông tin cá nhân được che"
    st.markdown(f":material/account_circle: **{viewer.display_name}**  \n"
                f"<small>{role_label(viewer)} · {scope} · {personal}</small>", unsafe_allow_html=True)
    if st.button("Đăng xuất", icon=":material/logout:", key="auth_sign_out"):
        sign_out("sign_out")
    _expiry_watch()


def sign_out(action: str = "sign_out", notice: str = "Bạn đã đăng xuất.") -> None:
    """End the session (audited), then show the sign-in page."""
    state = st.session_state.pop(_AUTH, None)
    viewer = st.session_state.get("_viewer")
    if viewer is not None:
        _record(action, viewer, {"method": (state or {}).get("method", "")})
    # Forget everything of this session (filters, picks, caches of views): the next user starts clean.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_NOTICE] = notice
    if state and state.get("method") == "oidc":
        st.logout()
    st.rerun()


# --- audit -----------------------------------------------------------------------------------------


def audit(action: str, unit_codes=None, *, once_per_session: bool = False, **detail) -> None:
    """Record what the viewer did (view_late_list, view_dossier, export, load_file …). A view
    repeated by a rerun with the same details is recorded once; with once_per_session, the same
    details are recorded once in the session whatever came between (a dossier opened, closed and
    opened again is one row; signing in again starts a new session)."""
    viewer = current_viewer()
    signature = (tuple(sorted(unit_codes or ())), tuple(sorted((k, str(v)) for k, v in detail.items())))
    last = st.session_state.setdefault(_LAST, {})
    seen = st.session_state.setdefault(_SEEN, set())
    if action.startswith("view_") and last.get(action) == signature or (action, signature) in seen:
        return
    _record(action, viewer, detail, unit_codes)
    last[action] = signature
    if once_per_session:
        seen.add((action, signature))


def download(label: str, data: Callable[[], bytes], file_name: str, mime: str, *, unit_codes=None,
             **kwargs) -> None:
    """A download button whose file is made (and the export audited) when the viewer clicks it.
    unit_codes: the units the file covers (default: the viewer's scope). A role without the
    export right sees why instead of the button."""
    viewer = current_viewer()
    if not may(viewer, "export"):
        st.caption("Vai trò của bạn không được tải tệp xuất.")
        return
    client = _client()
    page = _page_name()
    units = sorted(unit_codes) if unit_codes else _scope_units(viewer)

    def produce() -> bytes:
        # Runs outside the script: no Streamlit calls here, only the audit write and the file.
        audit_log.record("export", viewer.username, viewer.role, units, {"file": file_name, "page": page}, client)
        return data()

    st.download_button(label, produce, file_name, mime, **kwargs)


def _record(action: str, viewer: Viewer, detail: dict, unit_codes=None) -> None:
    units = sorted(unit_codes) if unit_codes else _scope_units(viewer)
    audit_log.record(action, viewer.username, viewer.role, units, {**detail, "page": _page_name()}, _client())


def _scope_units(viewer: Viewer) -> list[str] | None:
    return sorted(viewer.scope.unit_codes) if viewer.scope.unit_codes is not None else None


def _connection() -> tuple[str | None, dict[str, str] | None]:
    """The browser's TCP peer address as the server saw it, and the headers of its first request
    (lower-case names); None for what the server does not know.

    Read from the client context behind st.context, because st.context.ip_address says None both
    for a loopback peer and for an unknown one, and local mode must tell them apart (the function
    is Streamlit's own, private: should it go away, every page fails instead of opening). The server
    (uvicorn) replaces the peer by the X-Forwarded-For address only when the proxy is trusted
    (FORWARDED_ALLOW_IPS, default the loopback addresses)."""
    context = st_context._get_client_context()
    if context is None:
        return None, None
    address = getattr(context, "remote_ip", None)
    try:
        headers = {str(name).lower(): str(value) for name, value in context.headers}
    except (TypeError, ValueError):
        headers = None
    return (address if isinstance(address, str) and address else None), headers


def _client() -> str | None:
    """The browser's address for the audit log and the lockout (None: unknown)."""
    return _connection()[0]


def _page_name() -> str:
    url = st.context.url
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""


# --- signed-in state --------------------------------------------------------------------------------


def _signed_in_user() -> User | None:
    """The user of this session, after checking the account is still valid and the session fresh."""
    now = datetime.now()
    state = st.session_state.get(_AUTH)
    if state is None and mode() == "oidc" and st.user.is_logged_in:
        state = _oidc_session(now)
    if state is None:
        return None
    user = current_account(state["username"])
    if user is None:
        sign_out("session_expired", "Tài khoản đã bị khóa hoặc xóa. Liên hệ quản trị dữ liệu.")
    try:
        role(user.role)
    except RoleError:
        sign_out("session_expired", f"Vai trò «{user.role}» không còn trong cấu hình. Liên hệ quản trị dữ liệu.")
    verdict = session_state(state["started"], state["last_seen"], now)
    if verdict != "ok":
        why = ("Phiên làm việc đã hết hạn sau {} giờ.".format(settings().session.absolute_hours)
               if verdict == "expired" else
               "Phiên làm việc đã kết thúc vì không thao tác trong {} phút.".format(
                   settings().session.idle_minutes))
        sign_out("session_expired", why + " Hãy đăng nhập lại.")
    state["last_seen"] = now
    return user


def _oidc_session(now: datetime) -> dict | None:
    """First run of a session signed in through the identity provider: map the email to an account."""
    email = st.user.get("email")
    user = find_by_email(load_users(users_path()), email)
    if user is None or user.disabled:
        if not st.session_state.get("_auth_denied_logged"):
            audit_log.record("access_denied", str(email or st.user.get("sub") or "?"), None,
                             detail={"method": "oidc", "disabled": bool(user)}, client=_client())
            st.session_state["_auth_denied_logged"] = True
        _gate(_not_permitted_page, "Chưa được cấp quyền")
    issued = st.user.get("iat")
    started = datetime.fromtimestamp(issued) if isinstance(issued, (int, float)) else now
    state = {"username": user.username, "method": "oidc", "started": started, "last_seen": now}
    st.session_state[_AUTH] = state
    audit_log.record("sign_in", user.username, user.role, user.unit_codes or None, {"method": "oidc"}, _client())
    return state


@st.fragment(run_every=60)
def _expiry_watch() -> None:
    """Once a minute, end an idle session even when the viewer does nothing (a full rerun does it)."""
    state = st.session_state.get(_AUTH)
    if state and session_state(state["started"], state["last_seen"], datetime.now()) != "ok":
        st.rerun(scope="app")


# --- pages shown before sign-in ---------------------------------------------------------------------


def _gate(page: Callable[[], None], title: str) -> None:
    """Show only this page (no navigation, no other page reachable), then stop the frame."""
    pages = [st.Page(page, title=title, icon=":material/lock:", url_path="dang-nhap", default=True)]
    pages += [st.Page(page, title=title, icon=":material/lock:", url_path=path) for path in _LINKS]
    st.navigation(pages, position="hidden").run()
    st.stop()


# A public building (drawn, not an emoji: a browser without an emoji font shows an empty box).
_EMBLEM = ("<svg width='52' height='52' viewBox='0 0 24 24' fill='#31333F' role='img' aria-label='Trụ sở'>"
           "<path d='M12 1.5 2 6.5V9h20V6.5z'/><path d='M4 10.5h2.5v7H4zm4.8 0h2.5v7H8.8zm3.9 0h2.5v7h-2.5zm4.8 "
           "0H20v7h-2.5z'/><path d='M2 19h20v3H2z'/></svg>")


def _header() -> None:
    from core.units import directory

    st.markdown(f"<div style='text-align:center;margin-top:3rem'>{_EMBLEM}"
                f"<div style='font-size:1.6rem;font-weight:700;line-height:1.3'>Bảng điều hành<br>"
                f"cải cách hành chính</div>"
                f"<p style='color:#555;margin-top:0.4rem'>{directory()['province_name'][0]}</p></div>",
                unsafe_allow_html=True)


def _sign_in_page() -> None:
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        _header()
        notice = st.session_state.pop(_NOTICE, None)
        if notice:
            st.info(notice, icon=":material/info:")
        auth = oidc_settings()
        if auth:
            for provider in oidc_providers(auth):
                name = "" if provider == "default" else f" ({provider})"
                if st.button(f"Đăng nhập bằng tài khoản cơ quan{name}", type="primary", width="stretch",
                             icon=":material/badge:", key=f"auth_oidc_{provider}"):
                    st.login(provider)
        try:
            users = load_users(users_path())
        except AccountError as error:
            st.error(str(error), icon=":material/warning:")
            return
        if any(u.password_hash for u in users.values()):
            if auth:
                st.caption("Hoặc đăng nhập bằng tài khoản do quản trị dữ liệu cấp:")
            _password_form()
        elif not auth:
            st.warning("Chưa có tài khoản nào. Quản trị dữ liệu tạo tài khoản trên máy chủ bằng lệnh "
                       "`python -m access add TÊN --name \"Họ tên\" --role VAI_TRÒ --unit MÃ_ĐƠN_VỊ`.", icon=":material/warning:")


def _password_form() -> None:
    with st.form("auth_form", border=True):
        username = st.text_input("Tên đăng nhập", key="auth_username", autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", key="auth_password", autocomplete="current-password")
        submitted = st.form_submit_button("Đăng nhập", type="primary", width="stretch")
    problem = _check_password(username, password) if submitted else None
    if problem:
        st.error(problem)
    st.caption("Quên mật khẩu hoặc tài khoản bị khóa? Liên hệ quản trị dữ liệu của đơn vị. "
               f"Phiên làm việc tự kết thúc sau {settings().session.idle_minutes} phút không thao tác.")


def _check_password(username: str, password: str) -> str | None:
    """Sign in with the form's values: None on success (the app reruns signed in), else the message."""
    if not username.strip() or not password:
        return "Hãy nhập tên đăng nhập và mật khẩu."
    try:
        result = authenticate(username, password, _client())
    except audit_log.AuditError:
        return "Không ghi được nhật ký truy cập nên chưa thể đăng nhập. Báo quản trị dữ liệu kiểm tra máy chủ."
    if not result.ok:
        return result.message
    now = datetime.now()
    st.session_state[_AUTH] = {"username": result.user.username, "method": "password", "started": now,
                               "last_seen": now}
    st.session_state.pop(_LAST, None)
    st.session_state.pop(_SEEN, None)
    st.rerun()


def _not_permitted_page() -> None:
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        _header()
        email = st.user.get("email") or ""
        st.error(f"Tài khoản chưa được cấp quyền: {email} đã đăng nhập qua hệ thống xác thực của cơ quan nhưng "
                 "chưa được giao vai trò trên bảng điều hành. Hãy gửi địa chỉ thư này cho quản trị dữ liệu để "
                 "được cấp quyền.", icon=":material/lock:")
        if st.button("Đăng xuất", icon=":material/logout:", key="auth_denied_sign_out"):
            st.logout()


def refuse(message: str) -> None:
    """Stop the frame with only this message (and sign-out) on screen: no page is reachable."""
    def page() -> None:
        _, middle, _ = st.columns([1, 1.2, 1])
        with middle:
            _header()
            st.error(message, icon=":material/lock:")
            if st.session_state.get(_AUTH) and st.button("Đăng xuất", icon=":material/logout:", key="auth_refuse_out"):
                sign_out()

    _gate(page, "Không có quyền")


def forbidden(title: str, url_path: str) -> st.Page:
    """A hidden stand-in for a page the role may not open: a link to it says so, in Vietnamese,
    instead of Streamlit's "page not found"; the page's own file never runs."""
    def page() -> None:
        st.title(title)
        st.warning(f"Vai trò của bạn không được mở trang «{title}». Các trang bạn được dùng ở thanh bên; "
                   "nếu cần thêm quyền, hãy liên hệ quản trị dữ liệu.", icon=":material/lock:")

    return st.Page(page, title=title, url_path=url_path, visibility="hidden")
