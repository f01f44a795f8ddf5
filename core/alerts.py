"""Core layer: the alert rules ("Cần xử lý"), kept as data in alerts.toml; reads files only, never a database.

The bundled `core/defaults/alerts.toml` is laid under the installation's own `config/alerts.toml`
key by key, like settings.toml: an office that only wants a longer silence writes
`[silent_unit]` / `days = 10` and keeps every other rule. An unknown rule or key, or a value of the
wrong type, stops with the file and the key (a typo must not silently disable a rule).
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from core.installation import BUNDLED, ConfigError, cached, installation_file

FILE = "alerts.toml"


@dataclass(frozen=True)
class OverdueAtUnit:
    enabled: bool = True
    min_overdue: int = 5


@dataclass(frozen=True)
class DueSoon:
    enabled: bool = True
    max_listed: int = 20


@dataclass(frozen=True)
class SatisfactionBelowTarget:
    enabled: bool = True
    min_answers: int = 30


@dataclass(frozen=True)
class SilentUnit:
    enabled: bool = True
    days: int = 7


@dataclass(frozen=True)
class OnlineBelowTarget:
    enabled: bool = True
    min_received: int = 20


@dataclass(frozen=True)
class AlertRules:
    overdue_at_unit: OverdueAtUnit = OverdueAtUnit()
    due_soon: DueSoon = DueSoon()
    satisfaction_below_target: SatisfactionBelowTarget = SatisfactionBelowTarget()
    silent_unit: SilentUnit = SilentUnit()
    online_below_target: OnlineBelowTarget = OnlineBelowTarget()


@cached
def alert_rules() -> AlertRules:
    """The bundled rules with the installation's alerts.toml over them."""
    rules = parse(_read(BUNDLED / FILE), AlertRules(), BUNDLED / FILE)
    own = installation_file(FILE)
    return parse(_read(own), rules, own) if own is not None else rules


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp {path} không đúng cú pháp TOML: {exc}. Sửa tệp rồi chạy lại.") from exc


def parse(data: dict, base: AlertRules, path: Path | str) -> AlertRules:
    rules = {f.name: f for f in fields(AlertRules)}
    out = {}
    for name, table in data.items():
        if name not in rules or not isinstance(table, dict):
            raise ConfigError(_unknown(path, f"quy tắc [{name}]", name, rules))
        current = getattr(base, name)
        keys = {f.name: f for f in fields(current)}
        values = {}
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(_unknown(path, f"khóa {key} trong [{name}]", key, keys))
            default = getattr(current, key)
            if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, type(default)):
                kind = "true hoặc false" if isinstance(default, bool) else "một số nguyên"
                raise ConfigError(f"Tệp {path}, [{name}] {key}: phải là {kind}, đang là {value!r}.")
            if not isinstance(value, bool) and value < 0:
                raise ConfigError(f"Tệp {path}, [{name}] {key}: không được âm ({value}).")
            values[key] = value
        out[name] = replace(current, **values)
    return replace(base, **out)


def _unknown(path, what: str, name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Có phải là «{close[0]}»?" if close else " Hợp lệ: " + ", ".join(known) + "."
    return f"Tệp {path}: không có {what}.{hint}"
