"""ETL normalize: raw text tables → typed canonical rows plus the rejects that explain every
row not loaded. Pure: reads config maps and the calendar, never the database."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from core.calendar import WorkCalendar, default_calendar
from core.installation import cached, read_rows
from core.procedures import procedure_catalogue, procedure_key, procedures_by_name
from core.settings import settings
from core.text import clean_columns, fmt_int, fold, fold_words, normalize_dossier_codes
from etl.extract import RawTable
from etl.headers import column_label
from etl.schema import DOSSIER_COLUMNS
from etl.units import UnitMatcher
from etl.values import (
    code_map,
    map_codes,
    parse_datetimes,
    parse_flags,
    parse_numbers,
    parse_processing_time,
)

REJECT_SCHEMA = {
    "source_row": pl.Int64, "severity": pl.String, "reason_code": pl.String, "column_name": pl.String,
    "raw_value": pl.String, "message": pl.String, "dossier_code": pl.String, "raw_row": pl.String,
}
DATE_COLUMNS = ("submitted_at", "received_at", "due_at", "extended_due_at", "finished_at", "returned_at",
                "supplement_requested_at", "supplemented_at", "apology_issued_at", "apology_due_at")
FLAG_COLUMNS = ("paid_online", "is_digitised", "has_e_result", "is_synced")
UNKNOWN_FIELD = ("chua_ro", "Chưa rõ lĩnh vực")
NOT_RECEIVED = (1, 3)
RESOLVED = (9, 10)


@dataclass(frozen=True)
class Normalized:
    kind: str
    rows: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    rows_skipped: int
    new_fields: pl.DataFrame
    answers: pl.DataFrame | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Context:
    calendar: WorkCalendar
    units: UnitMatcher
    file_unit: str | None = None  # unit named in the title rows, for exports without a unit column
    today: date | None = None  # the load day for the plausibility rules; None: load_day()

    @classmethod
    def default(cls) -> "Context":
        return cls(default_calendar(), UnitMatcher.build())


def load_day(ctx: Context | None = None) -> date:
    """The day a load runs, which no event date may pass (settings.toml [plausibility]): the
    context's `today`, else $CCHC_TODAY (ISO date; replays and tests pin it, as the app does),
    else the machine's date."""
    if ctx is not None and ctx.today is not None:
        return ctx.today
    pinned = os.environ.get("CCHC_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


class _Issues:
    """Collects reject lines; a row with any 'error' is not loaded."""

    def __init__(self, table: RawTable, frame: pl.DataFrame):
        self.table, self.frame, self.parts = table, frame, []

    def add(self, mask: pl.Series, code: str, column: str | None, raw: str | None, message: str,
            severity: str = "error") -> None:
        """`message` may hold {value}: the raw value of `raw` on that row."""
        if not mask.any():
            return
        rows = self.frame.filter(mask)
        value = rows[raw] if raw and raw in rows.columns else pl.Series([None] * rows.height, dtype=pl.String)
        texts = [message.replace("{value}", v if v is not None else "") for v in value.to_list()]
        label = column_label(self.table.kind, column) if column else None
        label = self.table.columns.get(column, label) if column else None
        self.parts.append(pl.DataFrame({
            "source_row": rows["_row"], "severity": severity, "reason_code": code, "column_name": label,
            "raw_value": value.cast(pl.String), "message": texts,
            "dossier_code": rows["dossier_code"] if "dossier_code" in rows.columns else None,
            "raw_row": _raw_json(self.table.data, rows["_row"]),
        }, schema=REJECT_SCHEMA))

    def frame_out(self) -> pl.DataFrame:
        return pl.concat(self.parts) if self.parts else pl.DataFrame(schema=REJECT_SCHEMA)

    def error_rows(self) -> pl.Series:
        out = self.frame_out()
        return out.filter(pl.col("severity") == "error")["source_row"].unique()


def _raw_json(raw: pl.DataFrame, rows: pl.Series) -> pl.Series:
    sub = raw.filter(pl.col("_row").is_in(rows.implode())).sort("_row")
    cols = [c for c in sub.columns if c != "_row"]
    by_row = dict(zip(sub["_row"].to_list(), sub.select(pl.struct(cols).struct.json_encode()).to_series().to_list()))
    return pl.Series([by_row.get(r) for r in rows.to_list()], dtype=pl.String)


# --- common steps --------------------------------------------------------------------------------


def _clean(table: RawTable, columns: tuple[str, ...]) -> pl.DataFrame:
    data = table.data
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in data.columns]
    data = data.with_columns(missing) if missing else data
    text_cols = [c for c in data.columns if c != "_row"]
    return clean_columns(data, text_cols, table.clean)


def _skippable(frame: pl.DataFrame, key: str) -> pl.Series:
    """Blank rows, group-header rows ('Lĩnh vực: Hộ tịch') and total rows ('Tổng cộng')."""
    key_text = frame[key].fill_null("")
    is_total_key = key_text.str.to_lowercase().str.contains(r"^(tổng|tong|cộng|cong)\b")
    # Without an STT column a group header lands in the key column itself. Codes are one token
    # ('000.00.53.H48-220921-0099'); a label is words ('Lĩnh vực: Hộ tịch').
    is_label_key = key_text.str.contains(r"\s")
    if not (frame[key].is_null() | is_label_key).any():
        return is_total_key  # every row has a one-token key: none is blank, and only totals are skipped
    text_cols = [c for c in frame.columns if c != "_row"]
    filled = frame.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in text_cols])).to_series()
    return (filled == 0) | ((frame[key].is_null() | is_total_key | is_label_key) & (filled <= 2)) | is_total_key


def _field_codes(raw: pl.Series) -> tuple[pl.Series, pl.DataFrame]:
    """Map field names through the synonym table; unknown fields become new, flagged fields."""
    synonyms = _field_synonyms()
    mapping, new = {}, {}
    for value in raw.drop_nulls().unique().to_list():
        words = fold_words(value)
        for prefix in ("linh vuc ", "lv "):
            if words.startswith(prefix):
                words = words[len(prefix):]
        key = words.replace(" ", "")
        code = synonyms.get(key)
        if code is None:
            code = "lv_" + key[:40]
            stripped = value.split(":", 1)[-1].strip() if ":" in value else value
            for prefix in ("Lĩnh vực ", "lĩnh vực ", "LĨNH VỰC "):
                stripped = stripped.removeprefix(prefix)
            new[code] = stripped[:1].upper() + stripped[1:]
        mapping[value] = code
    codes = raw.replace_strict(mapping, default=None, return_dtype=pl.String)
    return codes, pl.DataFrame({"field_code": list(new), "field_name": list(new.values())},
                               schema={"field_code": pl.String, "field_name": pl.String})


@cached
def _field_synonyms() -> dict[str, str]:
    out = {fold(r["field_name"]): r["field_code"] for r in read_rows("fields.csv")}
    out.update({fold(r["synonym"]): r["field_code"] for r in read_rows("field_synonyms.csv")})
    return out


def _procedure_codes(frame: pl.DataFrame) -> pl.Series:
    """The export's procedure code; where a row has none (HTML exports often print only the
    name), the catalogue's code for its procedure name, so that the field and the processing time
    come from procedures.csv. Unknown or ambiguous names stay without a code."""
    index = procedures_by_name()
    names = frame["procedure_name"]
    mapping = {name: index.get(fold(name)) for name in names.drop_nulls().unique().to_list()}
    by_name = names.replace_strict(mapping, default=None, return_dtype=pl.String)
    return pl.select(pl.coalesce(pl.lit(frame["procedure_code"]), pl.lit(by_name))).to_series().alias("procedure_code")


def _units(frame: pl.DataFrame, ctx: Context) -> dict[str, pl.Series]:
    out = {}
    for column in ("receiving_unit", "resolving_unit"):
        raw = frame[column]
        mapping = ctx.units.match_many(raw.drop_nulls().unique().to_list())
        out[column] = raw.replace_strict(mapping, default=None, return_dtype=pl.String)
    return out


def _finish(table: RawTable, frame: pl.DataFrame, issues: _Issues, kind: str, skipped: int, read: int,
            new_fields: pl.DataFrame, answers: pl.DataFrame | None = None,
            warnings: tuple[str, ...] = ()) -> Normalized:
    bad = issues.error_rows()
    good = frame.filter(~pl.col("_row").is_in(bad.implode()))
    used = new_fields.filter(pl.col("field_code").is_in(good["field_code"].unique().implode()))
    return Normalized(kind, good, issues.frame_out(), read, skipped, used, answers, warnings)


# --- dossiers ------------------------------------------------------------------------------------

RAW_DOSSIER_COLUMNS = (
    "dossier_code", "procedure_code", "procedure_name", "field_name", "receiving_unit", "resolving_unit",
    "applicant_name", "applicant_address", "applicant_phone", "applicant_id_number", *DATE_COLUMNS,
    "status", "channel", "online_flag", "online_level", "officer_name", "note", "supplement_count",
    "fee_amount", *FLAG_COLUMNS, "processing_days", "rating",
)


def normalize_dossiers(table: RawTable, ctx: Context) -> Normalized:
    frame = _clean(table, RAW_DOSSIER_COLUMNS)
    skip = _skippable(frame, "dossier_code")
    skipped = int(skip.sum())
    frame = frame.filter(~skip)
    frame = frame.with_columns(dossier_code=normalize_dossier_codes(frame["dossier_code"]),
                               procedure_code=_procedure_codes(frame))
    issues = _Issues(table, frame)
    read = frame.height

    issues.add(frame["dossier_code"].is_null(), "missing_code", "dossier_code", None,
               "Thiếu mã hồ sơ: dòng có dữ liệu nhưng ô «Mã hồ sơ» trống. Bổ sung mã hồ sơ hoặc xóa dòng.")
    parsed = _plausible_dates(_dates(frame, issues), issues, load_day(ctx))
    status = _status(frame, parsed, issues)
    channel, online_level = _channel(frame, issues)
    units = _units(frame, ctx)
    _unit_issues(frame, units, ctx, issues)
    fields, new_fields = _field_codes(frame["field_name"])
    fields = _fields_from_procedures(fields, frame["procedure_code"])
    fee = _fees(frame, issues)
    rating = map_codes(frame["rating"], code_map("ratings.csv", "raw", "rating_code"), pl.Int8)
    issues.add(rating.is_null() & frame["rating"].is_not_null(), "unknown_rating", "rating", "rating",
               "Mức đánh giá không nhận ra: «{value}». Giá trị bị bỏ, hồ sơ vẫn được nạp; thêm cách viết vào "
               "ratings.csv (thư mục thiết lập) nếu cần.", "warning")
    supplement = parse_numbers(frame["supplement_count"]).cast(pl.Int16, strict=False)
    typed = frame.select("_row", "dossier_code", "procedure_code", "procedure_name", "applicant_name",
                         "applicant_address", "applicant_phone", "applicant_id_number", "officer_name", "note")
    typed = typed.with_columns(
        field_code=fields,
        field_name_raw=frame["field_name"],
        receiving_unit_code=pl.coalesce(units["receiving_unit"], units["resolving_unit"], pl.lit(ctx.file_unit)),
        resolving_unit_code=pl.coalesce(units["resolving_unit"], units["receiving_unit"], pl.lit(ctx.file_unit)),
        status_code=status,
        channel_code=channel,
        online_level=online_level,
        fee_amount=fee,
        rating_code=rating,
        **{c: parsed[c] for c in DATE_COLUMNS},
        **{c: _flag(table, frame, c) for c in FLAG_COLUMNS},
    )
    typed = typed.with_columns(
        supplement_count=pl.coalesce(
            supplement, pl.when(pl.col("supplement_requested_at").is_not_null()).then(1).otherwise(0)
        ).cast(pl.Int16),
        finished_at=pl.when(pl.col("status_code").is_in(RESOLVED))
        .then(pl.coalesce("finished_at", "returned_at")).otherwise("finished_at"),
    )
    typed = _due_dates(typed, frame, ctx, issues)
    _consistency(typed, frame, issues)
    _results_before_received(parsed, issues)
    typed = _dedupe(typed, issues)
    typed = typed.with_columns(source_row=pl.col("_row").cast(pl.Int32))
    names = [c.name for c in DOSSIER_COLUMNS if c.name in typed.columns]
    return _finish(table, typed.select("_row", *names), issues, "dossier", skipped, read, new_fields)


def _flag(table: RawTable, frame: pl.DataFrame, column: str) -> pl.Series:
    """Yes/no columns: a blank cell in a column the export has means no ("x" or blank);
    a column the export lacks stays unknown (null), never a silent no."""
    parsed = parse_flags(frame[column])
    if column in table.columns:
        parsed = parsed.set(frame[column].is_null(), False)
    return parsed


def _dates(frame: pl.DataFrame, issues: _Issues) -> dict[str, pl.Series]:
    out = {}
    for column in DATE_COLUMNS:
        parsed = parse_datetimes(frame[column])
        bad = parsed.is_null() & frame[column].is_not_null()
        critical = column in ("received_at", "due_at", "finished_at", "returned_at")
        issues.add(bad, "bad_date", column, column,
                   "Ngày không đọc được: «{value}». Ghi ngày dạng dd/mm/yyyy (có thể kèm giờ hh:mm:ss)."
                   + ("" if critical else " Giá trị bị bỏ, hồ sơ vẫn được nạp."),
                   "error" if critical else "warning")
        out[column] = parsed
    return out


# Dates of events (they cannot lie after the load day) and dates of deadlines (they may, up to a
# horizon); a rejected row's date is kept, a warning's value dropped (as for unreadable dates).
EVENT_DATES = ("submitted_at", "received_at", "finished_at", "returned_at", "supplement_requested_at",
               "supplemented_at", "apology_issued_at")
DEADLINE_DATES = ("due_at", "extended_due_at", "apology_due_at")
CRITICAL_DATES = ("received_at", "due_at", "finished_at", "returned_at")


def _plausible_dates(parsed: dict[str, pl.Series], issues: _Issues, today: date) -> dict[str, pl.Series]:
    """Dates that read correctly but cannot be true (settings.toml [plausibility]): an event after
    the load day (+ future_tolerance_days), a deadline beyond the horizon, a received date before
    the calendar's first year. A received date so rejected is set aside (null) so that the row is
    not also reported for a due date computed from it."""
    rules, first_year = settings().plausibility, settings().calendar.first_year
    tolerance, horizon = rules.future_tolerance_days, rules.due_horizon_days
    out = dict(parsed)
    for column in (*EVENT_DATES, *DEADLINE_DATES):
        days = tolerance if column in EVENT_DATES else horizon
        limit = today + timedelta(days=days)
        late = (parsed[column].dt.date() > limit).fill_null(False)
        critical = column in CRITICAL_DATES
        issues.add(late, "future_date" if column in EVENT_DATES else "far_deadline", column, column,
                   _too_late(today, days, column in EVENT_DATES)
                   + ("" if critical else " Giá trị bị bỏ, hồ sơ vẫn được nạp."), "error" if critical else "warning")
        if not critical or column == "received_at":
            out[column] = out[column].set(late, None)
    early = (parsed["received_at"].dt.year() < first_year).fill_null(False)
    issues.add(early, "before_first_year", "received_at", "received_at",
               f"Ngày tiếp nhận «{{value}}» trước năm {first_year}, năm đầu của lịch ngày làm việc "
               "(settings.toml, mục [calendar], first_year): có thể gõ nhầm năm. Sửa ngày trong phần mềm một "
               f"cửa rồi xuất lại; nếu hồ sơ thật sự được tiếp nhận trước năm {first_year}, quản trị dữ liệu "
               "lùi first_year rồi nạp lại tệp.")
    out["received_at"] = out["received_at"].set(early, None)
    return out


def _too_late(today: date, days: int, event: bool) -> str:
    """The message for a date more than `days` after the load day; {value} is the date as written."""
    why = ("một việc chưa tới ngày thì chưa thể đã xảy ra" if event
           else "có thể gõ nhầm năm (settings.toml, mục [plausibility], due_horizon_days)")
    return (f"Ngày «{{value}}» muộn hơn ngày nạp {today:%d/%m/%Y} quá {days} ngày (muộn nhất "
            f"{today + timedelta(days=days):%d/%m/%Y}): {why}. Sửa ngày trong phần mềm một cửa rồi xuất lại; nếu "
            "đồng hồ máy chủ sai, báo quản trị dữ liệu.")


def _not_after_load_day(dates: pl.Series, column: str, issues: _Issues, today: date) -> None:
    """A survey answered or a rating given after the load day (+ tolerance) is rejected."""
    days = settings().plausibility.future_tolerance_days
    late = (dates.dt.date() > today + timedelta(days=days)).fill_null(False)
    issues.add(late, "future_date", column, column, _too_late(today, days, True))


def _results_before_received(parsed: dict[str, pl.Series], issues: _Issues) -> None:
    """A result found or returned on a day before the dossier was received cannot be true; left
    in, it would count as resolved early. Compared by day: the same day at an earlier hour is a
    clock slip, not a wrong date. settings.toml [plausibility] reject_result_before_received =
    false loads such rows with a warning instead (the quality flag «finish_before_receipt» of page
    Dữ liệu then lists them per unit)."""
    reject = settings().plausibility.reject_result_before_received
    received = parsed["received_at"]
    labels = {"finished_at": "Ngày có kết quả", "returned_at": "Ngày trả kết quả"}
    for column, label in labels.items():
        before = (parsed[column].dt.date() < received.dt.date()).fill_null(False)
        if not before.any():
            continue
        text = pl.select(pl.format(
            "{} {} trước ngày tiếp nhận {}: hồ sơ không thể có kết quả trước khi được tiếp nhận. Sửa lại ngày "
            "trong phần mềm một cửa rồi xuất lại.", pl.lit(label), pl.lit(parsed[column]).dt.strftime("%d/%m/%Y"),
            pl.lit(received).dt.strftime("%d/%m/%Y"))).to_series()
        frame = issues.frame
        issues.frame = frame.with_columns(_msg=text)
        issues.add(before, f"{column.removesuffix('_at')}_before_received", column, "_msg",
                   "{value}" if reject else "{value} Hồ sơ vẫn được nạp (settings.toml, mục [plausibility], "
                   "reject_result_before_received = false).", "error" if reject else "warning")
        issues.frame = frame


def _fees(frame: pl.DataFrame, issues: _Issues) -> pl.Series:
    """Fees in đồng; unreadable, negative or implausibly large ones load empty with a warning
    (settings.toml [plausibility] max_fee_vnd): a fee only decides whether a dossier counts as
    fee-bearing, so the dossier itself still loads."""
    fee = parse_numbers(frame["fee_amount"])
    issues.add(fee.is_null() & frame["fee_amount"].is_not_null(), "bad_number", "fee_amount", "fee_amount",
               "Số tiền không đọc được: «{value}». Giá trị bị bỏ, hồ sơ vẫn được nạp.", "warning")
    most = settings().plausibility.max_fee_vnd
    odd = ((fee < 0) | (fee > most)).fill_null(False)
    issues.add(odd, "fee_out_of_range", "fee_amount", "fee_amount",
               f"Số tiền «{{value}}» nằm ngoài khoảng hợp lý 0 – {fmt_int(int(most))} đồng (settings.toml, mục "
               "[plausibility], max_fee_vnd): có thể nhập nhầm cột hoặc nhầm đơn vị. Giá trị bị bỏ, hồ sơ vẫn "
               "được nạp; sửa số tiền trong phần mềm một cửa ở lần xuất sau.", "warning")
    return fee.set(odd, None)


def _status(frame: pl.DataFrame, parsed: dict[str, pl.Series], issues: _Issues) -> pl.Series:
    mapped = map_codes(frame["status"], code_map("statuses.csv", "raw", "status_code"), pl.Int8)
    unknown = mapped.is_null() & frame["status"].is_not_null()
    issues.add(unknown, "unknown_status", "status", "status",
               "Trạng thái không nhận ra: «{value}». Thêm cách viết này vào statuses.csv (thư mục thiết lập) "
               "(kèm mã trạng thái 1–10 theo quy định) rồi nạp lại tệp.")
    # An export without a status says it through its dates.
    inferred = (
        pl.when(parsed["returned_at"].is_not_null()).then(pl.lit(10, pl.Int8))
        .when(parsed["finished_at"].is_not_null()).then(pl.lit(9, pl.Int8))
        .otherwise(pl.lit(4, pl.Int8))
    )
    return pl.select(pl.coalesce(pl.lit(mapped), inferred)).to_series().alias("status_code")


def _channel(frame: pl.DataFrame, issues: _Issues) -> tuple[pl.Series, pl.Series]:
    channel = map_codes(frame["channel"], code_map("channels.csv", "raw", "channel_code"), pl.Int8)
    issues.add(channel.is_null() & frame["channel"].is_not_null(), "unknown_channel", "channel", "channel",
               "Hình thức nộp không nhận ra: «{value}». Dùng Trực tiếp / Trực tuyến / Bưu chính công ích "
               "hoặc thêm cách viết vào channels.csv (thư mục thiết lập).")
    online_flag = parse_flags(frame["online_flag"])
    level_from_channel = map_codes(frame["channel"], code_map("channels.csv", "raw", "online_level"), pl.String)
    level = map_codes(frame["online_level"], code_map("online_levels.csv", "raw", "online_level"), pl.String)
    code = pl.select(
        pl.coalesce(
            pl.lit(channel),
            pl.when(pl.lit(online_flag)).then(pl.lit(2, pl.Int8)),
            pl.when(pl.lit(level).is_not_null()).then(pl.lit(2, pl.Int8)),
            pl.lit(1, pl.Int8),  # DOMAIN.md: a missing channel counts as in person
        )
    ).to_series()
    level = pl.select(pl.when(pl.lit(code) == 2).then(pl.coalesce(pl.lit(level), pl.lit(level_from_channel)))).to_series()
    return code.alias("channel_code"), level.alias("online_level")


def _unit_issues(frame: pl.DataFrame, units: dict[str, pl.Series], ctx: Context, issues: _Issues) -> None:
    for column in ("receiving_unit", "resolving_unit"):
        unknown = units[column].is_null() & frame[column].is_not_null()
        issues.add(unknown, "unknown_unit", column, column,
                   "Đơn vị không có trong danh mục: «{value}». Kiểm tra tên đơn vị (theo danh mục sau sắp xếp "
                   "từ 01/7/2025) hoặc thêm vào departments.csv (thư mục thiết lập) / unit_crosswalk.csv.")
    none = frame["receiving_unit"].is_null() & frame["resolving_unit"].is_null()
    if ctx.file_unit is None:
        issues.add(none, "missing_unit", "resolving_unit", None,
                   "Thiếu đơn vị: dòng không ghi đơn vị và tiêu đề tệp không nêu tên đơn vị. Bổ sung cột «Đơn vị».")


def _fields_from_procedures(fields: pl.Series, procedure_codes: pl.Series) -> pl.Series:
    catalogue = procedure_catalogue()
    mapping = {c: (catalogue.get(procedure_key(c)) or {}).get("field_code") for c in
               procedure_codes.drop_nulls().unique().to_list()}
    from_catalogue = procedure_codes.replace_strict(mapping, default=None, return_dtype=pl.String)
    return pl.select(pl.coalesce(pl.lit(fields), pl.lit(from_catalogue), pl.lit(UNKNOWN_FIELD[0]))).to_series()


def _due_dates(typed: pl.DataFrame, frame: pl.DataFrame, ctx: Context, issues: _Issues) -> pl.DataFrame:
    """Trust the export's due date; compute it only when missing (DOMAIN.md, 'Due date')."""
    days, kinds = _processing_times(frame["processing_days"], typed["procedure_code"])
    typed = typed.with_columns(processing_days=days, _day_kind=kinds,
                               due_source=pl.when(pl.col("due_at").is_not_null()).then(pl.lit("export")))
    extend_given = settings().timeliness.supplement_pause_extends_given_due
    need = typed.filter(
        (pl.col("due_at").is_null() & pl.col("processing_days").is_not_null() & pl.col("received_at").is_not_null()
         & ~pl.col("status_code").is_in(NOT_RECEIVED))
        | (pl.lit(extend_given) & pl.col("due_at").is_not_null() & pl.col("supplemented_at").is_not_null())
    )
    outside = pl.Series("_row", [], dtype=pl.Int64)
    if need.height:
        computed = pl.Series([
            _one_due(ctx.calendar, r) for r in need.select(
                "due_at", "received_at", "processing_days", "_day_kind", "supplement_requested_at", "supplemented_at"
            ).iter_rows(named=True)
        ], dtype=pl.Datetime("us"))
        outside = need["_row"].filter(computed.is_null())
        patch = need.select("_row").with_columns(
            _due=computed,
            _src=pl.when(computed.is_null()).then(None)
            .when(need["due_at"].is_null()).then(pl.lit("computed")).otherwise(pl.lit("export")),
        )
        typed = typed.join(patch, on="_row", how="left", maintain_order="left").with_columns(
            due_at=pl.coalesce("_due", "due_at"), due_source=pl.coalesce("_src", "due_source")
        ).drop("_due", "_src")
    beyond = typed["_row"].is_in(outside.implode())
    issues.add(beyond, "outside_calendar", "received_at", "received_at",
               "Không tính được ngày hẹn trả từ ngày tiếp nhận «{value}»: thời hạn rơi ra ngoài lịch ngày làm "
               "việc đã cấu hình (settings.toml (thư mục thiết lập), mục [calendar], first_year–last_year). Mở rộng lịch "
               "rồi nạp lại, hoặc bổ sung cột «Ngày hẹn trả».")
    open_needing_due = (
        typed["due_at"].is_null() & typed["received_at"].is_not_null() & ~typed["status_code"].is_in([1, 3, 7, 8])
        & ~beyond
    )
    issues.add(open_needing_due, "missing_due", "due_at", None,
               "Thiếu ngày hẹn trả và không biết thời hạn giải quyết của thủ tục. Bổ sung cột «Ngày hẹn trả» "
               "hoặc thêm thủ tục vào procedures.csv (thư mục thiết lập).")
    return typed.drop("_day_kind")


def _one_due(cal: WorkCalendar, row: dict) -> datetime | None:
    """The due date with any supplement pause added; the given one (or None) when the dates fall
    outside the configured calendar, which knows no holidays there."""
    try:
        start, end = row["supplement_requested_at"], row["supplemented_at"]
        if row["due_at"]:
            return cal.extend_by_pause(row["due_at"], start, end)[0]
        return cal.rule_due(row["received_at"], row["processing_days"], row["_day_kind"], start, end)[2]
    except ValueError:
        return row["due_at"]


def _processing_times(raw: pl.Series, procedure_codes: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Legal processing time per row: the export's own column, else the procedure catalogue.

    Parsed once per distinct value (exports repeat a few dozen procedures a million times)."""
    catalogue = procedure_catalogue()
    from_text = {t: parse_processing_time(t) for t in raw.drop_nulls().unique().to_list()}
    from_catalogue = {}
    for code in procedure_codes.drop_nulls().unique().to_list():
        row = catalogue.get(procedure_key(code))
        if row and row.get("processing_days"):
            from_catalogue[code] = (float(row["processing_days"]), row.get("day_kind") or "working")

    def lookup(series: pl.Series, table: dict, index: int, dtype) -> pl.Series:
        mapping = {k: v[index] for k, v in table.items()}
        return series.replace_strict(mapping, default=None, return_dtype=dtype)

    text_days, text_kind = lookup(raw, from_text, 0, pl.Float64), lookup(raw, from_text, 1, pl.String)
    cat_days, cat_kind = (lookup(procedure_codes, from_catalogue, 0, pl.Float64),
                          lookup(procedure_codes, from_catalogue, 1, pl.String))
    days = pl.select(pl.coalesce(pl.lit(text_days), pl.lit(cat_days))).to_series()
    kinds = pl.select(
        pl.when(pl.lit(text_days).is_not_null()).then(pl.lit(text_kind))
        .when(pl.lit(cat_days).is_not_null()).then(pl.lit(cat_kind))
        .otherwise(pl.lit("working"))
    ).to_series()
    return days.alias("processing_days"), kinds.alias("_day_kind")


def _consistency(typed: pl.DataFrame, raw: pl.DataFrame, issues: _Issues) -> None:
    received = typed["received_at"]
    issues.add(raw["received_at"].is_null() & ~typed["status_code"].is_in(NOT_RECEIVED), "missing_received", "received_at",
               None, "Thiếu ngày tiếp nhận. Bổ sung «Ngày tiếp nhận» (dd/mm/yyyy) rồi nạp lại.")
    due_before = typed["due_at"].dt.date() < received.dt.date()
    if due_before.fill_null(False).any():
        fmt = typed.select(
            pl.format("Ngày hẹn trả {} trước ngày tiếp nhận {}: dữ liệu sai. Sửa lại ngày trong phần mềm một cửa "
                      "rồi xuất lại.", pl.col("due_at").dt.strftime("%d/%m/%Y"),
                      pl.col("received_at").dt.strftime("%d/%m/%Y"))
        ).to_series()
        frame = issues.frame
        issues.frame = frame.with_columns(_msg=fmt)
        issues.add(due_before.fill_null(False), "due_before_received", "due_at", "_msg", "{value}")
        issues.frame = frame
    resolved_no_date = typed["status_code"].is_in(RESOLVED) & typed["finished_at"].is_null()
    issues.add(resolved_no_date, "resolved_without_date", "finished_at", None,
               "Hồ sơ ở trạng thái đã giải quyết nhưng thiếu ngày có kết quả và ngày trả kết quả.")


def _dedupe(typed: pl.DataFrame, issues: _Issues) -> pl.DataFrame:
    """A dossier listed twice in one export: the later row wins, the earlier is rejected."""
    errors = issues.error_rows()
    valid = typed.filter(~pl.col("_row").is_in(errors.implode()) & pl.col("dossier_code").is_not_null())
    valid = valid.filter(pl.col("dossier_code").is_duplicated())  # usually none: nothing more to do
    last = valid.group_by("dossier_code").agg(pl.col("_row").max().alias("_kept"))
    dup = valid.join(last, on="dossier_code").filter(pl.col("_row") != pl.col("_kept"))
    if dup.height:
        kept = dict(zip(dup["_row"].to_list(), dup["_kept"].to_list()))
        frame = issues.frame
        issues.frame = frame.with_columns(
            _msg=pl.col("_row").replace_strict(kept, default=None, return_dtype=pl.Int64).cast(pl.String)
        )
        issues.add(pl.Series(issues.frame["_row"].is_in(list(kept))), "duplicate_in_file", "dossier_code", "_msg",
                   "Mã hồ sơ xuất hiện nhiều lần trong tệp; dòng {value} (dòng sau) được giữ, dòng này bị bỏ.")
        issues.frame = frame
    return typed


# --- surveys -------------------------------------------------------------------------------------


def _row_units(written: pl.Series, ctx: Context) -> pl.Series:
    """Each row's unit code from the unit it names, else the unit the file's title names; null
    where neither is known (the caller rejects those rows, saying which)."""
    unit_map = ctx.units.match_many(written.drop_nulls().unique().to_list())
    units = written.replace_strict(unit_map, default=None, return_dtype=pl.String)
    return pl.select(pl.coalesce(pl.lit(units), pl.lit(ctx.file_unit))).to_series()


def normalize_survey(table: RawTable, ctx: Context) -> Normalized:
    base = ("response_id", "unit", "response_date", "dossier_code", "field_name", "comment")
    frame = _clean(table, base)
    question_cols = [c for c in frame.columns if c.startswith(("q:", "q?:"))]
    skip = _skippable(frame, "response_id") & frame["unit"].is_null()
    skipped = int(skip.sum())
    frame = frame.filter(~skip)
    frame = frame.with_columns(dossier_code=normalize_dossier_codes(frame["dossier_code"]))
    issues = _Issues(table, frame)
    units = _row_units(frame["unit"], ctx)
    issues.add(units.is_null() & frame["unit"].is_not_null(), "unknown_unit", "unit", "unit",
               "Đơn vị không có trong danh mục: «{value}». Kiểm tra tên đơn vị hoặc thêm vào danh mục.")
    issues.add(units.is_null() & frame["unit"].is_null(), "missing_unit", "unit", None,
               "Thiếu đơn vị được khảo sát. Bổ sung cột «Đơn vị».")
    dates = parse_datetimes(frame["response_date"])
    issues.add(dates.is_null(), "bad_date", "response_date", "response_date",
               "Ngày khảo sát thiếu hoặc không đọc được: «{value}». Ghi ngày dạng dd/mm/yyyy.")
    _not_after_load_day(dates, "response_date", issues, load_day(ctx))
    fields, new_fields = _field_codes(frame["field_name"])
    response_id = pl.coalesce(pl.col("response_id"), pl.format("{}#{}", pl.lit(table.file), pl.col("_row")))
    typed = frame.select("_row", "dossier_code", "comment").with_columns(
        response_id=frame.select(response_id).to_series(), unit_code=units, response_date=dates.dt.date(),
        field_code=fields,
    ).with_columns(response_key=pl.format("{}/{}", "unit_code", "response_id"))
    answers, warnings = _answers(frame, typed, question_cols, issues)
    counts = answers.group_by("_row").agg(
        answered=pl.len().cast(pl.Int16), satisfied=(pl.col("score") >= 4).sum().cast(pl.Int16))
    typed = typed.join(counts, on="_row", how="left", maintain_order="left").with_columns(
        pl.col("answered").fill_null(0), pl.col("satisfied").fill_null(0), source_row=pl.col("_row").cast(pl.Int32))
    typed = typed.unique("response_key", keep="last", maintain_order=True)
    result = _finish(table, typed, issues, "survey", skipped, frame.height, new_fields, None, warnings)
    good_rows = result.rows.select("_row", "response_key")
    answers = answers.join(good_rows, on="_row").drop("_row").unique(["response_key", "question_text"], keep="last")
    return Normalized(result.kind, result.rows, result.rejects, result.rows_read, result.rows_skipped,
                      result.new_fields, answers, result.warnings)


def _unmapped_question(issues: _Issues, text: str, answers: int) -> None:
    """A question column the survey_questions.csv table does not know: its answers load (they
    count in the overall rate) but belong to no SIPAS factor; one warning line names it."""
    header_row = issues.table.header_rows[0] if issues.table.header_rows else None
    issues.parts.append(pl.DataFrame({
        "source_row": [header_row], "severity": ["warning"], "reason_code": ["unmapped_question"],
        "column_name": [text], "raw_value": [text],
        "message": [(f"Câu hỏi chưa gắn với yếu tố SIPAS: «{text}». {answers} câu trả lời vẫn được nạp và tính vào "
                     "tỷ lệ hài lòng chung, nhưng chưa thuộc yếu tố nào. Thêm câu hỏi (đúng cách viết này) vào "
                     "survey_questions.csv (thư mục thiết lập) kèm mã câu hỏi và yếu tố, rồi chạy «python -m etl rebuild».")],
        "dossier_code": [None], "raw_row": [None],
    }, schema=REJECT_SCHEMA))


def _answers(frame: pl.DataFrame, typed: pl.DataFrame, question_cols: list[str],
             issues: _Issues) -> tuple[pl.DataFrame, tuple[str, ...]]:
    questions = {r["question_code"]: r for r in read_rows("survey_questions.csv")}
    parts, warnings = [], []
    for col in question_cols:
        score = parse_numbers(frame[col])
        if col.startswith("q?:") and score.drop_nulls().len() < max(1, frame[col].drop_nulls().len() // 2):
            continue  # a text column, not a question (e.g. "Giới tính")
        bad = frame[col].is_not_null() & (score.is_null() | ~score.is_between(1, 5))
        issues.add(bad, "bad_score", col, col,
                   "Điểm trả lời phải từ 1 đến 5, gặp «{value}». Câu trả lời này bị bỏ, phiếu vẫn được nạp.",
                   "warning")
        if col.startswith("q:"):
            q = questions[col[2:]]
            code, text, factor = q["question_code"], issues.table.columns.get(col, q["question"]), q["factor_code"]
        else:
            code, text, factor = None, col[3:], None
            warnings.append(f"Câu hỏi chưa gắn với yếu tố SIPAS: «{text}» (thêm vào survey_questions.csv (thư mục thiết lập)).")
            _unmapped_question(issues, text, int(score.is_between(1, 5).sum()))
        ok = score.is_between(1, 5).fill_null(False)
        parts.append(pl.DataFrame({
            "_row": frame["_row"].filter(ok), "question_code": code, "question_text": text,
            "factor_code": factor, "score": score.filter(ok).cast(pl.Int8),
        }, schema={"_row": pl.Int64, "question_code": pl.String, "question_text": pl.String,
                   "factor_code": pl.String, "score": pl.Int8}))
    empty = pl.DataFrame(schema={"_row": pl.Int64, "question_code": pl.String, "question_text": pl.String,
                                 "factor_code": pl.String, "score": pl.Int8})
    return (pl.concat(parts) if parts else empty), tuple(warnings)


# --- ratings -------------------------------------------------------------------------------------

RATING_SCHEMA = {"_row": pl.Int64, "criterion_code": pl.String, "criterion_text": pl.String, "score": pl.Int8}


def normalize_ratings(table: RawTable, ctx: Context) -> Normalized:
    """Rating exports of the public-service portal: one row per rating (DOMAIN.md, 'Satisfaction').

    Whether the dossier code is known is the loader's question (it needs the database)."""
    base = ("rating_id", "dossier_code", "unit", "rating_date", "rating", "comment")
    frame = _clean(table, base)
    criteria_cols = [c for c in frame.columns if c.startswith("c:")]
    skip = _skippable(frame, "dossier_code") & frame["rating"].is_null()
    skipped = int(skip.sum())
    frame = frame.filter(~skip)
    frame = frame.with_columns(dossier_code=normalize_dossier_codes(frame["dossier_code"]))
    issues = _Issues(table, frame)
    units = _row_units(frame["unit"], ctx)
    issues.add(units.is_null() & frame["unit"].is_not_null(), "unknown_unit", "unit", "unit",
               "Đơn vị không có trong danh mục: «{value}». Kiểm tra tên đơn vị (theo danh mục sau sắp xếp từ "
               "01/7/2025) hoặc thêm vào departments.csv (thư mục thiết lập) / unit_crosswalk.csv.")
    issues.add(units.is_null() & frame["unit"].is_null(), "missing_unit", "unit", None,
               "Thiếu đơn vị được đánh giá: dòng không ghi đơn vị và tiêu đề tệp không nêu tên đơn vị. "
               "Bổ sung cột «Đơn vị».")
    rated_at = parse_datetimes(frame["rating_date"])
    issues.add(rated_at.is_null(), "bad_date", "rating_date", "rating_date",
               "Ngày đánh giá thiếu hoặc không đọc được: «{value}». Ghi ngày dạng dd/mm/yyyy (có thể kèm giờ).")
    _not_after_load_day(rated_at, "rating_date", issues, load_day(ctx))
    level = map_codes(frame["rating"], code_map("ratings.csv", "raw", "rating_code"), pl.Int8)
    issues.add(level.is_null(), "unknown_rating", "rating", "rating",
               "Mức độ hài lòng thiếu hoặc không nhận ra: «{value}». Dùng Rất hài lòng / Hài lòng / Không hài lòng, "
               "hoặc thêm cách viết vào ratings.csv (thư mục thiết lập) rồi nạp lại tệp.")
    typed = frame.select("_row", "rating_id", "dossier_code", "comment").with_columns(
        unit_code=units, rated_at=rated_at, rating_code=level, source_row=pl.col("_row").cast(pl.Int32),
        field_code=pl.lit(None, pl.String))  # a rating's field is its dossier's (see the `ratings` view)
    # Without a dossier code or rating id, the rating itself is its identity (a later export
    # repeating it must not count it twice).
    row_key = pl.concat_str([pl.col("unit_code"), pl.col("rated_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
                             pl.col("rating_code").cast(pl.String), pl.col("comment").fill_null("")], separator="|")
    typed = typed.with_columns(rating_key=pl.when(pl.col("dossier_code").is_not_null())
                               .then(pl.format("hs:{}", "dossier_code"))
                               .when(pl.col("rating_id").is_not_null())
                               .then(pl.format("id:{}/{}", "unit_code", "rating_id"))
                               .otherwise(pl.concat_str([pl.lit("row:"), row_key])))
    criteria = _criteria(frame, criteria_cols, issues)
    typed = _dedupe_ratings(typed, issues)
    result = _finish(table, typed, issues, "rating", skipped, frame.height,
                     pl.DataFrame(schema={"field_code": pl.String, "field_name": pl.String}))
    criteria = criteria.join(result.rows.select("_row", "rating_key"), on="_row").drop("_row")
    return Normalized("rating", result.rows, result.rejects, result.rows_read, result.rows_skipped, result.new_fields,
                      criteria, result.warnings)


def _criteria(frame: pl.DataFrame, columns: list[str], issues: _Issues) -> pl.DataFrame:
    """Criteria scored 2 (good), 1 (fair) or 0 (poor); another value is dropped with a warning."""
    parts = []
    for col in columns:
        score = parse_numbers(frame[col])
        ok = score.is_in([0.0, 1.0, 2.0]).fill_null(False)
        issues.add(frame[col].is_not_null() & ~ok, "bad_criterion_score", col, col,
                   "Điểm tiêu chí phải là 2, 1 hoặc 0, gặp «{value}». Điểm này bị bỏ, đánh giá vẫn được nạp.",
                   "warning")
        parts.append(pl.DataFrame({
            "_row": frame["_row"].filter(ok), "criterion_code": col[2:],
            "criterion_text": issues.table.columns.get(col, col[2:]), "score": score.filter(ok).cast(pl.Int8),
        }, schema=RATING_SCHEMA))
    return pl.concat(parts) if parts else pl.DataFrame(schema=RATING_SCHEMA)


def _dedupe_ratings(typed: pl.DataFrame, issues: _Issues) -> pl.DataFrame:
    """The same dossier rated twice in one export: the latest rating counts, the earlier is set aside."""
    errors = issues.error_rows()
    valid = typed.filter(~pl.col("_row").is_in(errors.implode()))
    ranked = valid.sort("rated_at", "_row")
    last = ranked.group_by("rating_key").agg(pl.col("_row").last().alias("_kept"))
    dup = valid.join(last, on="rating_key").filter(pl.col("_row") != pl.col("_kept"))
    if dup.height:
        kept = dict(zip(dup["_row"].to_list(), dup["_kept"].to_list()))
        frame = issues.frame
        issues.frame = frame.with_columns(
            _msg=pl.col("_row").replace_strict(kept, default=None, return_dtype=pl.Int64).cast(pl.String))
        issues.add(pl.Series(issues.frame["_row"].is_in(list(kept))), "duplicate_in_file", "dossier_code", "_msg",
                   "Hồ sơ này được đánh giá nhiều lần trong tệp; đánh giá mới nhất (dòng {value}) được giữ, "
                   "dòng này bị bỏ.")
        issues.frame = frame
    return typed
