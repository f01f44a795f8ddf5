"""Access layer accounts: the local users file (TOML, argon2 hashes) and its edits; never imports Streamlit.

One entry per user under [users.<username>]. A local account has `password_hash`; an account
for the organisation's identity provider (OIDC) has `email` and no password. The file lives
outside the code (see access.config.users_path) and is written atomically, readable by its owner only.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from access.roles import RoleError, role, roles
from core.settings import settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


class AccountError(ValueError):
    """An account change the rules refuse; the message says what to do, in Vietnamese."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    unit_codes: tuple[str, ...] = ()
    email: str | None = None
    password_hash: str | None = None
    disabled: bool = False
    created_at: str = ""
    updated_at: str = ""

    @property
    def kind(self) -> str:
        return "oidc" if self.email and not self.password_hash else "local"


# --- passwords --------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    minimum = settings().accounts.min_password_length
    if len(password) < minimum:
        raise AccountError(f"Mật khẩu cần ít nhất {minimum} ký tự.")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one argon2 verification, even with no hash."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- the file ---------------------------------------------------------------------------------------


def load_users(path: Path) -> dict[str, User]:
    """Every account in the file by username; an absent file has none."""
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise AccountError(f"Tệp tài khoản {path} bị hỏng ({error}). Sửa lại tệp hoặc khôi phục bản sao lưu; "
                           "chỉ nên sửa tệp bằng lệnh python -m access.") from error
    users = {}
    for name, entry in (data.get("users") or {}).items():
        users[name] = User(
            username=name, display_name=entry.get("display_name", name), role=entry.get("role", ""),
            unit_codes=tuple(entry.get("unit_codes", ())), email=(entry.get("email") or None),
            password_hash=entry.get("password_hash") or None, disabled=bool(entry.get("disabled", False)),
            created_at=str(entry.get("created_at", "")), updated_at=str(entry.get("updated_at", "")),
        )
    return users


def save_users(path: Path, users: dict[str, User]) -> None:
    """Write the file atomically (temporary file, then replace), readable by its owner only."""
    lines = ["# Tài khoản bảng điều hành CCHC. Sửa bằng: python -m access add|disable|enable|reset|list",
             "# Không đưa tệp này vào kho mã (chứa mã băm mật khẩu).", ""]
    for user in sorted(users.values(), key=lambda u: u.username):
        lines.append(f"[users.{_toml(user.username)}]")
        for key, value in asdict(user).items():
            if key == "username" or value is None:
                continue
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _toml(value) -> str:
    """A TOML value: JSON's string escapes are valid TOML basic strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


# --- edits ------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def check_user(user: User, known_units: set[str] | None = None) -> None:
    """Raise AccountError/RoleError when the entry breaks a rule (role, units, name, email)."""
    if not USERNAME.match(user.username):
        raise AccountError(f"Tên đăng nhập «{user.username}» không hợp lệ: 2–40 ký tự chữ thường không dấu, "
                           "số, dấu chấm, gạch ngang hoặc gạch dưới.")
    spec = role(user.role)
    spec.check_units(user.unit_codes)
    if known_units is not None:
        unknown = [c for c in user.unit_codes if c not in known_units]
        if unknown:
            raise AccountError(f"Mã đơn vị không có trong danh mục: {', '.join(unknown)}. "
                               "Xem danh mục: python -m etl status.")
    if user.email is not None and not EMAIL.match(user.email):
        raise AccountError(f"Địa chỉ thư «{user.email}» không hợp lệ.")
    if not user.email and not user.password_hash:
        raise AccountError("Tài khoản cần mật khẩu (đăng nhập tại máy chủ) hoặc email (đăng nhập qua hệ thống "
                           "xác thực của cơ quan).")


def add_user(path: Path, username: str, display_name: str, role_name: str, unit_codes=(),
             password: str | None = None, email: str | None = None,
             known_units: set[str] | None = None) -> User:
    users = load_users(path)
    username = username.strip().lower()
    if username in users:
        raise AccountError(f"Đã có tài khoản «{username}». Đổi mật khẩu: python -m access reset {username}.")
    email = email.strip().lower() if email else None
    if email and any(u.email == email for u in users.values()):
        raise AccountError(f"Email {email} đã gắn với một tài khoản khác.")
    spec = role(role_name)  # unknown role or wrong units: refuse before asking argon2 for a hash
    spec.check_units(unit_codes)
    stamp = _now()
    user = User(username, display_name.strip() or username, role_name, tuple(sorted(set(unit_codes))), email,
                hash_password(password) if password is not None else None, False, stamp, stamp)
    check_user(user, known_units)
    users[username] = user
    save_users(path, users)
    return user


def _change(path: Path, username: str, **changes) -> User:
    users = load_users(path)
    if username not in users:
        raise AccountError(f"Không có tài khoản «{username}». Xem danh sách: python -m access list.")
    user = replace(users[username], **changes, updated_at=_now())
    users[username] = user
    save_users(path, users)
    return user


def set_disabled(path: Path, username: str, disabled: bool) -> User:
    return _change(path, username, disabled=disabled)


def reset_password(path: Path, username: str, password: str) -> User:
    return _change(path, username, password_hash=hash_password(password))


def check_first_account(users: dict[str, User], role_name: str) -> None:
    """The first account turns sign-in on (access.config.mode): it must be able to manage accounts,
    or nobody could open the admin page again without a shell."""
    if not users and not role(role_name).may_manage_users:
        managers = ", ".join(r.label for r in roles().values() if r.may_manage_users)
        raise AccountError("Tài khoản đầu tiên sẽ bật chế độ đăng nhập, nên phải có vai trò quản lý được tài khoản "
                           f"({managers}); tạo tài khoản đó trước, rồi đăng nhập bằng nó để tạo các tài khoản khác.")


def check_not_self(actor: str, target: str) -> None:
    """An administrator never locks himself out from the admin page."""
    if actor == target:
        raise AccountError("Không thể tự khóa tài khoản đang đăng nhập. Nhờ một quản trị dữ liệu khác, hoặc dùng "
                           "lệnh python -m access disable trên máy chủ.")


def find_by_email(users: dict[str, User], email: str | None) -> User | None:
    """The account of an identity-provider user (emails compare case-insensitively)."""
    wanted = (email or "").strip().lower()
    return next((u for u in users.values() if wanted and u.email == wanted), None)


__all__ = ["AccountError", "RoleError", "User", "add_user", "check_first_account", "check_not_self", "check_user",
           "find_by_email", "hash_password",
           "load_users", "reset_password", "save_users", "set_disabled", "verify_password"]
