"""Access layer configuration: where accounts, audit and secrets live (sign-in settings: core.settings).

Standard library only: `dev.py` imports it before anything is installed. Never imports Streamlit.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def users_path() -> Path:
    """The local accounts file: $CCHC_USERS, else data/users.toml (git-ignored, outside the code)."""
    return Path(os.environ.get("CCHC_USERS") or ROOT / "data" / "users.toml")


def audit_path() -> Path:
    """The append-only audit database: $CCHC_AUDIT_DB, else data/audit.duckdb (never the published file)."""
    return Path(os.environ.get("CCHC_AUDIT_DB") or ROOT / "data" / "audit.duckdb")


def secrets_paths() -> tuple[Path, ...]:
    """Where Streamlit reads secrets.toml: the user's ~/.streamlit, then the project's .streamlit."""
    return (Path.home() / ".streamlit" / "secrets.toml", ROOT / ".streamlit" / "secrets.toml")


def oidc_settings() -> dict | None:
    """The [auth] section of secrets.toml (st.login / OIDC), or None when it is not configured."""
    merged: dict = {}
    for path in secrets_paths():
        if path.is_file():
            with path.open("rb") as handle:
                merged.update(tomllib.load(handle).get("auth") or {})
    return merged or None


def oidc_providers(auth: dict) -> list[str]:
    """Provider names for st.login: 'default' when [auth] holds client_id itself, else the
    names of its [auth.<name>] sub-tables."""
    if "client_id" in auth:
        return ["default"]
    return [name for name, value in auth.items() if isinstance(value, dict)]


def mode() -> str:
    """'oidc' when [auth] is configured, 'accounts' when a users file exists, else 'local'."""
    if oidc_settings():
        return "oidc"
    if users_path().is_file():
        return "accounts"
    return "local"
