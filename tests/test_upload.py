"""The upload gate (etl/upload.py): every bad file ends with a clear Vietnamese message naming it
and leaves the database exactly as it was; good files load with their original names."""
from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from pathlib import Path

import duckdb
import pytest

from core.store import version
from core.text import fmt_int
from etl.__main__ import main
from etl.upload import INFLATE_CHUNK, UploadLimits, check_file, load_paths, load_uploads
from tests.fixtures_exports import (
    PNG_BYTES,
    Group,
    Total,
    dossier,
    write_dossier_html_xls,
    write_dossier_xlsx,
    write_other_xlsx,
    write_png_as_xlsx,
    write_truncated_xlsx,
    write_unicode_text,
)

BASE = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp
UP-0001,Phường Hải Châu,02/11/2026 08:00,04/11/2026,Đang xử lý,Trực tuyến
UP-0002,Phường Hải Châu,02/11/2026 09:00,05/11/2026,Đang xử lý,Trực tiếp
"""
NEW = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp
UP-0003,Xã Hòa Vang,03/11/2026 08:00,06/11/2026,Đang xử lý,Trực tiếp
UP-0004,Xã Hòa Vang,03/11/2026 10:00,06/11/2026,Đang xử lý,Trực tiếp
UP-0001,Phường Hải Châu,02/11/2026 08:00,06/11/2026,Đang xử lý,Trực tuyến
"""
HEADER_ONLY = "Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp\n"


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """A database holding BASE (2 dossiers, 1 load); uploads stage under tmp_path only."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "staging"))
    (tmp_path / "staging").mkdir()
    path = tmp_path / "db" / "cchc.duckdb"
    [report] = load_uploads([("base.csv", BASE.encode())], path, loaded_by="tester")
    assert report.status == "loaded" and report.rows_new == 2
    return path


def snapshot(db: Path) -> tuple:
    """Published file identity, its bytes and what it holds: a failed upload changes none."""
    with duckdb.connect(str(db), read_only=True) as con:
        counts = con.execute("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM load_log), "
                             "(SELECT count(*) FROM rejects)").fetchall()[0]
    return version(db), hashlib.sha256(db.read_bytes()).hexdigest(), counts


def refused(db: Path, name: str, data: bytes, limits: UploadLimits | None = None) -> str:
    before = snapshot(db)
    [report] = load_uploads([(name, data)], db, loaded_by="tester", limits=limits)
    assert report.status == "failed" and report.rows_new == 0
    assert snapshot(db) == before, "a refused file must leave the database untouched"
    assert f"tệp «{name}»" in report.error and "Cách xử lý" in report.error
    return report.error


def test_good_upload_loads_with_original_name_and_user(db, tmp_path):
    shares = []
    [report] = load_uploads([("Báo cáo tháng 11 (Hòa Vang).csv", NEW.encode())], db, loaded_by="nguyen.van.a",
                            progress=lambda share, msg: shares.append(share))
    # 3 rows read: UP-0003 and UP-0004 are new, UP-0001 has a new due date (update).
    assert (report.status, report.rows_read, report.rows_new, report.rows_updated) == ("loaded", 3, 2, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dossiers").fetchall() == [(4,)]
        assert con.execute("SELECT file_name, loaded_by FROM load_log ORDER BY load_id DESC LIMIT 1").fetchall() == [
            ("Báo cáo tháng 11 (Hòa Vang).csv", "nguyen.van.a")]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert not any((tmp_path / "staging").iterdir()), "the private staging folder is removed"
    again = load_uploads([("khac_ten.csv", NEW.encode())], db, loaded_by="tester")[0]
    assert again.status == "already_loaded"


def test_damaged_xlsx(db, tmp_path):
    path = tmp_path / "hong.xlsx"
    write_truncated_xlsx(path, [dossier("X-1", "Phường Hải Châu", "02/11/2026", "04/11/2026")] * 1)
    assert "bị hỏng hoặc bị cắt giữa chừng" in refused(db, "hong.xlsx", path.read_bytes())


def test_empty_file(db):
    assert "tệp rỗng (0 byte)" in refused(db, "rong.csv", b"")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_only_file(db, tmp_path, kind):
    if kind == "csv":
        data = HEADER_ONLY.encode()
    else:
        write_dossier_xlsx(tmp_path / "h.xlsx", [])
        data = (tmp_path / "h.xlsx").read_bytes()
    assert "chỉ có dòng tiêu đề cột, không có dòng dữ liệu nào" in refused(db, f"chi_tieu_de.{kind}", data)


def test_50_mb_file_over_a_lowered_limit(db):
    row = "UP-9999,Phường Hải Châu,02/11/2026 08:00,04/11/2026,Đang xử lý,Trực tiếp\n"
    data = (HEADER_ONLY + row * (50 * 2**20 // len(row.encode()) + 1)).encode()
    assert len(data) >= 50 * 2**20
    message = refused(db, "lon.csv", data, UploadLimits(max_file_mb=10, max_unzipped_mb=3000, max_zip_ratio=200))
    assert "nặng 50 MB, vượt giới hạn 10 MB mỗi tệp" in message and "max_file_mb" in message


def test_limit_comes_from_settings(db, monkeypatch):
    from core.settings import Settings, UploadSettings

    monkeypatch.setattr("etl.upload.settings", lambda: Settings(upload=UploadSettings(max_file_mb=1.0)))
    data = NEW.encode() + b"\n" * (2 * 2**20)
    assert "nặng 2 MB, vượt giới hạn 1 MB mỗi tệp" in refused(db, "hai_mb.csv", data)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_by_ratio(db):
    # 20 MB of zeros packs into about 20 kB: a ratio near 1.000, far above the limit of 200.
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * 2**20)})
    assert len(bomb) < 200_000
    assert "bom nén" in refused(db, "bom.xlsx", bomb)


def test_zip_bomb_by_total_size(db):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (6 * 2**20)})
    limits = UploadLimits(max_file_mb=200, max_unzipped_mb=5, max_zip_ratio=10_000)
    assert "giải nén ra 6 MB, vượt giới hạn 5 MB" in refused(db, "bom.xlsx", bomb, limits)


def test_zip_that_is_not_a_workbook(db):
    assert "thiếu xl/workbook.xml" in refused(db, "nen.xlsx", _zip({"readme.txt": b"hello"}))


def test_not_an_export_spreadsheet(db, tmp_path):
    write_other_xlsx(tmp_path / "lop.xlsx")
    message = refused(db, "lop.xlsx", (tmp_path / "lop.xlsx").read_bytes())
    assert "không tìm thấy dòng tiêu đề của danh sách hồ sơ hay phiếu khảo sát" in message


@pytest.mark.parametrize("name, data, expected", [
    ("bao_cao.pdf", b"%PDF-1.4 ...", "chỉ nhận tệp .xlsx, .xls, .csv hoặc .txt"),
    ("khong_duoi", b"a,b,c", "chỉ nhận tệp .xlsx, .xls, .csv hoặc .txt"),
    ("anh.txt", PNG_BYTES, "mang đuôi .txt nhưng nội dung là tệp nhị phân"),
    ("nua_chung.txt", b"\xff\xfeM\x00\x00\xd8", "không đọc được chữ trong tệp văn bản"),  # UTF-16 cut mid-pair
    ("bang.csv", b"PK\x03\x04" + b"\0" * 40, "mang đuôi .csv nhưng nội dung là tệp nén"),
    ("cu.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40, "mang đuôi .xlsx nhưng nội dung là Excel 97–2003"),
    ("so_lieu.xls", b"just text, not a workbook", "mang đuôi .xls nhưng nội dung là văn bản thường"),
])
def test_type_and_content_checks(db, name, data, expected):
    assert expected in refused(db, name, data)


def test_png_renamed_to_xlsx(db, tmp_path):
    write_png_as_xlsx(tmp_path / "anh.xlsx")
    assert "nội dung là tệp nhị phân" in refused(db, "anh.xlsx", (tmp_path / "anh.xlsx").read_bytes())


@pytest.mark.parametrize("name", ["unicode.csv", "Van ban Unicode.txt"])
def test_excel_unicode_text_passes_the_gate_and_loads(db, tmp_path, name):
    # UTF-16 with tabs (Excel's "Save as Unicode Text"), titles above the header, a group row and
    # a total row: it used to be refused as "binary, e.g. an image or PDF".
    lines = [Group("Lĩnh vực: Hộ tịch"),
             dossier("U16-1", "Phường Hải Châu", "03/11/2026 08:00", "05/11/2026", status="Đang xử lý"),
             dossier("U16-2", "Xã Hòa Vang", "03/11/2026 09:30", "06/11/2026", status="Đang xử lý"),
             Total(count=2)]
    write_unicode_text(tmp_path / name, lines)
    data = (tmp_path / name).read_bytes()
    assert data.startswith(b"\xff\xfe") and b"\x00" in data[:100]
    assert check_file(name, data) is None and check_file(name, tmp_path / name) is None
    [report] = load_uploads([(name, data)], db, loaded_by="tester")
    assert (report.status, report.rows_read, report.rows_new, report.rows_rejected, report.rows_skipped) == (
        "loaded", 2, 2, 0, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT dossier_code, unit_code FROM dossiers WHERE dossier_code LIKE 'U16%' "
                           "ORDER BY 1").fetchall() == [("U16-1", "20242"), ("U16-2", "20320")]


def test_html_table_saved_as_xls_is_accepted(db, tmp_path):
    write_dossier_html_xls(tmp_path / "tk.xls", [dossier("TK-1", "Phường Thanh Khê", "03/11/2026 08:00",
                                                        "05/11/2026", status="Đang xử lý")])
    assert check_file("tk.xls", (tmp_path / "tk.xls").read_bytes()) is None
    [report] = load_uploads([("tk.xls", (tmp_path / "tk.xls").read_bytes())], db, loaded_by="tester")
    assert report.status == "loaded" and report.rows_new == 1


def test_bad_files_do_not_stop_good_ones_and_order_is_kept(db):
    reports = load_uploads([("rong.csv", b""), ("moi.csv", NEW.encode()), ("anh.pdf", b"x")], db, loaded_by="t")
    assert [r.status for r in reports] == ["failed", "loaded", "failed"]
    assert [r.file for r in reports] == ["rong.csv", "moi.csv", "anh.pdf"]


def test_cli_applies_the_same_checks(db, tmp_path, capsys):
    empty, bomb, good = tmp_path / "rong.csv", tmp_path / "bom.xlsx", tmp_path / "moi.csv"
    empty.write_bytes(b"")
    bomb.write_bytes(_zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * 2**20)}))
    good.write_text(NEW, encoding="utf-8")
    assert main(["load", str(empty), str(bomb), str(good), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "LỖI  rong.csv: tệp «rong.csv»: tệp rỗng (0 byte)" in out
    assert "LỖI  bom.xlsx" in out and "bom nén" in out
    assert "ĐÃ NẠP  moi.csv" in out
    assert [r.status for r in load_paths([empty], db)] == ["failed"]


PERSONAL = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Chủ hồ sơ,Số điện thoại,Ghi chú
PD-1,Xã Hòa Vang,31/02/2026 08:00,04/11/2026,Đang xử lý,Nguyễn Văn An,0912345123,"=HYPERLINK(""http://x"")"
PD-2,Xã Không Có Thật,02/11/2026 08:00,04/11/2026,Đang xử lý,,,
"""


def test_rejects_and_history_follow_scope_and_mask_personal_data(db):
    import fastexcel

    from queries.connection import open_database
    from queries.filters import Scope
    from queries.status import load_history, reject_summary, rejects
    from reports.rejects import rejects_xlsx_bytes

    [report] = load_uploads([("ca_nhan.csv", PERSONAL.encode())], db, loaded_by="tester")
    assert (report.rows_read, report.rows_rejected) == (2, 2)  # 31/02 is no date; unknown unit
    con = open_database(db)
    hoa_vang, hai_chau = Scope.units(["20320"]), Scope.units(["20242"])
    # Rejected rows never loaded. PD-1 names Xã Hòa Vang: Hòa Vang's viewer sees it, Hải Châu's not;
    # PD-2 names no known unit: only the province sees it.
    assert rejects(con, hoa_vang)["dossier_code"].to_list() == ["PD-1"] and rejects(con, hai_chau).height == 0
    assert rejects(con, Scope.province())["dossier_code"].to_list() == ["PD-1", "PD-2"]
    assert rejects(con, Scope.province(), None, 100, frozenset(), None, frozenset(), "20320").height == 1
    masked = json.loads(rejects(con, Scope.province())["raw_row"][0])
    assert (masked["applicant_name"], masked["applicant_phone"]) == ("Nguyễn V. A.", "09xx xxx 123")
    plain = json.loads(rejects(con, Scope.province(personal_data=True))["raw_row"][0])
    assert (plain["applicant_name"], plain["applicant_phone"]) == ("Nguyễn Văn An", "0912345123")
    # Filters: file, severity, reason; the summary offers what exists.
    assert rejects(con, Scope.province(), None, 100, frozenset({"base.csv"})).height == 0
    assert rejects(con, Scope.province(), None, 100, frozenset(), "warning").height == 0
    assert rejects(con, Scope.province(), None, 100, frozenset(), "error", frozenset({"bad_date"})).height == 1
    assert reject_summary(con, Scope.province())[["reason_code", "unit_code", "rows"]].rows() == [
        ("bad_date", "20320", 1), ("unknown_unit", None, 1)]
    # Loads: Hải Châu's viewer sees base.csv (its dossiers), not ca_nhan.csv (nothing of theirs).
    assert load_history(con, hai_chau)["file_name"].to_list() == ["base.csv"]
    assert load_history(con, Scope.province())["file_name"].to_list() == ["ca_nhan.csv", "base.csv"]
    assert load_history(con, Scope.province(), 10, frozenset({"base.csv"}))["loaded_by"].to_list() == ["tester"]
    # The .xlsx for the unit: the whole raw row, masked, formula-looking text kept as text.
    out = db.parent / "loai.xlsx"
    out.write_bytes(rejects_xlsx_bytes(rejects(con, Scope.province())))
    sheet = fastexcel.read_excel(out).load_sheet(0, header_row=2, dtypes="string").to_polars().row(0, named=True)
    assert (sheet["Tệp"], sheet["Dòng"], sheet["Lý do"]) == ("ca_nhan.csv", "2", "Ngày không đọc được")
    assert sheet["Dữ liệu gốc: Chủ hồ sơ"] == "Nguyễn V. A."
    assert sheet["Dữ liệu gốc: Ghi chú"] == "'=HYPERLINK(\"http://x\")"


# --- (issue 15) zips that lie about their sizes -------------------------------------------------


def _forge_sizes(data: bytes, member: str, declared: int) -> bytes:
    """Patch the uncompressed size a zip declares for `member`, in its local header and in the
    central directory, leaving the compressed stream (and its true size) as it is."""
    out, name = bytearray(data), member.encode()
    local = out.index(b"PK\x03\x04" + b"\x14\x00", 0)
    while out[local + 30: local + 30 + len(name)] != name:
        local = out.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", out, local + 22, declared)
    central = out.index(b"PK\x01\x02")
    while out[central + 46: central + 46 + len(name)] != name:
        central = out.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", out, central + 24, declared)
    return bytes(out)


@pytest.fixture
def inflated(monkeypatch) -> list[int]:
    """Bytes handed out by every zip member read while the gate runs (one entry per read)."""
    reads: list[int] = []
    real = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = real(self, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return reads


def test_forged_sizes_are_refused_without_inflating_past_the_limit(db, inflated):
    # 64 MB of zeros packs into about 64 kB, and the zip says the sheet unpacks to 900 bytes. The
    # declared sizes pass every check; counting the real bytes stops just past the 5 MB limit.
    bomb = _forge_sizes(_zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (64 * 2**20)}),
                        "xl/worksheets/sheet1.xml", 900)
    with zipfile.ZipFile(io.BytesIO(bomb)) as book:
        assert sum(m.file_size for m in book.infolist()) < 1000
    limits = UploadLimits(max_file_mb=200, max_unzipped_mb=5, max_zip_ratio=10_000)
    message = refused(db, "bom_gia.xlsx", bomb, limits)
    assert "giải nén ra hơn 5 MB (thành phần «xl/worksheets/sheet1.xml»), vượt giới hạn 5 MB" in message
    assert "bom nén" in message
    assert 5 * 2**20 < sum(inflated) <= 5 * 2**20 + INFLATE_CHUNK


def test_forged_sizes_tripping_the_ratio_stop_early(db, inflated):
    bomb = _forge_sizes(_zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (64 * 2**20)}),
                        "xl/worksheets/sheet1.xml", 900)
    with zipfile.ZipFile(io.BytesIO(bomb)) as book:
        packed = book.getinfo("xl/worksheets/sheet1.xml").compress_size
    message = refused(db, "bom_gia.xlsx", bomb, UploadLimits(max_file_mb=200, max_unzipped_mb=3000, max_zip_ratio=200))
    assert "giải nén ra gấp hơn 200 lần kích thước khi nén" in message and "bom nén" in message
    assert sum(inflated) <= 200 * packed + INFLATE_CHUNK < 64 * 2**20  # stopped long before the 64 MB


def test_forged_size_under_every_limit_is_still_refused(db):
    # A member that unpacks to over 2 MB of plausible XML but declares 1.000 bytes: within the limits,
    # yet a reader trusting the real stream would not get what the zip promises.
    sheet = b"".join(b"<row><c><v>%d</v></c></row>" % (i * 7919 % 1_000_003) for i in range(80_000))
    assert len(sheet) > 2 * 10**6
    forged = _forge_sizes(_zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet}),
                          "xl/worksheets/sheet1.xml", 1000)
    message = refused(db, "sua_kich_thuoc.xlsx", forged)
    assert f"khai báo giải nén ra 1.000 byte nhưng thực tế ra {fmt_int(len(sheet))} byte" in message


def test_real_export_passes_the_counting_gate(tmp_path, inflated):
    write_dossier_xlsx(tmp_path / "that.xlsx", [dossier("Z-1", "Phường Hải Châu", "02/11/2026 08:00", "04/11/2026")])
    data = (tmp_path / "that.xlsx").read_bytes()
    assert check_file("that.xlsx", data) is None
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert sum(inflated) == sum(m.file_size for m in book.infolist())  # every member inflated once, whole
