"""Core layer: the installation's province and its unit directory (communes and wards from
`vietnam-provinces`, departments and branches from the installation's departments.csv). Reads
configuration and package data only; never touches a database."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass

import polars as pl
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import ProvinceCode, Ward, WardCode

from core.installation import ConfigError, cached, config_path, current, read_rows
from core.text import fold, fold_words

UNIT_TYPE_LABELS = {
    "xa": "Xã",
    "phuong": "Phường",
    "dac_khu": "Đặc khu",
    "so_nganh": "Sở, ngành",
    "chi_nhanh": "Chi nhánh, cơ quan ngành dọc",
}
_DIVISION_TYPES = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}


@dataclass(frozen=True)
class Province:
    code: int
    name: str  # "Nghệ An", "Thành phố Đà Nẵng" (as vietnam-provinces names it)
    is_city: bool  # thành phố trực thuộc trung ương

    @property
    def full_name(self) -> str:
        """The name a document uses: "Tỉnh Nghệ An", "Thành phố Đà Nẵng"."""
        return self.name if self.is_city else f"Tỉnh {self.name}"

    @property
    def committee(self) -> str:
        """The issuing authority on a report: "UBND TỈNH NGHỆ AN"."""
        return f"UBND {self.full_name}".upper()

    @property
    def bare_name(self) -> str:
        """Without "Thành phố": "Đà Nẵng", "Nghệ An"."""
        return self.name.removeprefix("Thành phố ")


def all_provinces() -> list[Province]:
    return [_province(p) for p in VnProvince.iter_all()]


def _province(p: VnProvince) -> Province:
    return Province(int(p.code), p.name, p.division_type.name == "THANH_PHO_TRUNG_UONG")


def find_province(text: str) -> tuple[Province | None, list[Province]]:
    """The province meant by a code ("40", "040") or a name written in any usual way ("Nghệ An", "Nghe An",
    "Tỉnh Nghệ An", "TP. Hồ Chí Minh"); else None and the closest names."""
    import difflib

    text = (text or "").strip()
    provinces = all_provinces()
    if text.isdigit():
        match = [p for p in provinces if p.code == int(text)]
        return (match[0], []) if match else (None, [])
    key = _province_key(text)
    for p in provinces:
        if key in {_province_key(p.name), _province_key(p.full_name), fold(p.bare_name)}:
            return p, []
    keys = {fold(p.bare_name): p for p in provinces}
    close = difflib.get_close_matches(key, list(keys), n=3, cutoff=0.5)
    return None, [keys[k] for k in close]


def _province_key(text: str) -> str:
    words = fold_words(text)
    for prefix in ("thanh pho", "tinh", "tp"):
        if words.startswith(prefix + " "):
            words = words[len(prefix) + 1:]
    return words.replace(" ", "")


@cached
def province() -> Province:
    """The installation's province (province.toml)."""
    path = config_path("province.toml")
    if path is None:
        raise ConfigError(f"Bản cài đặt {current().folder} chưa có tệp province.toml. Chạy: "
                          f"python -m etl init --province <mã hoặc tên tỉnh> --db {current().db}")
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    try:
        return _province(VnProvince.from_code(ProvinceCode(int(data["province_code"]))))
    except (KeyError, ValueError):
        raise ConfigError(f"Tệp {path}: province_code = {data.get('province_code')!r} không phải mã tỉnh, thành phố "
                          "theo danh mục 2025 (34 đơn vị). Chạy lại python -m etl init --province …") from None


def province_of_ward(code: str) -> int | None:
    """The province a 5-digit commune/ward code belongs to (None for another kind of code)."""
    try:
        return int(Ward.from_code(WardCode(int(code))).province_code)
    except (ValueError, TypeError):
        return None


_DEPARTMENT_TYPES = {fold(k): k for k in ("so_nganh", "chi_nhanh")} | {
    fold(UNIT_TYPE_LABELS[k]): k for k in ("so_nganh", "chi_nhanh")} | {"so": "so_nganh", "chinhanh": "chi_nhanh"}


def _department_type(raw: str, row: int) -> str:
    """so_nganh or chi_nhanh, written as the code or as its Vietnamese label ("Sở, ngành", "Chi nhánh")."""
    found = _DEPARTMENT_TYPES.get(fold(raw))
    if found is None:
        raise ConfigError(f"Tệp departments.csv ({current().folder}), dòng {row}: loại đơn vị «{raw}» không hợp lệ; "
                          "ghi «Sở, ngành» hoặc «Chi nhánh, cơ quan ngành dọc».")
    return found


@cached
def directory() -> pl.DataFrame:
    """The unit directory: unit_code, unit_name, unit_type, unit_level, short_names, province_name."""
    prov = province()
    rows = []
    for ward in Ward.iter_by_province(ProvinceCode(prov.code)):
        rows.append({
            "unit_code": f"{int(ward.code):05d}",
            "unit_name": ward.name,
            "unit_type": _DIVISION_TYPES[ward.division_type.value],
            "unit_level": "xa",
            "short_names": "",
        })
    for number, dept in enumerate(read_rows("departments.csv"), start=2):
        rows.append({"unit_code": dept["unit_code"], "unit_name": dept["unit_name"],
                     "unit_type": _department_type(dept["unit_type"], number),
                     "short_names": dept.get("short_names", ""), "unit_level": "tinh"})
    frame = pl.DataFrame(rows, schema={c: pl.String for c in ("unit_code", "unit_name", "unit_type", "unit_level",
                                                              "short_names")})
    frame = frame.with_columns(province_name=pl.lit(prov.full_name))
    return frame.sort(["unit_level", "unit_type", "unit_name"])
