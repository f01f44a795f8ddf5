"""ETL unit matcher: turns a unit as written in an export into a unit code of the installation's
directory (core.units). No database access."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.installation import read_rows
from core.text import fold, fold_words
from core.units import directory, province

# Words that precede a unit's own name in exports: "UBND phường Thanh Khê", "P. Thanh Khê",
# "Bộ phận một cửa xã Hòa Vang". Folded (no diacritics), longest first.
_PREFIXES = (
    "bo phan tiep nhan va tra ket qua", "bo phan mot cua", "trung tam phuc vu hanh chinh cong",
    "uy ban nhan dan", "ubnd", "dac khu", "thi tran", "phuong", "xa", "dk", "tt", "p", "x",
)


def strip_prefix(name: str) -> str:
    """The unit's own name, folded, without the words before it and without the province's name
    after it ("Sở Tư pháp tỉnh Nghệ An", "UBND phường Hải Châu, TP Đà Nẵng")."""
    words = _strip_province(fold_words(name))
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if words.startswith(prefix + " "):
                words = words[len(prefix) + 1:]
                changed = True
    return words.replace(" ", "")


def _strip_province(words: str) -> str:
    bare = fold_words(province().bare_name)
    for suffix in (f"tinh {bare}", f"thanh pho {bare}", f"tp {bare}", bare):
        if words.endswith(" " + suffix):
            return words[: -len(suffix) - 1]
    return words


@dataclass(frozen=True)
class UnitMatcher:
    """Maps raw unit text to a unit code: by code, by full name, or by name without prefix."""

    keys: dict[str, str]

    @classmethod
    def build(cls, units: pl.DataFrame | None = None) -> "UnitMatcher":
        units = directory() if units is None else units
        keys: dict[str, str] = {}
        bare: dict[str, set[str]] = {}
        for row in units.iter_rows(named=True):
            code = row["unit_code"]
            keys[fold(code)] = code
            if code.isdigit():
                keys[str(int(code))] = code
            keys[fold(row["unit_name"])] = code
            for short in filter(None, (row.get("short_names") or "").split("|")):
                keys[fold(short)] = code
            bare.setdefault(strip_prefix(row["unit_name"]), set()).add(code)
        for key, codes in bare.items():
            if len(codes) == 1 and key not in keys:
                keys[key] = next(iter(codes))
        for row in read_rows("unit_crosswalk.csv"):
            keys.setdefault(fold(row["old_name"]), row["new_unit_code"])
            keys.setdefault(strip_prefix(row["old_name"]), row["new_unit_code"])
            if row.get("old_code"):
                keys.setdefault(fold(row["old_code"]), row["new_unit_code"])
        return cls(keys)

    def match(self, raw: str | None) -> str | None:
        if not raw:
            return None
        return self.keys.get(fold(raw)) or self.keys.get(strip_prefix(raw))

    def match_many(self, values: list[str | None]) -> dict[str | None, str | None]:
        return {value: self.match(value) for value in values}
