"""Demo data, file layer: renders canonical frames into one-stop export layouts (xlsx, HTML .xls, CSV); never simulates or touches the database."""
from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from core.units import directory

PROVINCE_TITLE = "UBND THÀNH PHỐ ĐÀ NẴNG"
LIST_TITLE = "DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT"
EXCEL_EPOCH = datetime(1899, 12, 30)
FIXED_PROPERTIES_TIME = datetime(2020, 1, 1)

API_HEADERS = {
    "dossier_code": "MaHoSo", "procedure_code": "MaTTHC", "procedure_name": "TenThuTuc",
    "field_name": "TenLinhVuc", "receiving_unit": "DonViTiepNhan", "resolving_unit": "MaDonVi",
    "applicant_name": "ChuHoSo", "applicant_address": "DiaChi", "applicant_phone": "SoDienThoai",
    "applicant_id_number": "SoGiayTo", "submitted_at": "NgayNop", "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra", "finished_at": "NgayCoKetQua", "returned_at": "NgayTraKetQua",
    "status": "TrangThaiHoSoId", "channel": "KenhThucHien", "online_level": "MucDo",
    "officer_name": "CanBoXuLy", "note": "GhiChu", "supplement_requested_at": "NgayYeuCauBoSung",
    "supplemented_at": "NgayBoSung", "supplement_count": "SoLanBoSung", "apology_issued_at": "NgayXinLoi",
    "apology_due_at": "NgayHenLai", "fee_amount": "PhiLePhi", "paid_online": "ThanhToanTrucTuyen",
    "is_digitised": "SoHoa", "has_e_result": "KetQuaDienTu", "is_synced": "DongBo", "rating": "DanhGia",
}
API_EN_HEADERS = {**API_HEADERS, "status": "TrangThaiHoSo", "channel": "HinhThucNop", "resolving_unit": "DonViXuLy"}
VN_HEADERS = {
    "dossier_code": "Mã hồ sơ", "procedure_code": "Mã thủ tục", "procedure_name": "Tên thủ tục",
    "field_name": "Lĩnh vực", "receiving_unit": "Đơn vị tiếp nhận", "resolving_unit": "Cơ quan thụ lý",
    "applicant_name": "Chủ hồ sơ", "applicant_address": "Địa chỉ", "applicant_phone": "Số điện thoại",
    "applicant_id_number": "Số CCCD", "submitted_at": "Ngày nộp", "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả", "finished_at": "Ngày có kết quả", "returned_at": "Ngày trả kết quả",
    "status": "Trạng thái", "channel": "Hình thức nộp", "online_level": "Mức độ",
    "officer_name": "Cán bộ xử lý", "note": "Ghi chú", "supplement_requested_at": "Ngày yêu cầu bổ sung",
    "supplemented_at": "Ngày bổ sung", "supplement_count": "Số lần bổ sung", "apology_issued_at": "Ngày xin lỗi",
    "apology_due_at": "Ngày hẹn lại", "fee_amount": "Lệ phí", "paid_online": "Thanh toán trực tuyến",
    "is_digitised": "Đã số hóa", "has_e_result": "Kết quả điện tử", "is_synced": "Đồng bộ DVCQG",
    "rating": "Đánh giá",
}
# A second vendor's wording of the same columns.
VN_HEADERS_B = {
    **VN_HEADERS, "procedure_code": "Mã TTHC", "procedure_name": "Tên thủ tục hành chính",
    "resolving_unit": "Đơn vị giải quyết", "receiving_unit": "Nơi tiếp nhận", "applicant_name": "Người nộp hồ sơ",
    "applicant_address": "Địa chỉ chủ hồ sơ", "applicant_id_number": "Số CMND/CCCD", "submitted_at": "Ngày gửi",
    "due_at": "Hạn xử lý", "finished_at": "Ngày hoàn thành", "returned_at": "Ngày trả", "status": "Tình trạng",
    "channel": "Kênh nộp", "officer_name": "Người xử lý", "fee_amount": "Phí/lệ phí",
    "is_digitised": "Số hóa hồ sơ", "has_e_result": "Có kết quả điện tử", "is_synced": "Đã đồng bộ",
    "rating": "Mức độ hài lòng", "supplement_requested_at": "Ngày yêu cầu bổ sung",
    "apology_issued_at": "Ngày phiếu xin lỗi", "apology_due_at": "Ngày hẹn trả lại",
}
ONLINE_FLAG_HEADER = "Nộp trực tuyến"
ROW_NUMBER_HEADER = "STT"          # row number column: not data, the ETL drops it

STATUS_WORDS = {
    "code": {i: str(i) for i in range(1, 11)},
    "vn_a": {1: "Mới đăng ký", 2: "Đã tiếp nhận", 3: "Từ chối tiếp nhận", 4: "Đang giải quyết",
             5: "Chờ bổ sung", 6: "Chờ thực hiện nghĩa vụ tài chính", 7: "Công dân rút hồ sơ",
             8: "Dừng xử lý", 9: "Hoàn thành", 10: "Đã trả kết quả"},
    "vn_b": {1: "Chờ tiếp nhận", 2: "Được tiếp nhận", 3: "Không được tiếp nhận", 4: "Đang xử lý",
             5: "Yêu cầu bổ sung", 6: "Chờ nộp phí", 7: "Rút hồ sơ", 8: "Dừng giải quyết",
             9: "Đã có kết quả", 10: "Đã trả"},
    "en": {1: "new", 2: "received", 3: "rejected", 4: "processing", 5: "waiting", 6: "waiting_payment",
           7: "withdrawn", 8: "stopped", 9: "done", 10: "returned"},
}
UNKNOWN_STATUS = {"code": "11", "vn_a": "Đang chuyển liên thông", "vn_b": "Đang chuyển liên thông", "en": "transferring"}
CHANNEL_WORDS = {"code": {1: "1", 2: "2", 3: "3"}, "en": {1: "direct", 2: "online", 3: "postal"},
                 "vn": {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}}
LEVEL_WORDS = {"code": {"toan_trinh": "4", "mot_phan": "3"},
               "vn": {"toan_trinh": "Toàn trình", "mot_phan": "Một phần"},
               "legacy": {"toan_trinh": "Mức độ 4", "mot_phan": "Mức độ 3"}}
RATING_WORDS = {"code": {3: "3", 2: "2", 1: "1"}, "en": {3: "very_satisfied", 2: "satisfied", 1: "unsatisfied"},
                "vn": {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"}}
FLAG_WORDS = {"01": ("1", "0"), "x": ("x", None), "cokhong": ("Có", "Không"), "truefalse": ("true", "false")}
DATE_FORMATS = {"iso": "%Y-%m-%dT%H:%M:%S", "text": "%d/%m/%Y %H:%M:%S", "short": "%d/%m/%Y %H:%M"}
BAD_DATE = {"iso": "{y}-02-31T08:15:00", "text": "31/02/{y} 08:15:00", "short": "31/02/{y} 08:15"}

DATE_COLUMNS = ["submitted_at", "received_at", "due_at", "finished_at", "returned_at",
                "supplement_requested_at", "supplemented_at", "apology_issued_at", "apology_due_at"]
FLAG_COLUMNS = ["paid_online", "is_digitised", "has_e_result", "is_synced"]
ALL_COLUMNS = list(API_HEADERS)
VN_COLUMNS = [c for c in ALL_COLUMNS if c not in ("submitted_at", "is_synced")] + ["is_synced"]
SHORT_COLUMNS = ["dossier_code", "procedure_code", "procedure_name", "field_name", "receiving_unit",
                 "resolving_unit", "applicant_name", "applicant_address", "applicant_phone",
                 "applicant_id_number", "received_at", "due_at", "finished_at", "returned_at", "status",
                 "channel", "online_level", "officer_name", "supplement_count", "apology_issued_at",
                 "apology_due_at", "fee_amount", "paid_online", "is_digitised", "has_e_result", "rating", "note"]


@dataclass(frozen=True)
class ExportStyle:
    """How one office's software spells things. Layout presets below; files tweak them."""

    headers: str = "api"           # api | api_en | vn | vn_b
    columns: tuple[str, ...] = tuple(ALL_COLUMNS)
    unit: str = "code"             # code | full | ubnd | short
    field_prefix: bool = False     # "Lĩnh vực Hộ tịch"
    status: str = "code"           # code | vn_a | vn_b | en
    channel: str = "code"          # code | en | vn | flag
    level: str = "code"            # code | vn | legacy
    flags: str = "01"              # 01 | x | cokhong | truefalse
    rating: str = "code"           # code | en | vn
    dates: str = "iso"             # iso | text | short | excel | serial (the last two: xlsx only)
    fee_dots: bool = False         # "50.000"
    nbsp: bool = False             # stray non-breaking spaces after names
    group_by_field: bool = False   # xlsx: "Lĩnh vực: ..." rows between groups
    title_rows: int = 5            # xlsx: 4 to 6


LAYOUTS = {
    "api": ExportStyle(),
    "api_en": ExportStyle(headers="api_en", status="en", channel="en", rating="en", flags="truefalse"),
    "vn": ExportStyle(headers="vn", columns=tuple(VN_COLUMNS), unit="ubnd", status="vn_a", channel="vn",
                      level="vn", flags="cokhong", rating="vn", dates="excel"),
    "vn_text": ExportStyle(headers="vn_b", columns=tuple(SHORT_COLUMNS), unit="full", status="vn_b",
                           channel="vn", level="vn", flags="cokhong", rating="vn", dates="text"),
    "vn_csv": ExportStyle(headers="vn", columns=tuple(VN_COLUMNS), unit="ubnd", status="vn_a", channel="vn",
                          level="vn", flags="x", rating="vn", dates="text"),
}


def style_for(layout: str | ExportStyle, **overrides) -> ExportStyle:
    base = layout if isinstance(layout, ExportStyle) else LAYOUTS[layout]
    return replace(base, **overrides) if overrides else base


# ----------------------------------------------------------------------------- rendering
def unit_labels(style: str) -> dict[str, str]:
    """Unit code -> the unit as this style writes it ("UBND phường Thanh Khê", "P. Thanh Khê", ...)."""
    out = {}
    for row in directory().iter_rows(named=True):
        code, name = row["unit_code"], row["unit_name"]
        kind, _, bare = name.partition(" ")
        if row["unit_level"] == "tinh" or style == "full":
            label = name
        elif style == "code":
            label = code
        elif style == "ubnd":
            label = "UBND " + name[0].lower() + name[1:]
        else:
            prefix = {"Phường": "P.", "Xã": "X."}.get(kind, "ĐK")
            label = f"{prefix} {bare.split(' ', 1)[1] if kind == 'Đặc' else bare}"
        out[code] = code if style == "code" else label
    return out


def _map(col: str, mapping: dict, dtype=pl.String) -> pl.Expr:
    return pl.col(col).replace_strict(mapping, default=None, return_dtype=dtype)


def _pad3(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).str.zfill(3)


def _fee_dots(col: str) -> pl.Expr:
    """50000 -> "50.000" (Vietnamese thousands separator)."""
    v = pl.col(col)
    millions, thousands, units = v // 1_000_000, (v // 1000) % 1000, v % 1000
    pad = _pad3
    return (pl.when(v >= 1_000_000).then(pl.concat_str([millions.cast(pl.String), pl.lit("."), pad(thousands), pl.lit("."), pad(units)]))
            .when(v >= 1000).then(pl.concat_str([thousands.cast(pl.String), pl.lit("."), pad(units)]))
            .otherwise(v.cast(pl.String)))


def render(frame: pl.DataFrame, style: ExportStyle) -> pl.DataFrame:
    """Canonical frame -> export cells (strings; dates stay datetimes for excel/serial styles)."""
    exprs = []
    units = unit_labels(style.unit)
    for col in style.columns:
        exprs.append(_render_column(col, style, units).alias(col))
    out = frame.with_columns(pl.col("received_at").dt.year().alias("_received_year")).with_columns(exprs)
    if "defect" in frame.columns:
        out = _apply_text_defects(out, style)
    return out.select(style.columns)


def _render_column(col: str, style: ExportStyle, units: dict[str, str]) -> pl.Expr:
    c = pl.col(col)
    if col in DATE_COLUMNS:
        return c if style.dates in ("excel", "serial") else c.dt.strftime(DATE_FORMATS[style.dates])
    if col in ("receiving_unit", "resolving_unit"):
        return c.replace(units)
    if col == "field_name":
        return (pl.lit("Lĩnh vực ") + c) if style.field_prefix else c
    if col == "status":
        return _map(col, STATUS_WORDS[style.status])
    if col == "channel":
        if style.channel == "flag":
            return pl.when(c == 2).then(pl.lit("x")).otherwise(None)
        return _map(col, CHANNEL_WORDS[style.channel])
    if col == "online_level":
        return _map(col, LEVEL_WORDS[style.level])
    if col == "rating":
        return _map(col, RATING_WORDS[style.rating])
    if col in FLAG_COLUMNS:
        yes, no = FLAG_WORDS[style.flags]
        return pl.when(c).then(pl.lit(yes)).otherwise(pl.lit(no))
    if col == "fee_amount":
        if style.dates in ("excel", "serial"):
            return c
        return _fee_dots(col) if style.fee_dots else c.cast(pl.String)
    if col == "supplement_count":
        return c.cast(pl.String) if style.headers.startswith("api") else pl.when(c > 0).then(c.cast(pl.String))
    if col in ("applicant_name", "procedure_name") and style.nbsp:
        return pl.when(pl.col("dossier_code").str.ends_with("7")).then(c + pl.lit("\u00a0")).otherwise(c)
    return c


def _apply_text_defects(out: pl.DataFrame, style: ExportStyle) -> pl.DataFrame:
    """Writer-level bad rows: an unknown status spelling, an unparseable received date."""
    fixes = [pl.when(pl.col("defect") == "status").then(pl.lit(UNKNOWN_STATUS[style.status]))
             .otherwise(pl.col("status")).alias("status")]
    if "received_at" in style.columns and style.dates not in ("excel", "serial"):
        fixes.append(pl.when(pl.col("defect") == "date").then(bad_date_text(style.dates))
                     .otherwise(pl.col("received_at")).alias("received_at"))
    return out.with_columns(fixes)


def bad_date_text(date_style: str) -> pl.Expr:
    """A date no parser accepts (31 February), in the file's own date style."""
    before, after = BAD_DATE[date_style].split("{y}")
    return pl.concat_str([pl.lit(before), pl.col("_received_year").cast(pl.String), pl.lit(after)])


def _headers(style: ExportStyle) -> dict[str, str]:
    table = {"api": API_HEADERS, "api_en": API_EN_HEADERS, "vn": VN_HEADERS, "vn_b": VN_HEADERS_B}[style.headers]
    names = dict(table)
    if style.channel == "flag":
        names["channel"] = ONLINE_FLAG_HEADER
    return names


# ----------------------------------------------------------------------------- CSV
def write_csv_export(frame: pl.DataFrame, path: Path, *, layout: str | ExportStyle = "api",
                     encoding: str = "utf-8", **overrides) -> Path:
    """CSV as an office's software exports it: utf-8, utf-8-sig (BOM) or cp1258 (Windows-1258)."""
    style = style_for(layout, **overrides)
    cells = render(frame, style)
    cells = cells.rename({c: _headers(style)[c] for c in style.columns})
    path = Path(path)
    if encoding == "cp1258":
        text = cells.write_csv(line_terminator="\r\n")
        path.write_bytes(to_cp1258(text))
    else:
        cells.write_csv(path, include_bom=encoding == "utf-8-sig")
    return path


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese text in Windows-1258: precomposed letters the code page lacks are
    written as base letter + combining tone mark (the code page's own convention)."""
    table = {}
    for ch in sorted(set(text)):
        if ord(ch) < 128:
            continue
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            table[ord(ch)] = _cp1258_form(ch)
    return text.translate(table).encode("cp1258")


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258_form(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    tones = "".join(m for m in decomposed if m in _TONES)
    base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
    form = base + tones
    form.encode("cp1258")          # raises for characters Vietnamese never uses
    return form


# ----------------------------------------------------------------------------- xlsx
def title_rows(title_unit: str, period: tuple[date, date], count: int, heading: str = LIST_TITLE) -> list[str]:
    rows = [PROVINCE_TITLE, title_unit.upper(), heading,
            f"(Từ ngày {period[0]:%d/%m/%Y} đến ngày {period[1]:%d/%m/%Y})", ""]
    if count >= 6:
        rows.insert(0, "Biểu mẫu: DS-01/MC")
    return rows[:max(count, 4)] if count < 5 else rows


def write_xlsx_export(frame: pl.DataFrame, path: Path, *, title_unit: str, period: tuple[date, date],
                      layout: str | ExportStyle = "vn", heading: str = LIST_TITLE, **overrides) -> Path:
    """An .xlsx report: title rows, STT column, Vietnamese headers, optional field group rows,
    a final "Tổng cộng" row; dates as real Excel dates, text, or bare serial numbers."""
    style = style_for(layout, **overrides)
    if style.group_by_field:
        frame = frame.sort("field_name", "received_at", maintain_order=True)
    cells = render(frame, style)
    bad_received = None
    if "defect" in frame.columns and "received_at" in style.columns and style.dates in ("excel", "serial"):
        bad_received = _bad_received_texts(frame, style)
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_PROPERTIES_TIME, "author": "Hệ thống một cửa điện tử"})
    sheet = book.add_worksheet("DanhSachHoSo")
    fmt = _formats(book, style)
    names = [ROW_NUMBER_HEADER] + [_headers(style)[c] for c in style.columns]
    row = _write_titles(sheet, fmt, title_rows(title_unit, period, style.title_rows, heading), len(names))
    for col, name in enumerate(names):
        sheet.write_string(row, col, name, fmt["header"])
    _set_widths(sheet, style)
    row = _write_body(sheet, fmt, cells, style, row + 1, frame["field_name"].to_list(), bad_received)
    book.close()
    return path


def _formats(book, style: ExportStyle) -> dict:
    date_fmt = "dd/mm/yyyy hh:mm:ss" if style.dates == "excel" else "General"
    return {"title": book.add_format({"bold": True, "align": "center"}),
            "header": book.add_format({"bold": True, "border": 1, "text_wrap": True, "align": "center"}),
            "date": book.add_format({"num_format": date_fmt}),
            "money": book.add_format({"num_format": "#,##0"}),
            "group": book.add_format({"bold": True, "italic": True}),
            "total": book.add_format({"bold": True})}


def _write_titles(sheet, fmt, titles: list[str], width: int) -> int:
    for r, text in enumerate(titles):
        if text:
            sheet.merge_range(r, 0, r, min(width - 1, 8), text, fmt["title"])
    return len(titles)


def _set_widths(sheet, style: ExportStyle) -> None:
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(style.columns), 18)


def _write_body(sheet, fmt, cells: pl.DataFrame, style: ExportStyle, first_row: int,
                fields: list[str], bad_received: list | None) -> int:
    columns = [cells[c].to_list() for c in style.columns]
    kinds = []
    for c in style.columns:
        if c in DATE_COLUMNS and style.dates in ("excel", "serial"):
            kinds.append("date")
        elif c == "fee_amount" and style.dates in ("excel", "serial"):
            kinds.append("money")
        else:
            kinds.append("text")
    write_string, write_number = sheet.write_string, sheet.write_number
    date_fmt, money_fmt = fmt["date"], fmt["money"]
    epoch = EXCEL_EPOCH
    received_col = style.columns.index("received_at") + 1 if "received_at" in style.columns else -1
    row = first_row
    group = None
    fee_total = 0
    for i, values in enumerate(zip(*columns)):
        if style.group_by_field and fields[i] != group:
            group = fields[i]
            write_string(row, 0, f"Lĩnh vực: {group}", fmt["group"])
            row += 1
        write_number(row, 0, i + 1)
        for j, value in enumerate(values):
            if value is None:
                continue
            kind = kinds[j]
            if kind == "text":
                write_string(row, j + 1, value)
            elif kind == "date":
                write_number(row, j + 1, (value - epoch).total_seconds() / 86400.0, date_fmt)
            else:
                write_number(row, j + 1, value, money_fmt)
                fee_total += value
        if bad_received is not None and bad_received[i] is not None:
            write_string(row, received_col, bad_received[i])
        row += 1
    sheet.write_string(row, 0, f"Tổng cộng: {len(cells)} hồ sơ", fmt["total"])
    if "fee_amount" in style.columns and fee_total:
        write_number(row, style.columns.index("fee_amount") + 1, fee_total, money_fmt)
    return row + 1


def _bad_received_texts(frame: pl.DataFrame, style: ExportStyle) -> list:
    year = frame.select(pl.col("received_at").dt.year().alias("_received_year"), "defect")
    return year.select(pl.when(pl.col("defect") == "date").then(bad_date_text("text"))).to_series().to_list()


# ----------------------------------------------------------------------------- HTML .xls
HTML_COLUMNS = ["dossier_code", "procedure_name", "field_name", "resolving_unit", "applicant_name",
                "applicant_address", "applicant_phone", "received_at", "due_at", "finished_at",
                "returned_at", "status", "channel", "online_level", "officer_name", "supplement_count",
                "apology_issued_at", "apology_due_at", "fee_amount", "rating", "note"]
HTML_DATE_GROUP = {"received_at": "tiếp nhận", "due_at": "hẹn trả", "finished_at": "có kết quả",
                   "returned_at": "trả kết quả"}


def write_html_xls(frame: pl.DataFrame, path: Path, *, title_unit: str, period: tuple[date, date],
                   layout: str | ExportStyle | None = None, **overrides) -> Path:
    """An ".xls" that is really an HTML table (UTF-8 with BOM): title rows, and a two-row header
    where "Ngày" spans tiếp nhận / hẹn trả / có kết quả / trả kết quả."""
    base = layout or ExportStyle(headers="vn", columns=tuple(HTML_COLUMNS), unit="ubnd", status="vn_a",
                                 channel="vn", level="vn", flags="x", rating="vn", dates="short", fee_dots=True)
    style = style_for(base, **overrides)
    cells = render(frame, style)
    names = _headers(style)
    width = len(style.columns) + 1
    parts = ['<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">',
             '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>',
             '<table border="1" cellspacing="0">']
    for text in title_rows(title_unit, period, 5):
        parts.append(f'<tr><td colspan="{width}" align="center"><b>{html.escape(text)}</b></td></tr>' if text
                     else f'<tr><td colspan="{width}"></td></tr>')
    parts.append(_html_header(style, names))
    parts.append(_html_body(cells, style))
    total = f"Tổng cộng: {cells.height} hồ sơ"
    parts.append(f'<tr><td colspan="{width}"><b>{total}</b></td></tr></table></body></html>')
    Path(path).write_bytes(("\ufeff" + "\n".join(parts)).encode("utf-8"))
    return Path(path)


def _html_header(style: ExportStyle, names: dict[str, str]) -> str:
    top, bottom = [f'<th rowspan="2">{ROW_NUMBER_HEADER}</th>'], []
    placed = False
    for col in style.columns:
        if col in HTML_DATE_GROUP:
            if not placed:
                span = sum(c in HTML_DATE_GROUP for c in style.columns)
                top.append(f'<th colspan="{span}">Ngày</th>')
                placed = True
            bottom.append(f"<th>{HTML_DATE_GROUP[col]}</th>")
        else:
            top.append(f'<th rowspan="2">{html.escape(names[col])}</th>')
    return "<tr>" + "".join(top) + "</tr>\n<tr>" + "".join(bottom) + "</tr>"


def _html_body(cells: pl.DataFrame, style: ExportStyle) -> str:
    text_cell = '<td style="mso-number-format:\'\\@\'">'
    tds = [pl.concat_str([pl.lit("<tr><td>"), pl.int_range(1, pl.len() + 1).cast(pl.String), pl.lit("</td>")])]
    for col in style.columns:
        value = (pl.col(col).cast(pl.String).fill_null("").str.replace_all("&", "&amp;", literal=True)
                 .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True))
        opener = text_cell if col in ("dossier_code", "applicant_phone") else "<td>"
        tds.append(pl.concat_str([pl.lit(opener), value, pl.lit("</td>")]))
    rows = cells.select(pl.concat_str(tds + [pl.lit("</tr>")]).alias("row"))["row"]
    return "\n".join(rows.to_list())


# ----------------------------------------------------------------------------- surveys
def write_survey_xlsx(frame: pl.DataFrame, path: Path, *, period: tuple[date, date], unit_style: str = "ubnd") -> Path:
    """Survey export: one row per respondent; question texts as headers, answers 1–5."""
    units = unit_labels(unit_style)
    cells = frame.with_columns(pl.col("unit").replace(units))
    headers = {"response_id": "Mã phiếu", "unit": "Đơn vị", "response_date": "Ngày khảo sát",
               "dossier_code": "Mã hồ sơ", "field_name": "Lĩnh vực", "comment": "Ý kiến khác"}
    columns = cells.columns
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_PROPERTIES_TIME, "author": "Hệ thống khảo sát SIPAS"})
    sheet = book.add_worksheet("KetQuaKhaoSat")
    bold = book.add_format({"bold": True})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_string(0, 0, "KẾT QUẢ KHẢO SÁT MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC", bold)
    sheet.write_string(1, 0, f"(Từ ngày {period[0]:%d/%m/%Y} đến ngày {period[1]:%d/%m/%Y})")
    sheet.write_string(3, 0, ROW_NUMBER_HEADER, bold)
    for j, col in enumerate(columns):
        sheet.write_string(3, j + 1, headers.get(col, col), bold)
    data = [cells[c].to_list() for c in columns]
    for i, values in enumerate(zip(*data)):
        r = i + 4
        sheet.write_number(r, 0, i + 1)
        for j, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_number(r, j + 1, (datetime.combine(value, datetime.min.time()) - EXCEL_EPOCH).days, date_fmt)
            elif isinstance(value, str):
                sheet.write_string(r, j + 1, value)
            else:
                sheet.write_number(r, j + 1, value)
    book.close()
    return path


def write_rating_xlsx(frame: pl.DataFrame, path: Path, *, period: tuple[date, date]) -> Path:
    """Rating export of the public-service portal: one row per rating, level as words, the
    criteria (when present) as 2/1/0 columns."""
    labels = {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"}
    cells = frame.with_columns(pl.col("unit").replace(unit_labels("full")),
                               pl.col("rating").replace_strict(labels, return_dtype=pl.String))
    headers = {"dossier_code": "Mã hồ sơ", "unit": "Đơn vị", "rated_at": "Ngày đánh giá",
               "rating": "Mức độ hài lòng", "comment": "Ý kiến"}
    columns = cells.columns
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_PROPERTIES_TIME, "author": "Cổng dịch vụ công"})
    sheet = book.add_worksheet("DanhGia")
    bold = book.add_format({"bold": True})
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_string(0, 0, "KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG TRONG GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", bold)
    sheet.write_string(1, 0, f"(Từ ngày {period[0]:%d/%m/%Y} đến ngày {period[1]:%d/%m/%Y})")
    sheet.write_string(3, 0, ROW_NUMBER_HEADER, bold)
    for j, col in enumerate(columns):
        sheet.write_string(3, j + 1, headers.get(col, col), bold)
    for i, values in enumerate(zip(*[cells[c].to_list() for c in columns])):
        r = i + 4
        sheet.write_number(r, 0, i + 1)
        for j, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_number(r, j + 1, (value - EXCEL_EPOCH).total_seconds() / 86400, stamp)
            elif isinstance(value, str):
                sheet.write_string(r, j + 1, value)
            else:
                sheet.write_number(r, j + 1, value)
    book.close()
    return Path(path)
