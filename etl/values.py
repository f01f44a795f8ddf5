"""ETL value parsers: dates, numbers, flags and coded values as vectorised Polars operations.

Each parser returns the parsed series; a value that was present but did not parse comes out
null, so callers can tell "missing" from "unreadable". No I/O besides reading config maps.
"""
from __future__ import annotations

import re
from datetime import datetime

import polars as pl

from core.installation import cached, read_rows
from core.text import fold, fold_words

# Ordered by how often they appear in Vietnamese exports; day first (dd/mm/yyyy).
DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y", "%H:%M:%S %d/%m/%Y",
    "%H:%M %d/%m/%Y",
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serials for 1985-01-01 … 2100-12-31: anything else is not a date of a dossier.
_SERIAL_MIN, _SERIAL_MAX = 31048, 73415
MIN_YEAR, MAX_YEAR = 2000, 2100


def parse_datetimes(raw: pl.Series) -> pl.Series:
    """Text dates (d/m/y with or without time, ISO), Excel serial numbers → Datetime(us)."""
    n = raw.len()
    out = pl.Series(raw.name, [None] * n, dtype=pl.Datetime("us"))
    todo = pl.Series("idx", range(n), dtype=pl.UInt32).filter(raw.is_not_null())
    for fmt in _formats_by_sample(raw):
        if todo.len() == 0:
            break
        sub = raw.gather(todo)
        parsed = sub.str.strptime(pl.Datetime("us"), fmt, strict=False)
        ok = parsed.is_not_null()
        if ok.any():
            out = out.scatter(todo.filter(ok), parsed.filter(ok))
            todo = todo.filter(~ok)
    if todo.len():
        sub = raw.gather(todo)
        serial = sub.str.replace(",", ".").cast(pl.Float64, strict=False)
        ok = serial.is_between(_SERIAL_MIN, _SERIAL_MAX) & serial.is_not_null()
        if ok.any():
            micros = (serial.filter(ok) * 86_400_000_000).round(0).cast(pl.Int64)
            values = pl.lit(_EXCEL_EPOCH) + pl.duration(microseconds=micros)
            out = out.scatter(todo.filter(ok), pl.select(values).to_series())
    # Excel stores times as fractions of a day: 10:40 comes back as 10:39:59.999962.
    out = out.dt.round("1s")
    year = out.dt.year()
    return out.set((year < MIN_YEAR) | (year > MAX_YEAR), None) if out.null_count() < n else out


def _formats_by_sample(raw: pl.Series) -> list[str]:
    """All formats, those that parse a sample of the column first (most exports use one)."""
    sample = raw.drop_nulls().head(200)
    hits = {fmt: sample.str.strptime(pl.Datetime("us"), fmt, strict=False).is_not_null().sum() for fmt in DATE_FORMATS}
    return sorted(DATE_FORMATS, key=lambda f: -hits[f])


_NUMBER_PLAIN = re.compile(r"^-?\d+(\.\d{1,2})?$")


def parse_numbers(raw: pl.Series) -> pl.Series:
    """Vietnamese numbers: '1.234.000' and '1.234,5' (dot thousands, comma decimals); '50000.0' too."""
    uniques = raw.drop_nulls().unique().to_list()
    mapping = {u: _number(u) for u in uniques}
    return raw.replace_strict(mapping, default=None, return_dtype=pl.Float64)


def _number(text: str) -> float | None:
    t = text.replace(" ", "").replace("đ", "").replace("VND", "").replace("vnđ", "").replace("VNĐ", "")
    if _NUMBER_PLAIN.match(t) and t.count(".") == 1 and len(t.split(".")[1]) <= 2 and "," not in t:
        return float(t)
    t = t.replace(".", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


_TRUE = {"x", "1", "co", "true", "yes", "y", "da", "dat", "v", "check", "cokq", "dadongbo", "dasohoa", "tructuyen"}
_FALSE = {"0", "khong", "false", "no", "n", "chua", "khongco", "-"}


def parse_flags(raw: pl.Series) -> pl.Series:
    """'x', 'Có', '1', 'true', 'Đã …' → True; '0', 'Không', 'Chưa …' → False; else null."""
    mapping = {}
    for value in raw.drop_nulls().unique().to_list():
        key = fold(value)
        # "Đã …" / "Có …" as a whole first word: "Đang số hóa" (being digitised) is not done yet.
        first_word = fold_words(value).split(" ")[0]
        if key in _TRUE or first_word in ("da", "co"):
            mapping[value] = True
        elif key in _FALSE or key.startswith("chua") or key.startswith("khong"):
            mapping[value] = False
        else:
            mapping[value] = None
    return raw.replace_strict(mapping, default=None, return_dtype=pl.Boolean)


@cached
def code_map(config_file: str, key: str, value: str) -> dict[str, str]:
    """Folded spelling → code from one of the CSV maps (core.installation)."""
    return {fold(r[key]): r[value] for r in read_rows(config_file)}


def map_codes(raw: pl.Series, mapping: dict[str, str], dtype: pl.DataType) -> pl.Series:
    """Map distinct raw values through a folded-spelling table; unknown values → null."""
    table = {}
    for value in raw.drop_nulls().unique().to_list():
        code = mapping.get(fold(value))
        table[value] = code if code not in (None, "") else None
    return raw.replace_strict(table, default=None, return_dtype=pl.String).cast(dtype, strict=False)


_DAYS = re.compile(r"(\d+(?:[.,]\d+)?)")


def parse_processing_time(text: str | None) -> tuple[float | None, str]:
    """'5 ngày làm việc' → (5, 'working'); '15 ngày' → (15, 'calendar'); '3' → (3, 'working')."""
    if not text:
        return None, "working"
    m = _DAYS.search(text)
    if not m:
        return None, "working"
    days = float(m.group(1).replace(",", "."))
    folded = fold(text)
    kind = "calendar" if folded.endswith("ngay") and "lamviec" not in folded else "working"
    if "gio" in folded and "ngay" not in folded:
        days = days / 8  # hours: 8 office hours = 1 working day
    return days, kind

