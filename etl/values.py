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
_FIRST_MOMENT, _AFTER_LAST_MOMENT = datetime(MIN_YEAR, 1, 1), datetime(MAX_YEAR + 1, 1, 1)


# Vietnam keeps UTC+7 all year (no daylight saving since 1975): the database stores local
# naive timestamps, so a time written with a zone is moved to UTC+7 and the zone dropped.
VIETNAM_UTC_OFFSET_MINUTES = 7 * 60
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
# "2025-10-01T08:00:00+07:00", "…Z", "… +0700", "… GMT+7": a zone written right after a time.
_ZONED = rf"^(.*\d[T ]?{_TIME})\s*((?:UTC|GMT)?[+-]\d{{1,2}}(?::?\d{{2}})?|Z|UTC|GMT)$"
# "01/10/2025 08:15 SA", "10/01/2025 2:30:00 PM": a word after a time; day_halves.csv says which.
_HALF_DAY = rf"^(.*{_TIME})\s*([^\d\s:+-][^\d:+-]*)$"
# Cheap test first: most columns have no suffix at all and skip both patterns above.
_SUFFIX_AFTER_TIME = r":\d\d(?::\d\d)?(?:[.,]\d+)?\s*[^\d\s.,:]"


def parse_datetimes(raw: pl.Series) -> pl.Series:
    """Text dates (d/m/y with or without time, ISO), Excel serial numbers → Datetime(us).

    Two suffixes after a time are understood. A half of day (SA/CH, AM/PM, day_halves.csv): the
    clock reads 12-hour, 12 SA/AM is 00h and 12 CH/PM is 12h; the date keeps its day-first
    order, so "10/01/2025 2:30:00 PM" is 10 January (no guessing US order from one value); an hour
    above 12 with SA/AM, or 0 with CH/PM, contradicts itself and is unreadable. A time zone (Z,
    +07:00, +0700, GMT+7): converted to Vietnam time (UTC+7), stored without zone."""
    text = raw.cast(pl.String)
    out = _parse_plain(text)
    # No plain format reads a value with a suffix after its time (strptime must consume the whole
    # text), so a column read whole needs no suffix search; one with unread values gets it, and
    # is then read as before: all of it through _parse_suffixed.
    if out.null_count() > text.null_count() and text.str.contains(_SUFFIX_AFTER_TIME).any():
        out = _parse_suffixed(text)
    if out.null_count() == raw.len():
        return out
    return out.set((out < _FIRST_MOMENT) | (out >= _AFTER_LAST_MOMENT), None)  # year outside MIN_YEAR…MAX_YEAR


def _parse_suffixed(text: pl.Series) -> pl.Series:
    """Dates some of which end in a half of day or a time zone (see parse_datetimes)."""
    text, zone_minutes = _split_zone(text)
    text, half = _split_half_day(text)
    out = _parse_plain(text)
    hour = out.dt.hour()
    contradicts = ((half == "am") & (hour > 12)) | ((half == "pm") & (hour == 0))
    shift_hours = pl.select(
        pl.when(pl.lit(half) == "am").then(pl.when(pl.lit(hour) == 12).then(-12).otherwise(0))
        .when(pl.lit(half) == "pm").then(pl.when(pl.lit(hour) < 12).then(12).otherwise(0))
        .otherwise(0)
    ).to_series().cast(pl.Int64)
    minutes = shift_hours * 60 + (VIETNAM_UTC_OFFSET_MINUTES - zone_minutes).fill_null(0)
    out = pl.select(pl.lit(out) + pl.duration(minutes=pl.lit(minutes))).to_series().alias(text.name)
    return out.set(contradicts.fill_null(False), None)


def _split_zone(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(text without its zone, the zone's offset from UTC in minutes; null where none is written)."""
    parts = text.str.extract_groups(_ZONED)
    body, zone = parts.struct.field("1"), parts.struct.field("2")
    offsets = {z: _zone_minutes(z) for z in zone.drop_nulls().unique().to_list()}
    minutes = zone.replace_strict(offsets, default=None, return_dtype=pl.Int64)
    known = minutes.is_not_null()
    return pl.select(pl.when(pl.lit(known)).then(pl.lit(body)).otherwise(pl.lit(text))).to_series(), minutes


def _zone_minutes(zone: str) -> int | None:
    sign_at = max(zone.find("+"), zone.find("-"))
    if sign_at < 0:
        return 0  # Z, UTC, GMT
    digits = zone[sign_at + 1:].replace(":", "")
    hours, mins = (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 14 or mins > 59:
        return None
    return (1 if zone[sign_at] == "+" else -1) * (hours * 60 + mins)


def _split_half_day(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(text without its half-of-day word, 'am' | 'pm' | null). An unknown word stays in the text,
    so the value stays unreadable and is reported as such."""
    parts = text.str.extract_groups(_HALF_DAY)
    body, word = parts.struct.field("1"), parts.struct.field("2")
    halves = day_halves()
    half = word.replace_strict({w: halves.get(fold(w)) for w in word.drop_nulls().unique().to_list()},
                               default=None, return_dtype=pl.String)
    return pl.select(pl.when(pl.lit(half).is_not_null()).then(pl.lit(body)).otherwise(pl.lit(text))).to_series(), half


@cached
def day_halves() -> dict[str, str]:
    """Folded word written after a time → 'am' | 'pm' (day_halves.csv, core/defaults or the installation)."""
    return {fold(r["raw"]): r["half"] for r in read_rows("day_halves.csv")}


def _parse_plain(raw: pl.Series) -> pl.Series:
    """Day-first text dates, ISO dates, Excel serials → Datetime(us), rounded to the second."""
    n = raw.len()
    formats = _formats_by_sample(raw)
    # The format most of the sample reads, over the whole column at once; the others over what is left.
    out = raw.str.strptime(pl.Datetime("us"), formats[0], strict=False).alias(raw.name)
    todo = pl.Series("idx", range(n), dtype=pl.UInt32).filter(raw.is_not_null() & out.is_null())
    for fmt in formats[1:]:
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
    return out.dt.round("1s")


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

