"""Extract (and the skipping/typing that follows in normalize): headers under title rows, two-row
merged headers, group and total rows, clerk-visible row numbers, encodings, and files that are
not exports."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from fixtures_exports import (
    API_HEADERS,
    TITLES,
    Blank,
    Group,
    Total,
    dossier,
    set_number_literals,
    write_dossier_csv,
    write_dossier_html_xls,
    write_dossier_xlsx,
    write_other_xlsx,
    write_plain_xlsx,
    write_png_as_xlsx,
    write_sheets,
    write_truncated_xlsx,
    write_unicode_text,
)

from etl.errors import EtlError
from etl.extract import extract_file
from etl.load import normalize_table
from etl.normalize import Context


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context.default()


def normalized(path: Path, ctx: Context):
    [table] = extract_file(path)
    return table, normalize_table(table, ctx)


def errors_of(result) -> pl.DataFrame:
    return result.rejects.filter(pl.col("severity") == "error")


# Three dossiers whose three dates are all different, so a column mapped to the wrong date shows.
KS1 = dossier("000.00.53.H48-260202-0001", "UBND phường Thanh Khê", datetime(2026, 2, 2, 8, 0),
              datetime(2026, 2, 4, 17, 0), datetime(2026, 2, 3, 10, 0), "Đã trả kết quả",
              procedure="Đăng ký khai sinh", field="Hộ tịch", channel="Trực tuyến")
KS2 = dossier("000.00.53.H48-260202-0002", "Xã Hòa Vang", 46055.375,  # serial: 02/02/2026 09:00
              "05/02/2026", "05/02/2026 16:00:00", "Hoàn thành",
              procedure="Đăng ký khai sinh", field="Lĩnh vực Hộ tịch", channel="Trực tiếp")
CT1 = dossier("000.00.53.H48-260203-0003", "Bộ phận một cửa xã Hòa Vang", "03/02/2026 14:00:00",
              datetime(2026, 2, 4, 14, 0), None, "Đang giải quyết",
              procedure="Chứng thực bản sao từ bản chính", field="Chứng thực", channel="Bưu chính công ích")
EXPECTED = {
    # code: (unit, received, due, finished, status, field, channel)
    KS1["code"]: ("20209", datetime(2026, 2, 2, 8, 0), datetime(2026, 2, 4, 17, 0), datetime(2026, 2, 3, 10, 0),
                  10, "ho_tich", 1 + 1),
    KS2["code"]: ("20320", datetime(2026, 2, 2, 9, 0), datetime(2026, 2, 5), datetime(2026, 2, 5, 16, 0),
                  9, "ho_tich", 1),
    CT1["code"]: ("20320", datetime(2026, 2, 3, 14, 0), datetime(2026, 2, 4, 14, 0), None,
                  4, "chung_thuc", 3),
}
LINES = [Group("Lĩnh vực: Hộ tịch"), KS1, KS2, Group("Lĩnh vực: Chứng thực"), CT1, Blank(), Total(count=3)]


def assert_expected_rows(result):
    assert errors_of(result).height == 0, errors_of(result).to_dicts()
    got = {
        r["dossier_code"]: (r["resolving_unit_code"], r["received_at"], r["due_at"], r["finished_at"],
                            r["status_code"], r["field_code"], r["channel_code"])
        for r in result.rows.iter_rows(named=True)
    }
    assert got == EXPECTED


# --- header detection -----------------------------------------------------------------------------


def test_xlsx_header_found_under_title_rows(exports_dir):
    path = exports_dir / "ds.xlsx"
    write_dossier_xlsx(path, LINES)
    [table] = extract_file(path)
    # Rows 1–3 titles, row 4 blank, rows 5–6 the two-row header.
    assert table.header_rows == (5, 6)
    assert table.kind == "dossier"
    assert table.sheet == "Danh sách"
    assert table.title_lines == TITLES
    assert table.period == (date(2026, 2, 1), date(2026, 3, 13))
    assert table.extra_columns == ()  # STT is ignored, not reported


@pytest.mark.parametrize("writer", [write_dossier_xlsx, write_dossier_html_xls], ids=["xlsx", "html-xls"])
def test_two_row_header_maps_ngay_subcolumns(exports_dir, ctx, writer):
    # "Ngày" is merged over its sub-columns, and they are in an unusual order (due first): the
    # mapping must follow the words, not the position.
    path = exports_dir / ("ds.xlsx" if writer is write_dossier_xlsx else "ds.xls")
    keys = ("code", "procedure", "field", "unit", "due", "received", "finished", "status", "channel")
    writer(path, LINES, keys=keys)
    table, result = normalized(path, ctx)
    assert table.columns["due_at"] == "Ngày hẹn trả"
    assert table.columns["received_at"] == "Ngày tiếp nhận"
    assert table.columns["finished_at"] == "Ngày có kết quả"
    assert table.columns["dossier_code"] == "Mã hồ sơ"  # merged vertically over both header rows
    assert_expected_rows(result)


def test_one_row_header(exports_dir, ctx):
    path = exports_dir / "ds.xlsx"
    write_dossier_xlsx(path, LINES, merged_header=False, titles=())
    table, result = normalized(path, ctx)
    assert table.header_rows == (1,)
    assert_expected_rows(result)


# --- group, total and blank rows ------------------------------------------------------------------

LAYOUTS = {
    "xlsx": lambda p, **kw: write_dossier_xlsx(p.with_suffix(".xlsx"), LINES, **kw),
    "xlsx-no-stt": lambda p, **kw: write_dossier_xlsx(p.with_suffix(".xlsx"), LINES, stt=False, **kw),
    "html-xls": lambda p, **kw: write_dossier_html_xls(p.with_suffix(".xls"), LINES, **kw),
    # Without an STT column the group text sits in the «Mã hồ sơ» column itself.
    "html-xls-no-stt": lambda p, **kw: write_dossier_html_xls(p.with_suffix(".xls"), LINES, stt=False, **kw),
    "csv": lambda p, **kw: write_dossier_csv(p.with_suffix(".csv"), LINES, titles=TITLES, **kw),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_group_total_and_blank_rows_skipped(exports_dir, ctx, layout):
    LAYOUTS[layout](exports_dir / "ds")
    [path] = list(exports_dir.iterdir())
    _, result = normalized(path, ctx)
    assert_expected_rows(result)
    # 2 group rows + 1 blank row + 1 total row.
    assert result.rows_skipped == 4
    assert result.rows_read == 3


# --- row numbers ----------------------------------------------------------------------------------

BAD_STATUS = {**KS2, "status": "Trạng thái lạ"}
LINES_WITH_BAD = [Group("Lĩnh vực: Hộ tịch"), KS1, BAD_STATUS, Group("Lĩnh vực: Chứng thực"), CT1]


def test_row_numbers_xlsx_are_excel_rows(exports_dir, ctx):
    path = exports_dir / "ds.xlsx"
    rows_of = write_dossier_xlsx(path, LINES_WITH_BAD)
    _, result = normalized(path, ctx)
    # Titles 1–3, blank 4, header 5–6, group 7, KS1 8, bad row 9, group 10, CT1 11.
    assert rows_of == {KS1["code"]: 8, KS2["code"]: 9, CT1["code"]: 11}
    assert dict(zip(result.rows["dossier_code"], result.rows["source_row"])) == {KS1["code"]: 8, CT1["code"]: 11}
    assert errors_of(result)["source_row"].to_list() == [9]


def test_row_numbers_xlsx_with_empty_rows_on_top(exports_dir, ctx):
    path = exports_dir / "ds.xlsx"
    write_dossier_xlsx(path, LINES_WITH_BAD, first_row=2)
    _, result = normalized(path, ctx)
    # Rows 1–2 empty, titles 3–5, blank 6, header 7–8, group 9, KS1 10, bad row 11.
    assert errors_of(result)["source_row"].to_list() == [11]


def test_row_numbers_html(exports_dir, ctx):
    path = exports_dir / "ds.xls"
    write_dossier_html_xls(path, LINES_WITH_BAD)
    table, result = normalized(path, ctx)
    # Two title paragraphs (rows 1–2, as Excel lays them out), header 3–4, group 5, KS1 6, bad row 7.
    assert table.header_rows == (3, 4)
    assert errors_of(result)["source_row"].to_list() == [7]


HTML_PAGES = {
    # Two title paragraphs: rows 1–2; header 3–4; group 5; KS1 6; bad row 7.
    "footer": (dict(footer=("Người lập biểu", "Thủ trưởng đơn vị")), 7),
    "wrapped-in-div": (dict(wrap_div=True), 7),
    # Three titles as bare text split by <br>: rows 1–3; header 4–5; group 6; KS1 7; bad row 8.
    "br-titles": (dict(titles=TITLES, title_style="br"), 8),
    "layout-table": (dict(titles=TITLES, title_style="table"), 8),
}


@pytest.mark.parametrize("page", list(HTML_PAGES))
def test_row_numbers_html_page_layouts(exports_dir, ctx, page):
    options, bad_row = HTML_PAGES[page]
    path = exports_dir / "ds.xls"
    write_dossier_html_xls(path, LINES_WITH_BAD, **options)
    table, result = normalized(path, ctx)
    assert errors_of(result)["source_row"].to_list() == [bad_row]
    assert table.period == (date(2026, 2, 1), date(2026, 3, 13))
    assert "Người lập biểu" not in table.title_lines


def test_unit_named_in_html_title_rows(exports_dir, ctx):
    # No unit column: the unit comes from a title line ("UBND PHƯỜNG THANH KHÊ").
    path = exports_dir / "ds.xls"
    keys = ("code", "procedure", "received", "due", "finished", "status")
    titles = ("UBND PHƯỜNG THANH KHÊ", "DANH SÁCH HỒ SƠ", "(Từ ngày 01/02/2026 đến ngày 13/03/2026)")
    write_dossier_html_xls(path, [KS1, KS2], keys=keys, titles=titles, title_style="br")
    _, result = normalized(path, ctx)
    assert errors_of(result).height == 0, errors_of(result).to_dicts()
    assert result.rows["resolving_unit_code"].to_list() == ["20209", "20209"]


TK_NAME = "UBND phường Thanh Khê"


# An HTML export with procedure names but no procedure code, no field and no due date: the name
# finds the catalogue entry (procedures.csv) whatever its accents, case, spacing or commas, and
# the field and processing time come from there. November 2026: Mon 2, Tue 3, Wed 4, … Wed 2/12.
NAMED = [
    # 1.001193 Đăng ký khai sinh: hộ tịch, 1 working day. 08:00 Mon 2 → Tue 3 08:00.
    dossier("PN-1", TK_NAME, "02/11/2026 08:00", None, None, "Đang xử lý", procedure="ĐĂNG KÝ  KHAI SINH"),
    # 1.012782 Hòa giải tranh chấp đất đai: đất đai, 30 calendar days. Mon 2/11 + 30 = Wed 2/12, a
    # working day, at closing time 17:00.
    dossier("PN-2", TK_NAME, "02/11/2026 08:00", None, None, "Đang xử lý", procedure="hoa giai tranh chap dat dai"),
    # 2.000884 "Chứng thực chữ ký trong các giấy tờ, văn bản" typed in NFD without its comma:
    # chứng thực, 1 working day. 14:00 Tue 3 → Wed 4 14:00.
    dossier("PN-3", TK_NAME, "03/11/2026 14:00", None, None, "Đang xử lý",
            procedure=unicodedata.normalize("NFD", "Chứng thực chữ ký trong các giấy tờ văn bản")),
    # Not in the catalogue: no code, unknown field, and (no due date, no processing time) rejected
    # as before.
    dossier("PN-4", TK_NAME, "03/11/2026 14:00", None, None, "Đang xử lý", procedure="Thủ tục chưa có trong danh mục"),
]


def test_procedure_named_without_code_is_found_in_the_catalogue(exports_dir, ctx):
    path = exports_dir / "ten_thu_tuc.xls"
    write_dossier_html_xls(path, NAMED, keys=("code", "procedure", "unit", "received", "due", "status"))
    _, result = normalized(path, ctx)
    got = {r["dossier_code"]: (r["procedure_code"], r["field_code"], r["processing_days"], r["due_at"])
           for r in result.rows.iter_rows(named=True)}
    assert got == {
        "PN-1": ("1.001193.000.00.00.H48", "ho_tich", 1.0, datetime(2026, 11, 3, 8, 0)),
        "PN-2": ("1.012782.000.00.00.H48", "dat_dai", 30.0, datetime(2026, 12, 2, 17, 0)),
        "PN-3": ("2.000884.000.00.00.H48", "chung_thuc", 1.0, datetime(2026, 11, 4, 14, 0)),
    }
    assert errors_of(result).select("dossier_code", "reason_code").rows() == [("PN-4", "missing_due")]


def test_a_procedure_name_two_catalogue_entries_share_matches_nothing():
    from core.procedures import procedure_name_index

    rows = [{"procedure_code": "1.000001.000.00.00.H48", "procedure_name": "Cấp phép"},
            {"procedure_code": "2.000002.000.00.00.H48", "procedure_name": "CẤP PHÉP"},  # same name, folded
            {"procedure_code": "1.000003.000.00.00.H48", "procedure_name": "Đăng ký khai sinh"},
            {"procedure_code": "1.000004.000.00.00.H48", "procedure_name": ""}]
    assert procedure_name_index(rows) == {"dangkykhaisinh": "1.000003.000.00.00.H48"}


def test_row_numbers_csv_count_records_not_lines(exports_dir, ctx):
    path = exports_dir / "ds.csv"
    first = {**KS1, "note": "Ghi chú dòng 1\nGhi chú dòng 2"}  # one cell spanning two physical lines
    keys = ("code", "procedure", "field", "unit", "received", "due", "finished", "status", "channel", "note")
    write_dossier_csv(path, [Group("Lĩnh vực: Hộ tịch"), first, BAD_STATUS], titles=TITLES, keys=keys)
    _, result = normalized(path, ctx)
    # Titles 1–3, header 4, group 5, KS1 6 (a single row in Excel despite the line break), bad row 7.
    assert errors_of(result)["source_row"].to_list() == [7]
    assert result.rows["note"].to_list() == ["Ghi chú dòng 1 Ghi chú dòng 2"]  # line break folded to a space


# Codes as Excel number cells. Written through a 64-bit float they would come back rounded
# (12345678901234567 → "12345678901234568", or "12345678901234570" from a 16-digit literal); the
# sheet's XML holds the exact digits and they are what loads. Rows: titles 1–3, blank 4, header
# 5–6, data from 7.
NUMBER_CODES = [  # (cell value as xlsxwriter writes it, the XML literal put in its place, code expected)
    (12345678901234567, "12345678901234567", "12345678901234567"),  # 64-bit integer, as EPPlus writes it
    (98765432109876543210, "98765432109876543210", "98765432109876543210"),  # 20 digits
    (1.2345678901234569e16, "1.2345678901234569E+16", "12345678901234569"),  # 17 significant digits, as POI
    (9007199254740993, "9007199254740993", "9007199254740993"),  # 2**53 + 1: the first integer a float misses
    (12345, None, "12345"),  # a short number: exact through the float too
    ("0012345", None, "0012345"),  # a text cell keeps its leading zeros
]


def test_long_number_codes_are_read_exactly(exports_dir, ctx):
    path = exports_dir / "ma_so.xlsx"
    lines = [dossier(value, "Xã Hòa Vang", "02/11/2026 08:00", "05/11/2026", None, "Đang xử lý")
             for value, _, _ in NUMBER_CODES]
    write_dossier_xlsx(path, lines)
    # Column B holds the code (A is STT); data rows start at 7.
    set_number_literals(path, {f"B{7 + i}": literal for i, (_, literal, _) in enumerate(NUMBER_CODES) if literal})
    _, result = normalized(path, ctx)
    assert errors_of(result).height == 0, errors_of(result).to_dicts()
    assert result.rows.sort("source_row")["dossier_code"].to_list() == [code for _, _, code in NUMBER_CODES]


# --- encodings and text forms ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_excel_unicode_text_utf16_with_tabs(exports_dir, ctx, suffix):
    # Excel's "Unicode Text": UTF-16 LE with a byte-order mark, tabs, titles 1–3, blank 4, header 5,
    # group 6, KS1 7, KS2 8, group 9, CT1 10, blank 11, total 12.
    path = exports_dir / f"van_ban_unicode{suffix}"
    write_unicode_text(path, LINES)
    assert path.read_bytes()[:4] == b"\xff\xfeU\x00"  # BOM, then "U" of "UBND …" in UTF-16 LE
    table, result = normalized(path, ctx)
    assert table.header_rows == (5,)
    assert table.period == (date(2026, 2, 1), date(2026, 3, 13))
    assert (result.rows_read, result.rows_skipped) == (3, 4)
    assert_expected_rows(result)
    assert sorted(result.rows["source_row"].to_list()) == [7, 8, 10]

ENCODINGS = [
    dict(encoding="utf-8"),
    dict(encoding="utf-8-sig"),
    dict(encoding="cp1258"),
    dict(encoding="utf-8", delimiter=";", form="nfd"),
    dict(encoding="utf-8-sig", delimiter=";", nbsp=True),
    dict(encoding="cp1258", delimiter=";", nbsp=True),
]


@pytest.mark.parametrize("options", ENCODINGS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_csv_encodings(exports_dir, ctx, options):
    path = exports_dir / "ds.csv"
    write_dossier_csv(path, LINES, titles=TITLES, **options)
    table, result = normalized(path, ctx)
    assert_expected_rows(result)
    assert table.period == (date(2026, 2, 1), date(2026, 3, 13))
    names = sorted(set(result.rows["procedure_name"].to_list()))
    assert names == ["Chứng thực bản sao từ bản chính", "Đăng ký khai sinh"]  # NFC, no NBSP


def test_api_camel_case_headers(exports_dir, ctx):
    path = exports_dir / "api.csv"
    rows = [
        {**KS1, "status": "10", "channel": "2"},
        {**KS2, "received": datetime(2026, 2, 2, 9, 0), "due": datetime(2026, 2, 5),
         "finished": datetime(2026, 2, 5, 16, 0), "status": "9", "channel": "1"},
        {**CT1, "received": datetime(2026, 2, 3, 14, 0), "status": "4", "channel": "3"},
    ]
    write_dossier_csv(path, rows, headers=API_HEADERS, date_style="iso",
                      keys=("code", "procedure", "field", "unit", "received", "due", "finished", "status", "channel"))
    table, result = normalized(path, ctx)
    assert table.columns["dossier_code"] == "MaHoSo"
    assert table.columns["status"] == "TrangThaiHoSoId"
    assert table.columns["channel"] == "KenhThucHien"
    assert_expected_rows(result)


# --- files that are not exports -------------------------------------------------------------------


def _html_without_table(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf<html><body><p>L\xe1\xbb\x97i 404</p></body></html>")


def _text_csv(path: Path) -> None:
    path.write_text("ho_ten,lop,diem\nAn,10A1,8\n", encoding="utf-8")


def _header_only_xlsx(path: Path) -> None:
    write_dossier_xlsx(path, [])


def _header_only_csv(path: Path) -> None:
    write_dossier_csv(path, [], titles=TITLES)


def _header_and_total_only(path: Path) -> None:
    write_plain_xlsx(path, [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"], [None, None, None, None]])


NOT_EXPORTS = [
    ("lop_10a1.xlsx", write_other_xlsx, "không tìm thấy dòng tiêu đề"),
    ("anh_chup.xlsx", write_png_as_xlsx, "không phải văn bản CSV, Excel hay bảng HTML"),
    ("bi_cat.xlsx", lambda p: write_truncated_xlsx(p, [KS1, KS2, CT1] * 30), "không đọc được tệp Excel"),
    ("rong.csv", lambda p: p.write_bytes(b""), "tệp rỗng"),
    ("trang_loi.xls", _html_without_table, "không có bảng nào"),
    ("ghi_chu.csv", _text_csv, "không tìm thấy dòng tiêu đề"),
    ("chi_tieu_de.xlsx", _header_only_xlsx, "không có dòng dữ liệu"),
    ("chi_tieu_de.csv", _header_only_csv, "không có dòng dữ liệu"),
    ("tieu_de_va_dong_trong.xlsx", _header_and_total_only, "không có dòng dữ liệu"),
]


@pytest.mark.parametrize("name, writer, problem", NOT_EXPORTS, ids=[n for n, _, _ in NOT_EXPORTS])
def test_not_an_export(exports_dir, name, writer, problem):
    path = exports_dir / name
    writer(path)
    with pytest.raises(EtlError) as info:
        extract_file(path)
    message = str(info.value)
    assert info.value.file == name
    assert f"tệp «{name}»" in message
    assert problem in message
    assert "Cách xử lý:" in message  # every error says what to do


def test_html_with_broken_span_attributes(exports_dir, ctx):
    # Browsers (and Excel) read colspan="x" as 1 and "2;" as 2; so must we, rather than crash.
    page = ('<html><body><table><tr><th colspan="x">Mã hồ sơ</th><th>Đơn vị</th><th colspan="2;">Ngày</th>'
            '<th rowspan="">Trạng thái</th></tr><tr><th></th><th></th><th>tiếp nhận</th><th>hẹn trả</th><th></th></tr>'
            '<tr><td>H1</td><td>Phường Thanh Khê</td><td>02/02/2026 08:00</td><td>04/02/2026</td><td>4</td></tr>'
            "</table></body></html>")
    path = exports_dir / "loi_the.xls"
    path.write_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"))
    _, result = normalized(path, ctx)
    assert errors_of(result).height == 0
    assert result.rows.select("dossier_code", "received_at", "due_at").rows() == [
        ("H1", datetime(2026, 2, 2, 8, 0), datetime(2026, 2, 4))]


# A Form 06 summary sheet: «Lĩnh vực», «Trực tuyến» and «Ghi chú» are dossier aliases too, but
# without «Mã hồ sơ» it is not a dossier list.
SUMMARY_SHEET = [
    ["BIỂU SỐ 06"],
    ["STT", "Lĩnh vực", "Tổng số", "Trực tuyến", "Trực tiếp", "Trước hạn", "Đúng hạn", "Quá hạn", "Ghi chú"],
    [1, "Hộ tịch", 10, 4, 6, 3, 5, 2, None],
    [2, "Chứng thực", 5, 1, 4, 1, 1, 3, "Có 1 hồ sơ xin lỗi"],
]
DETAIL_SHEET = [
    ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"],
    ["C1", "Phường Thanh Khê", "02/02/2026 08:00", "04/02/2026", "Đang xử lý"],
]


def test_summary_sheet_beside_the_list_is_skipped(exports_dir):
    path = exports_dir / "bao_cao.xlsx"
    write_sheets(path, {"Tổng hợp": SUMMARY_SHEET, "Chi tiết": DETAIL_SHEET})
    tables = extract_file(path)
    assert [(t.sheet, t.kind) for t in tables] == [("Chi tiết", "dossier")]


def test_missing_code_column_is_one_error_naming_the_column(exports_dir):
    path = exports_dir / "thieu_ma.xlsx"
    write_sheets(path, {"Tổng hợp": SUMMARY_SHEET})
    with pytest.raises(EtlError) as info:
        extract_file(path)
    assert (info.value.file, info.value.sheet, info.value.column) == ("thieu_ma.xlsx", "Tổng hợp", "Mã hồ sơ")
    assert "dòng tiêu đề (dòng 2) không có cột «Mã hồ sơ»" in str(info.value)
    # The same in a CSV export: not one reject per row, one error for the file.
    csv_path = exports_dir / "thieu_ma.csv"
    write_dossier_csv(csv_path, [KS1, KS2], keys=("unit", "received", "due", "status"))
    with pytest.raises(EtlError) as info:
        extract_file(csv_path)
    assert "không có cột «Mã hồ sơ»" in str(info.value) and info.value.file == "thieu_ma.csv"


def test_error_names_the_uploaded_name(exports_dir):
    # Uploads are stored under a temporary name; the clerk must see the name they chose.
    path = exports_dir / "tmp_upload_123.xlsx"
    write_png_as_xlsx(path)
    with pytest.raises(EtlError) as info:
        extract_file(path, display_name="Báo cáo tháng 2.xlsx")
    assert "tệp «Báo cáo tháng 2.xlsx»" in str(info.value)


# --- a CSV read in chunks -------------------------------------------------------------------------


def _many_lines(n: int) -> list:
    """n groups of the three dossiers (codes made unique), every tenth with a line break in a
    quoted cell and every seventh with two spaces in a row, with group, blank and total rows between."""
    out = []
    for i in range(n):
        note = f"Ghi chú {i}\ndòng hai" if i % 10 == 0 else f"Ghi chú {i}" if i % 7 else f"Ghi  chú {i} "
        out += [Group("Lĩnh vực: Hộ tịch"), {**KS1, "code": f"KS1-{i:04d}", "note": note},
                {**KS2, "code": f"KS2-{i:04d}"}, Group("Lĩnh vực: Chứng thực"), {**CT1, "code": f"CT1-{i:04d}"},
                Blank()]
    return [*out, Total(count=3 * n)]


@pytest.mark.parametrize("options", ENCODINGS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_a_csv_read_in_chunks_is_the_csv_read_whole(exports_dir, options):
    """Chunks of a few hundred bytes (records cut between them, CRLF line ends, a quoted cell with a
    line break, a file in Windows-1258 or with NBSP) give the same rows and row numbers as one
    chunk; each chunk's skipped repairs (`clean`) change nothing."""
    from core.text import clean_columns
    from etl.extract import iter_tables

    path = exports_dir / "nhieu.csv"
    keys = ("code", "procedure", "field", "unit", "received", "due", "finished", "status", "channel", "note")
    write_dossier_csv(path, _many_lines(40), titles=TITLES, keys=keys, **options)
    [whole] = list(iter_tables(path, chunk_bytes=1 << 30))
    chunks = list(iter_tables(path, chunk_bytes=700))
    assert len(chunks) > 20 and {c.part for c in chunks} == {0}
    assert [c.chunk for c in chunks] == list(range(len(chunks)))
    assert pl.concat([c.data for c in chunks]).equals(whole.data)
    assert whole.data["_row"].to_list() == list(range(5, 5 + whole.data.height))  # titles 1–3, header 4
    for chunk in chunks:
        columns = [c for c in chunk.data.columns if c != "_row"]
        assert clean_columns(chunk.data, columns, chunk.clean).equals(clean_columns(chunk.data, columns))
    if options.get("encoding") == "utf-8" and not options.get("nbsp") and options.get("form") != "nfd":
        assert any("rare" in c.clean for c in chunks)  # the skip does happen on plain UTF-8 text
    assert any("doubled" in c.clean for c in chunks) and any("doubled" not in c.clean for c in chunks)
    assert "Ghi chú 7" in clean_columns(whole.data, ["note"])["note"].to_list()


def test_a_csv_utf8_at_its_start_only_is_read_as_windows_1258(exports_dir):
    """A file whose first megabyte is plain ASCII and whose later rows hold Windows-1258 bytes is
    Windows-1258 throughout (as when the whole file was decoded at once): the reader says so
    (NotUtf8) and the loader starts the file again in that encoding."""
    from etl.extract import NotUtf8, iter_tables
    from etl.load import load_files

    header = "MaHoSo,DonViXuLy,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId,GhiChu\r\n"
    row = "HS-{:05d},Xa Hoa Vang,02/02/2026 08:00,05/02/2026,4,{}\r\n"
    plain = "".join(row.format(i, "x" * 40) for i in range(14_000))
    assert len(plain) > (1 << 20)
    path = exports_dir / "cuoi_tep_1258.csv"
    path.write_bytes((header + plain).encode("ascii") + row.format(99_999, "Ghi chú").encode("cp1258"))
    with pytest.raises(NotUtf8):
        list(iter_tables(path))
    db = exports_dir / "db" / "cchc.duckdb"
    [report] = load_files([path], db)
    assert report.status == "loaded" and report.rows_new == 14_001, report.summary()
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT note FROM dossiers WHERE dossier_code = 'HS-99999'").fetchall() == [
            ("Ghi chú",)]


@pytest.mark.parametrize("raw, expected", [
    (b"", False), (b" ", False), (b"  ", True), (b"a  ", True), (b"ab  ", True), (b" a b ", False),
    (b"a b c d", False), ("Phường  Hải Châu".encode(), True), ("Phường Hải Châu ".encode(), False),
])
def test_two_spaces_in_a_row_are_found_at_any_offset(raw, expected):
    from etl.extract import _two_spaces

    assert _two_spaces(raw) == expected
