"""Access layer sign-in rules: password check with lockout, session lifetime, the viewer's scope.

Never imports Streamlit: ui/auth.py draws the form and calls these.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from access import audit
from access.config import users_path
from access.roles import Role, RoleError, role
from access.users import User, load_users, verify_password
from core.settings import settings
from core.units import directory
from queries.filters import Scope

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
# The client key of every attempt whose browser address the server could not see (a proxy that does
# not pass it on, a transport without one). They share one failure count: a shared lock can block
# honest people behind that proxy for a while, but no count at all would let anyone there try
# passwords without limit. Passing the browser's address on (README, Chạy sau reverse proxy) gives
# each browser its own count again.
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    message: str = ""  # why it failed, in Vietnamese; empty on success

    @property
    def ok(self) -> bool:
        return self.user is not None


def _locked(username: str, client: str, now: datetime) -> int:
    """Minutes left on a lock of this username or client (0 = not locked)."""
    rules = settings().lockout
    since = now - timedelta(minutes=rules.window_minutes)
    left = 0
    count, latest = audit.failures_since(since, username=username)
    if count >= rules.max_failures_per_user:
        left = audit.minutes_left(latest, rules.lock_minutes, now)
    count, latest = audit.failures_since(since, client=client)
    if count >= rules.max_failures_per_client:
        left = max(left, audit.minutes_left(latest, rules.lock_minutes, now))
    return left


def authenticate(username: str, password: str, client: str | None = None, now: datetime | None = None,
                 path: Path | None = None) -> SignInResult:
    """Check a local account's password, enforcing the lockout; every attempt is audited.
    client: the browser's address; None (unknown) is counted and recorded as UNKNOWN_CLIENT."""
    now = now or datetime.now()
    client = client or UNKNOWN_CLIENT
    name = (username or "").strip().lower()
    left = _locked(name, client, now)
    if left:
        audit.record("sign_in_failed", name, detail={"reason": "locked"}, client=client, at=now)
        return SignInResult(None, f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {left} phút, hoặc nhờ quản trị "
                                  "dữ liệu đặt lại mật khẩu.")
    user = load_users(path or users_path()).get(name)
    matches = verify_password(user.password_hash if user else None, password or "")
    if not matches:
        audit.record("sign_in_failed", name, user.role if user else None,
                     detail={"reason": "wrong_password" if user else "unknown_user"}, client=client, at=now)
        return SignInResult(None, WRONG)
    if user.disabled:
        audit.record("sign_in_failed", name, user.role, detail={"reason": "disabled"}, client=client, at=now)
        return SignInResult(None, "Tài khoản này đã bị khóa. Liên hệ quản trị dữ liệu để mở lại.")
    try:
        role(user.role)
    except RoleError:
        audit.record("sign_in_failed", name, user.role, detail={"reason": "unknown_role"}, client=client, at=now)
        return SignInResult(None, f"Vai trò «{user.role}» của tài khoản không còn trong cấu hình. "
                                  "Liên hệ quản trị dữ liệu.")
    audit.record("sign_in", name, user.role, user.unit_codes or None, {"method": "password"}, client, at=now)
    return SignInResult(user)


def session_state(started_at: datetime, last_seen_at: datetime, now: datetime) -> str:
    """'ok', 'idle' (no action for idle_minutes) or 'expired' (older than absolute_hours)."""
    rules = settings().session
    if now - started_at > timedelta(hours=rules.absolute_hours):
        return "expired"
    if now - last_seen_at > timedelta(minutes=rules.idle_minutes):
        return "idle"
    return "ok"


def current_account(username: str, path: Path | None = None) -> User | None:
    """The account as the file says now (None when removed or disabled), re-read on every run so that
    `python -m access disable` takes effect at the user's next action."""
    user = load_users(path or users_path()).get(username)
    return None if user is None or user.disabled else user


def user_role(user: User) -> Role:
    return role(user.role)


def _unit_names() -> dict[str, str]:
    units = directory()
    return dict(zip(units["unit_code"].to_list(), units["unit_name"].to_list()))


def scope_for(user: User) -> Scope:
    """The units and personal-data right the user's role and account give."""
    spec = role(user.role)
    if spec.units == "all":
        return Scope.province(personal_data=spec.personal_data)
    names = _unit_names()
    labels = [names.get(c, c) for c in sorted(user.unit_codes)]
    label = labels[0] if len(labels) == 1 else f"{len(labels)} đơn vị: " + ", ".join(labels[:3]) + (
        "…" if len(labels) > 3 else "")
    return Scope(frozenset(user.unit_codes), label, spec.personal_data, spec.see_peers)
