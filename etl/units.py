"""ETL unit directory: communes/wards from `vietnam-provinces`, departments from config, and
the matcher that turns a unit as written in an export into a unit code. No database access."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from vietnam_provinces import Province, ProvinceCode, Ward

from etl.config import config_path, read_rows
from etl.text import fold, fold_words

UNIT_TYPE_LABELS = {
    "xa": "Xã",
    "phuong": "Phường",
    "dac_khu": "Đặc khu",
    "so_nganh": "Sở, ngành",
    "chi_nhanh": "Chi nhánh, cơ quan ngành dọc",
}
_DIVISION_TYPES = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}

# Words that precede a unit's own name in exports: "UBND phường Thanh Khê", "P. Thanh Khê",
# "Bộ phận một cửa xã Hòa Vang". Folded (no diacritics), longest first.
_PREFIXES = (
    "bo phan tiep nhan va tra ket qua", "bo phan mot cua", "trung tam phuc vu hanh chinh cong",
    "uy ban nhan dan", "ubnd", "dac khu", "thi tran", "phuong", "xa", "dk", "tt", "p", "x",
)


def province_code() -> int:
    with config_path("province.toml").open("rb") as handle:
        return int(tomllib.load(handle)["province_code"])


@lru_cache(maxsize=1)
def directory() -> pl.DataFrame:
    """The unit directory: unit_code, unit_name, unit_type, unit_level, short_names."""
    code = province_code()
    rows = []
    for ward in Ward.iter_by_province(ProvinceCode(code)):
        rows.append({
            "unit_code": f"{int(ward.code):05d}",
            "unit_name": ward.name,
            "unit_type": _DIVISION_TYPES[ward.division_type.value],
            "unit_level": "xa",
            "short_names": "",
        })
    for dept in read_rows("departments.csv"):
        rows.append({**dept, "unit_level": "tinh"})
    frame = pl.DataFrame(rows).with_columns(province_name=pl.lit(Province.from_code(ProvinceCode(code)).name))
    return frame.sort(["unit_level", "unit_type", "unit_name"])


def strip_prefix(name: str) -> str:
    words = fold_words(name)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if words.startswith(prefix + " "):
                words = words[len(prefix) + 1:]
                changed = True
    return words.replace(" ", "")


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
