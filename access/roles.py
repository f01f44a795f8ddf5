"""Access layer roles: read and check access/roles.toml; never imports Streamlit."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROLES_FILE = Path(__file__).resolve().parent / "roles.toml"
UNIT_RULES = {"all": "toàn tỉnh", "own": "một đơn vị của mình", "listed": "các đơn vị được giao"}
FLAGS = ("personal_data", "may_load", "may_manage_users", "may_export", "see_peers")
KEYS = {"label", "units", "pages", *FLAGS}


class RoleError(ValueError):
    """A role, or a user's role and units, that the configuration does not allow."""


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    units: str  # all | own | listed
    pages: frozenset[str]  # url_paths
    personal_data: bool
    may_load: bool
    may_manage_users: bool
    may_export: bool
    see_peers: bool  # rankings name the other units of the group (else only the user's own units)

    def may_open(self, url_path: str) -> bool:
        return url_path in self.pages

    def check_units(self, unit_codes) -> None:
        """Raise RoleError when these unit codes do not fit the role's unit rule."""
        codes = list(unit_codes)
        if self.units == "all" and codes:
            raise RoleError(f"Vai trò «{self.label}» xem toàn tỉnh: không ghi mã đơn vị.")
        if self.units == "own" and len(codes) != 1:
            raise RoleError(f"Vai trò «{self.label}» cần đúng một mã đơn vị (đơn vị của người dùng).")
        if self.units == "listed" and not codes:
            raise RoleError(f"Vai trò «{self.label}» cần ít nhất một mã đơn vị.")


def parse_roles(data: dict, source: str = "roles.toml") -> dict[str, Role]:
    """Roles from the parsed TOML, checked: every key known, every flag a boolean."""
    tables = data.get("roles")
    if not isinstance(tables, dict) or not tables:
        raise RoleError(f"{source}: thiếu bảng [roles.<tên>].")
    roles = {}
    for name, spec in tables.items():
        where = f"{source} [roles.{name}]"
        unknown = set(spec) - KEYS
        missing = KEYS - set(spec)
        if unknown:
            raise RoleError(f"{where}: khóa không biết {sorted(unknown)}; dùng {sorted(KEYS)}.")
        if missing:
            raise RoleError(f"{where}: thiếu khóa {sorted(missing)}.")
        if spec["units"] not in UNIT_RULES:
            raise RoleError(f"{where}: units = {spec['units']!r}; chỉ được {sorted(UNIT_RULES)}.")
        if not isinstance(spec["pages"], list) or not all(isinstance(p, str) and p for p in spec["pages"]):
            raise RoleError(f"{where}: pages phải là danh sách url_path của trang.")
        for flag in FLAGS:
            if not isinstance(spec[flag], bool):
                raise RoleError(f"{where}: {flag} phải là true hoặc false.")
        if not isinstance(spec["label"], str) or not spec["label"].strip():
            raise RoleError(f"{where}: label (tên tiếng Việt của vai trò) không được để trống.")
        roles[name] = Role(name, spec["label"], spec["units"], frozenset(spec["pages"]),
                           *(spec[flag] for flag in FLAGS))
    return roles


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Role]:
    with open(path, "rb") as handle:
        return parse_roles(tomllib.load(handle), Path(path).name)


def roles(path: Path = ROLES_FILE) -> dict[str, Role]:
    """Every configured role by name (re-read when the file changes)."""
    return _load(str(path), path.stat().st_mtime)


def role(name: str) -> Role:
    """The role called `name`; RoleError for a role the configuration does not define."""
    known = roles()
    if name not in known:
        raise RoleError(f"Vai trò «{name}» không có trong access/roles.toml; dùng một trong: {', '.join(known)}.")
    return known[name]
