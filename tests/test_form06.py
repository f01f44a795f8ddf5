"""Biểu số 06 against a hand-worked miniature export: every count of every row, the identities,
the .xlsx (read back with fastexcel), the .csv and the `python -m etl report form06` command."""
import csv
import dataclasses
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from etl.__main__ import main as cli
from queries.connection import open_database
from queries.dossiers import period_counts
from queries.filters import Filters, Scope
from queries.form06 import FORM_COLUMNS, form06, missing_unit_codes
from queries.periods import period_containing
from reports import safe_text
from reports.form06 import form06_csv_bytes, form06_xlsx_bytes, write_form06
from tests.fixtures_exports import load_text_exports

# The official report month of December 2026: Sun 15/11/2026 – Mon 14/12/2026 (cut-off on the 14th).
PERIOD = period_containing("report_month", date(2026, 12, 1))
HAI_CHAU, THANH_KHE, STP = "20242", "20209", "48.STP"  # two wards (cấp xã), Sở Tư pháp (cấp tỉnh)

# One row per dossier; the comments below say where each lands for 15/11 – 14/12/2026.
EXPORT = """\
Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp
S1,Lý lịch tư pháp,Sở Tư pháp,14/11/2026 09:00,20/11/2026,19/11/2026,Đã trả kết quả,Trực tuyến
S2,Lý lịch tư pháp,Sở Tư pháp,16/11/2026,24/11/2026,25/11/2026,Đã trả kết quả,Trực tiếp
S3,Lý lịch tư pháp,Sở Tư pháp,10/11/2026,13/11/2026,12/11/2026,Đã trả kết quả,Trực tiếp
S4,=1+2,Sở Tư pháp,01/12/2026,18/12/2026,,Đang xử lý,Bưu chính
H1,Hộ tịch,Phường Hải Châu,14/11/2026 10:00,17/11/2026,,Đang xử lý,Trực tiếp
H2,Hộ tịch,Phường Hải Châu,02/12/2026,14/12/2026,14/12/2026 16:30,Đã trả kết quả,Trực tuyến
H3,Hộ tịch,Phường Hải Châu,07/12/2026,11/12/2026,15/12/2026,Đã xử lý xong,Trực tiếp
H4,Chứng thực,Phường Hải Châu,20/11/2026,23/11/2026,23/11/2026,Đã trả kết quả,Trực tiếp
H5,Chứng thực,Phường Hải Châu,25/11/2026,26/11/2026,,Công dân yêu cầu rút hồ sơ,
H6,Chứng thực,Phường Hải Châu,16/12/2026,17/12/2026,,Đang xử lý,Trực tiếp
H7,,Phường Hải Châu,18/11/2026,24/11/2026,23/11/2026,Đã trả kết quả,Trực tiếp
H8,Đất đai,Phường Hải Châu,01/10/2026,30/10/2026,29/10/2026,Đã trả kết quả,Trực tiếp
T1,Hộ tịch,Phường Thanh Khê,15/11/2026,19/11/2026,14/12/2026,Đã trả kết quả,Trực tuyến
T2,Hộ tịch,Phường Thanh Khê,30/11/2026,14/12/2026,,Đang xử lý,Trực tiếp
T3,Chứng thực,Phường Thanh Khê,13/11/2026,16/11/2026,,Dừng xử lý,Trực tiếp
T4,Chứng thực,Phường Thanh Khê,20/11/2026,,,Không được tiếp nhận,Trực tiếp
T5,Hộ tịch,Phường Thanh Khê,,,,Mới đăng ký,Trực tuyến
"""
# Sở Tư pháp (cấp tỉnh)
# S1 received Sat 14/11, the day before the period, not finished before it: carried over;
#    finished 19/11 before its due day 20/11: resolved early.
# S2 received in period in person; due Tue 24/11/2026, Ngày Văn hóa Việt Nam (a day off per the
#    `holidays` package); finished Wed 25/11, after the due day: resolved late (DOMAIN.md compares
#    the finish date with the due date's day, whatever kind of day that is).
# S3 finished 12/11, before the period: counted nowhere.
# S4 field typed as "=1+2" (a field first seen in this export), sent by public post (channel 3,
#    counted with in person), open, due 18/12 after the period end: in progress within deadline.
# Phường Hải Châu (cấp xã)
# H1 received 14/11, the day before the period, still open: carried over; due 17/11 < 14/12: overdue.
# H2 received online in period; finished 14/12 16:30, the last day of the period, its due day:
#    resolved on time, inside the period.
# H3 received in period; finished 15/12, the day after the period end: at the end it was still in
#    progress, and due 11/12 < 14/12: overdue.
# H4 received in period, finished on its due day 23/11: on time.
# H5 withdrawn (status 7), channel missing = in person: received in period, withdrawn/stopped/refused.
# H6 received 16/12, after the period: counted nowhere.
# H7 no field → 'Chưa rõ lĩnh vực'; due on the holiday 24/11, finished Mon 23/11: early.
# H8 Đất đai, finished 29/10 before the period: counted nowhere, so no Đất đai row.
# Phường Thanh Khê (cấp xã)
# T1 received online Sun 15/11, the first day; finished 14/12 (last day) after due 19/11: late.
# T2 received in period, open, due 14/12 = the period end, not before it: within deadline.
# T3 stopped (status 8), received before the period: stopped dossiers are never carried over.
# T4 refused (status 3) in period, in person: received in period, withdrawn/stopped/refused.
# T5 only submitted (status 1): never counted.
#
# Columns: received total = online + direct/postal + carried over | resolved total = early +
# on time + late | in progress total = within + overdue | withdrawn/stopped/refused.
COUNTS = FORM_COLUMNS + ("withdrawn_stopped_refused",)
EXPECTED = [
    # level, kind, stt, field code, field name,
    #   received (total, online, direct, carried), resolved (total, early, on time, late),
    #   in progress (total, within, overdue), withdrawn/stopped/refused
    # I = Lý lịch tư pháp + "=1+2": 2+1=3 | 0+0, 1+1=2, 1+0 | 2+0; early 1, late 1 | 0+1 within | 0
    ("tinh", "subtotal", "I", None, "Cấp tỉnh", 3, 0, 2, 1, 2, 1, 0, 1, 1, 1, 0, 0),
    # S1 carried, early; S2 direct, late: 2 = 0+1+1 | 2 = 1+0+1 | 0
    ("tinh", "field", "1", "tu_phap", "Lý lịch tư pháp", 2, 0, 1, 1, 2, 1, 0, 1, 0, 0, 0, 0),
    # S4 postal, within: 1 = 0+1+0 | 0 | 1 = 1+0
    ("tinh", "field", "2", "lv_12", "=1+2", 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0),
    # II = Hộ tịch + Chứng thực + Chưa rõ: online 2+0+0, direct 2+3+1=6, carried 1 → 9;
    #      early 0+0+1, on time 1+1+0, late 1 → 4; within 1, overdue 2 → 3; withdrawn 0+2+0 = 2.
    ("xa", "subtotal", "II", None, "Cấp xã", 9, 2, 6, 1, 4, 1, 2, 1, 3, 1, 2, 2),
    # online H2, T1; direct H3, T2; carried H1: 5 | on time H2, late T1: 2 | within T2, overdue H1, H3: 3
    ("xa", "field", "1", "ho_tich", "Hộ tịch", 5, 2, 2, 1, 2, 0, 1, 1, 3, 1, 2, 0),
    # direct H4, H5, T4: 3 | on time H4: 1 | 0 | withdrawn H5, refused T4: 2
    ("xa", "field", "2", "chung_thuc", "Chứng thực", 3, 0, 3, 0, 1, 0, 1, 0, 0, 0, 0, 2),
    # direct H7: 1 | early H7: 1
    ("xa", "field", "3", "chua_ro", "Chưa rõ lĩnh vực", 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0),
    # I + II: 3+9=12 (0+2, 2+6, 1+1) | 2+4=6 (1+1, 0+2, 1+1) | 1+3=4 (1+1, 0+2) | 0+2=2
    (None, "total", None, None, "Tổng cộng", 12, 2, 8, 2, 6, 2, 2, 2, 4, 2, 2, 2),
]
KEYS = ("level", "row_kind", "stt", "field_code", "field_name") + COUNTS


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return load_text_exports(tmp_path_factory.mktemp("form06"), {"bieu06.csv": EXPORT})


@pytest.fixture(scope="module")
def con(db):
    connection = open_database(db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def report(con):
    return form06(con, Filters(Scope.province(), PERIOD.start, PERIOD.end))


def test_every_count_of_every_row_matches_the_hand_count(report):
    rows = [tuple(r[k] for k in KEYS) for r in report.rows.iter_rows(named=True)]
    assert rows == EXPECTED


def test_column_sums_and_balance_hold_on_every_row(report):
    for r in report.rows.iter_rows(named=True):
        assert r["received_total"] == r["received_online"] + r["received_direct"] + r["carried_over"]
        assert r["resolved_total"] == r["resolved_early"] + r["resolved_on_time"] + r["resolved_late"]
        assert r["pending_total"] == r["pending_within"] + r["pending_overdue"]
        assert r["received_total"] == r["resolved_total"] + r["pending_total"] + r["withdrawn_stopped_refused"]
        assert r["balance_ok"] is True
    assert report.unbalanced.height == 0


def test_subtotals_and_total_are_what_one_sql_query_gives(con, report):
    """The ROLLUP rows equal the plain per-level and total queries (another SQL path)."""
    filters = Filters(Scope.province(), PERIOD.start, PERIOD.end)
    by_level = {r.pop("group_key"): r for r in period_counts(con, filters, by="level").to_dicts()}
    [total] = period_counts(con, filters, by="total").to_dicts()
    for r in report.rows.filter(report.rows["row_kind"] == "subtotal").iter_rows(named=True):
        assert {c: r[c] for c in COUNTS} == {c: by_level[r["level"]][c] for c in COUNTS}
    assert {c: report.total[c] for c in COUNTS} == {c: total[c] for c in COUNTS}


def test_title_facts(report):
    assert (report.period.start, report.period.end) == (date(2026, 11, 15), date(2026, 12, 14))
    assert report.whole_province and report.issuer == "UBND THÀNH PHỐ ĐÀ NẴNG"
    assert {"Sở Tư pháp", "Phường Hải Châu", "Phường Thanh Khê"} <= set(report.unit_names)


def test_scope_and_selection_narrow_the_form(con):
    ward = form06(con, Filters(Scope.units({HAI_CHAU}), PERIOD.start, PERIOD.end))
    assert ward.issuer == "UBND PHƯỜNG HẢI CHÂU" and ward.unit_names == ("Phường Hải Châu",)
    # Hải Châu alone: Hộ tịch H1, H2, H3 | Chứng thực H4, H5 | Chưa rõ H7 = 6 received.
    assert ward.rows["stt"].to_list() == ["I", "1", "2", "3", None]
    assert ward.total["received_total"] == 6 and ward.total["withdrawn_stopped_refused"] == 1
    department = form06(con, Filters(Scope.province(), PERIOD.start, PERIOD.end, unit_codes=frozenset({STP})))
    assert department.issuer == "SỞ TƯ PHÁP"
    assert department.rows["level"].to_list() == ["tinh", "tinh", "tinh", None]
    # A selection outside the viewer's scope yields an empty form, not the other unit's numbers.
    outside = form06(con, Filters(Scope.units({HAI_CHAU}), PERIOD.start, PERIOD.end, unit_codes=frozenset({STP})))
    assert outside.rows["row_kind"].to_list() == ["total"] and outside.total["received_total"] == 0


def test_an_empty_period_gives_only_a_zero_total(con):
    # January 2026: before every dossier of the export (open ones would carry over into later periods).
    empty = form06(con, Filters(Scope.province(), date(2026, 1, 1), date(2026, 1, 31)))
    assert empty.rows["row_kind"].to_list() == ["total"]
    assert all(empty.total[c] == 0 for c in COUNTS) and empty.total["balance_ok"]


def test_missing_unit_codes(con):
    assert missing_unit_codes(con, Scope.province(), [HAI_CHAU, "XYZ", STP]) == ["XYZ"]
    assert missing_unit_codes(con, Scope.province(), []) == []
    # A viewer scoped to one unit is told the others do not exist for it.
    assert missing_unit_codes(con, Scope.units({HAI_CHAU}), [HAI_CHAU, STP]) == [STP]


@pytest.mark.parametrize("raw, safe", [
    ("=1+2", "'=1+2"),
    ("+84 905 123 456", "'+84 905 123 456"),
    ("-5", "'-5"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=cmd", "'\t=cmd"),
    ("Hộ tịch", "Hộ tịch"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (12, "12"),
])
def test_safe_text(raw, safe):
    assert safe_text(raw) == safe


# --- the .xlsx --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xlsx(report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "bieu06.xlsx"
    path.write_bytes(form06_xlsx_bytes(report))
    return path


def _cells(path: Path) -> list[list]:
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
    return [list(row) for row in sheet.to_polars().rows()]


def test_xlsx_title_block(xlsx):
    cells = _cells(xlsx)
    column_a = [row[0] for row in cells]
    assert column_a[:2] == ["Biểu số 06", "UBND THÀNH PHỐ ĐÀ NẴNG"]
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in column_a
    assert "(Từ ngày 15/11/2026 đến ngày 14/12/2026)" in column_a
    assert any(row[-4] == "Đơn vị tính: hồ sơ" for row in cells)


def test_xlsx_header_is_two_merged_levels(xlsx):
    cells = _cells(xlsx)
    top = next(i for i, row in enumerate(cells) if row[0] == "STT")
    assert cells[top][:3] == ["STT", "Lĩnh vực giải quyết", "Số hồ sơ nhận giải quyết"]
    assert cells[top][6] == "Số hồ sơ đã giải quyết" and cells[top][10] == "Số hồ sơ đang giải quyết"
    assert cells[top + 1][2:13] == ["Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước",
                                    "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    assert cells[top + 2][:3] == ["(1)", "(2)", "(3)=(4)+(5)+(6)"]
    # Beside the form's columns, (14): withdrawn, stopped, refused — the balance's last term.
    assert cells[top][13] == "Rút, dừng xử lý, không tiếp nhận" and cells[top + 2][13] == "(14)"
    # Excel rows are 1-based: the group headings span their columns, STT and the name span two rows.
    r = top + 1
    assert {f"A{r}:A{r + 1}", f"B{r}:B{r + 1}", f"C{r}:F{r}", f"G{r}:J{r}", f"K{r}:M{r}",
            f"N{r}:N{r + 1}"} <= _merges(xlsx)


def _merges(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return set(re.findall(r'<mergeCell ref="([A-Z0-9:]+)"', xml))


def test_xlsx_rows_stt_names_and_totals(xlsx):
    cells = _cells(xlsx)
    first = next(i for i, row in enumerate(cells) if row[0] == "(1)") + 1
    body = cells[first:first + len(EXPECTED)]
    assert [row[0] for row in body] == ["I", "1", "2", "II", "1", "2", "3", None]
    # A field name starting with "=" comes back as text with its apostrophe, never as a formula.
    assert [row[1] for row in body] == ["Cấp tỉnh", "Lý lịch tư pháp", "'=1+2", "Cấp xã", "Hộ tịch",
                                        "Chứng thực", "Chưa rõ lĩnh vực", "Tổng cộng"]
    with zipfile.ZipFile(xlsx) as book:
        assert "<f>" not in book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # The totals row holds real numbers (read without forcing text, they come back as numbers).
    total_row = first + len(EXPECTED) - 1
    sheet = fastexcel.read_excel(xlsx).load_sheet(0, header_row=None, skip_rows=total_row, n_rows=1,
                                                  dtypes={0: "string"})
    values = sheet.to_polars().row(0)
    assert values[1] == "Tổng cộng"
    assert list(values[2:]) == [12, 2, 8, 2, 6, 2, 2, 2, 4, 2, 2, 2]
    assert all(isinstance(v, float) for v in values[2:])
    # (3) = (7) + (11) + (14) on the sheet itself: 12 = 6 + 4 + 2.
    assert values[2] == values[6] + values[10] + values[13]


def test_xlsx_notes_and_signatures(xlsx):
    texts = [cell for row in _cells(xlsx) for cell in row if cell]
    assert any(t.startswith("Ghi chú: (3) = (7) + (11) + (14)") and "(2 hồ sơ)" in t for t in texts)
    assert not any(t.startswith("Lưu ý") for t in texts)  # every row balances
    for text in ("Ngày … tháng … năm …", "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert text in texts


def test_xlsx_prints_landscape_a4_one_page_wide_with_frozen_header(xlsx):
    with zipfile.ZipFile(xlsx) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>' in xml  # 9 = A4
    assert '<pageSetUpPr fitToPage="1"/>' in xml
    assert re.search(r'<pane xSplit="2" ySplit="\d+" topLeftCell="C\d+" activePane="bottomRight" state="frozen"/>', xml)


def test_xlsx_names_the_rows_that_do_not_balance(report, tmp_path):
    # Pretend Hộ tịch lost a dossier: received 5 ≠ resolved 2 + in progress 2 + withdrawn 0.
    broken = report.rows.with_columns(
        pending_total=pl.when(pl.col("field_code") == "ho_tich").then(2).otherwise(pl.col("pending_total")))
    broken = broken.with_columns(balance_ok=pl.col("received_total") == pl.col("resolved_total")
                                 + pl.col("pending_total") + pl.col("withdrawn_stopped_refused"))
    path = write_form06(dataclasses.replace(report, rows=broken), tmp_path / "broken.xlsx")
    texts = [cell for row in _cells(path) for cell in row if cell]
    assert "Lưu ý: số liệu không cân đối ở các dòng: 1 Hộ tịch. Kiểm tra lại dữ liệu nguồn." in texts


# --- the .csv ---------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_holds_every_row(report):
    data = form06_csv_bytes(report)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = lines[0], lines[1:]
    assert header[:5] == ["STT", "Cấp", "Mã lĩnh vực", "Lĩnh vực giải quyết", "Số hồ sơ nhận giải quyết - Tổng số"]
    assert header[-2:] == ["Rút, dừng xử lý, không tiếp nhận", "Cân đối"]
    assert [row[0] for row in body] == ["I", "1", "2", "II", "1", "2", "3", ""]
    assert body[2][3] == "'=1+2"
    assert body[-1][3] == "Tổng cộng" and body[-1][4:] == ["12", "2", "8", "2", "6", "2", "2", "2", "4", "2", "2",
                                                           "2", "đúng"]


def test_write_form06_picks_the_format_by_suffix(report, tmp_path):
    assert write_form06(report, tmp_path / "a.CSV").read_bytes().startswith(b"\xef\xbb\xbf")
    assert write_form06(report, tmp_path / "a.xlsx").read_bytes().startswith(b"PK")
    with pytest.raises(ValueError, match=".xlsx hoặc .csv"):
        write_form06(report, tmp_path / "a.pdf")


# --- the command line -------------------------------------------------------------------------------


def _run(db: Path, out: Path, *extra: str) -> int:
    return cli(["report", "form06", "--from", "2026-11-15", "--to", "2026-12-14", "--db", str(db),
                "--out", str(out), *extra])


@pytest.mark.parametrize("name", ["f06.xlsx", "f06.csv"])
def test_cli_writes_the_file_and_prints_the_totals(db, tmp_path, capsys, name):
    out = tmp_path / name
    assert _run(db, out) == 0
    assert out.exists() and out.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "Nhận giải quyết: 12 (trực tuyến 2, trực tiếp/bưu chính 8, từ kỳ trước 2)" in printed
    assert "Đã giải quyết:   6 (trước hạn 2, đúng hạn 2, quá hạn 2)" in printed
    assert "Đang giải quyết: 4 (trong hạn 2, quá hạn 2)" in printed
    assert str(out.resolve()) in printed


def test_cli_with_units(db, tmp_path, capsys):
    assert _run(db, tmp_path / "stp.xlsx", "--unit", STP) == 0
    assert "Nhận giải quyết: 3 " in capsys.readouterr().out


def test_cli_unknown_unit_exits_2_with_a_message(db, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert _run(db, out, "--unit", HAI_CHAU, "--unit", "99999") == 2
    assert "Không có đơn vị mã: 99999" in capsys.readouterr().err
    assert not out.exists()


def test_cli_missing_database(tmp_path, capsys):
    assert _run(tmp_path / "none.duckdb", tmp_path / "x.xlsx") == 1
    assert "Chưa có cơ sở dữ liệu" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-12-14", "--to", "2026-11-15", "--out", "x.xlsx"], "trước ngày bắt đầu"),
    (["--from", "2026-11-15", "--to", "2026-12-14", "--out", "x.pdf"], ".xlsx hoặc .csv"),
])
def test_cli_rejects_bad_arguments(db, tmp_path, capsys, args, message):
    args = [a if a != "x.xlsx" and a != "x.pdf" else str(tmp_path / a) for a in args]
    assert cli(["report", "form06", "--db", str(db), *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_bad_date_is_an_argparse_error(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli(["report", "form06", "--from", "15/11/2026", "--to", "2026-12-14", "--db", str(db), "--out", "x.xlsx"])
    assert exit_info.value.code == 2


def test_a_due_date_on_a_day_off_can_move_to_the_next_working_day(tmp_path, monkeypatch):
    """settings.toml [timeliness] due_on_day_off = "next_working_day" (Bộ luật Dân sự 2015, art. 148):
    S2 is due on the holiday Tue 24/11/2026, so its deadline becomes Wed 25/11, the day it finished:
    on time instead of late. H7 (same due day, finished Mon 23/11) stays early. Every other row is as
    in EXPECTED: Lý lịch tư pháp early 1, on time 0 → 1, late 1 → 0; the subtotal and total likewise."""
    (tmp_path / "config").mkdir()  # the installation's settings folder, beside the database
    (tmp_path / "config" / "settings.toml").write_text('[timeliness]\ndue_on_day_off = "next_working_day"\n')
    db = load_text_exports(tmp_path, {"bieu06.csv": EXPORT})
    con = open_database(db)
    try:
        rows = {(r["level"], r["field_code"], r["row_kind"]): (r["resolved_early"], r["resolved_on_time"],
                                                               r["resolved_late"])
                for r in form06(con, Filters(Scope.province(), PERIOD.start, PERIOD.end)).rows.iter_rows(named=True)}
        assert rows[("tinh", "tu_phap", "field")] == (1, 1, 0)
        assert rows[("tinh", None, "subtotal")] == (1, 1, 0)
        assert rows[("xa", "chua_ro", "field")] == (1, 0, 0)  # H7
        assert rows[(None, None, "total")] == (2, 3, 1)
        assert con.execute("SELECT due_date FROM dossiers WHERE dossier_code = 'S2'").fetchall() == [(date(2026, 11, 25),)]
    finally:
        con.close()
