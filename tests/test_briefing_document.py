"""The briefing document (.docx, .pdf) and the quarterly report against a hand-worked export.

Week W47 of 2026 = Mon 16/11 – Sun 22/11; the previous week 09–15/11; "today" Thu 26/11/2026
(Tue 24/11/2026 is a public holiday; no date below depends on it). Phường Hải Châu (HC, 20242) and
Phường Thanh Khê (TK, 20209):

| code | unit | received | due   | finished | channel | apology slip | in W47                              |
|------|------|----------|-------|----------|---------|--------------|-------------------------------------|
| G1   | HC   | 16/11    | 18/11 | 17/11    | online  |              | received; resolved early            |
| G2   | HC   | 16/11    | 17/11 | 19/11    | direct  |              | received; resolved late, 2 wd       |
| G3   | HC   | 17/11    | 19/11 | —        | direct  | 18/11 (good) | received; overdue at 22/11 and now  |
| G4   | TK   | 18/11    | 20/11 | 20/11    | online  |              | received; resolved on time          |
| G5   | TK   | 18/11    | 19/11 | 20/11    | direct  | 19/11 (late) | received; resolved late, 1 wd       |
| G6   | TK   | 19/11    | 27/11 | —        | online  |              | received; within deadline           |
| G7   | TK   | 10/11    | 12/11 | 12/11    | direct  |              | (W46: on time)                      |
| G8   | HC   | 11/11    | 13/11 | 16/11    | online  |              | resolved late, 1 wd (Fri → Mon)     |
| G9   | TK   | 23/11    | 25/11 | —        | direct  |              | (next week) overdue now, 1 wd       |

W47: received 6 (online 3 → 50,0%), resolved 5 (early 1 + on time 1 = 2 → 40,0%; late 3),
in progress overdue at 22/11: G3 → 1. W46: received 2 (G7, G8; online 1 → 50,0%), resolved 1 (G7,
on time → 100,0%), overdue at 15/11: G8 → 1. Overdue now (26/11): G3, G9 → 2.
Late without apology: resolved late G2 (none), G5 (slip on the due day: too late), G8 (none) = 3;
overdue G9 = 1 (G3's slip came a day before its due day) → 4, listed G2 (2 wd), then by due day G8,
G5, G9 (1 wd each). Survey W47: R1 (HC) 5,4,2 and R2 (TK) 5,5,5 → 5 of 6 answers = 83,3%; W46: R3
(HC) 4,4 → 100,0%. Targets 2026 of this installation (config/targets.csv): online 45%, on time 90%;
satisfaction has no row, so settings.toml's 90% applies.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import docx
import duckdb
import pytest

from core.installation import use
from etl.__main__ import main as cli
from queries.briefing_figures import briefing_figures
from queries.filters import Filters, Scope
from queries.periods import Period
from reports.briefing_doc import (
    context,
    count_change,
    date_line,
    docx_bytes,
    pdf_bytes,
    rate_change,
    verdict,
)
from tests.fixtures_exports import load_text_exports
from ui.briefing_document import narrative

HC, TK = "20242", "20209"
WEEK = Period("week", date(2026, 11, 16), date(2026, 11, 22))
TODAY = date(2026, 11, 26)
MADE = datetime(2026, 11, 26, 7, 30)

DOSSIERS = """\
Mã hồ sơ,Tên thủ tục,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp,Ngày xin lỗi
G1,Đăng ký khai sinh,Phường Hải Châu,Hộ tịch,16/11/2026,18/11/2026,17/11/2026,Đã trả kết quả,Trực tuyến,
G2,Đăng ký kết hôn,Phường Hải Châu,Hộ tịch,16/11/2026,17/11/2026,19/11/2026,Đã trả kết quả,Trực tiếp,
G3,Đăng ký biến động đất đai,Phường Hải Châu,Đất đai,17/11/2026,19/11/2026,,Đang xử lý,Trực tiếp,18/11/2026
G4,Chứng thực bản sao,Phường Thanh Khê,Chứng thực,18/11/2026,20/11/2026,20/11/2026,Đã trả kết quả,Trực tuyến,
G5,Đăng ký biến động đất đai,Phường Thanh Khê,Đất đai,18/11/2026,19/11/2026,20/11/2026,Đã trả kết quả,Trực tiếp,19/11/2026
G6,Chứng thực chữ ký,Phường Thanh Khê,Chứng thực,19/11/2026,27/11/2026,,Đang xử lý,Trực tuyến,
G7,Đăng ký khai tử,Phường Thanh Khê,Hộ tịch,10/11/2026,12/11/2026,12/11/2026,Đã trả kết quả,Trực tiếp,
G8,Đăng ký khai sinh,Phường Hải Châu,Hộ tịch,11/11/2026,13/11/2026,16/11/2026,Đã trả kết quả,Trực tuyến,
G9,Tách thửa đất,Phường Thanh Khê,Đất đai,23/11/2026,25/11/2026,,Đang xử lý,Trực tiếp,
"""
QUESTIONS = ("Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ",
             "Nhận được kết quả đúng hẹn",
             "Thủ tục hành chính được niêm yết công khai đầy đủ")
SURVEY = f"""\
Mã phiếu,Đơn vị,Ngày khảo sát,{",".join(QUESTIONS)}
R1,Phường Hải Châu,17/11/2026,5,4,2
R2,Phường Thanh Khê,20/11/2026,5,5,5
R3,Phường Hải Châu,10/11/2026,4,4,
"""
TARGETS = "Năm,Chỉ tiêu,Mục tiêu,Ghi chú\n2026,online_share,45%,\n2026,on_time_rate,0.9,\n"
TK_ONLY = ("Thanh Khê", "G4", "G5", "G6", "G7", "G9")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("briefing_doc")
    (folder / "config").mkdir()  # the installation's own targets, beside the database
    (folder / "config" / "targets.csv").write_text(TARGETS, encoding="utf-8")
    return load_text_exports(folder, {"hoso.csv": DOSSIERS, "khaosat.csv": SURVEY})


@pytest.fixture
def con(db):
    use(db)
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def filters(scope=Scope.province(), period=WEEK) -> Filters:
    return Filters(scope, period.start, period.end, as_of=TODAY)


def make(con, suffix: str, scope=Scope.province(), period=WEEK) -> tuple[bytes, str]:
    fig = briefing_figures(con, filters(scope, period), period)
    text = narrative(fig)
    ctx = context(fig, text, MADE)
    return (docx_bytes if suffix == ".docx" else pdf_bytes)(ctx), text


def docx_text(data: bytes, tmp_path: Path) -> tuple[list[str], list[list[list[str]]]]:
    path = tmp_path / "doc.docx"
    path.write_bytes(data)
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: `python3 dev.py test` installs Debian's poppler-utils")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def table_with(tables, header: str) -> list[list[str]]:
    return next(t for t in tables if t[0][0] == header or header in t[0])


# --- wording ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day, line", [
    (date(2026, 11, 26), "Đà Nẵng, ngày 26 tháng 11 năm 2026"),
    (date(2026, 3, 5), "Đà Nẵng, ngày 05 tháng 3 năm 2026"),  # Nghị định 30/2020: 0 before days 1–9 …
    (date(2026, 2, 14), "Đà Nẵng, ngày 14 tháng 02 năm 2026"),  # … and months 1, 2
])
def test_date_line(day, line):
    assert date_line("Đà Nẵng", day) == line


@pytest.mark.parametrize("now, before, text", [(6, 2, "tăng 4 (200,0%)"), (3, 4, "giảm 1 (25,0%)"),
                                               (2, 0, "tăng 2"), (5, 5, "không đổi")])
def test_count_change(now, before, text):
    assert count_change(now, before) == text


def test_rate_change_and_verdict():
    assert rate_change(0.4, 1.0) == "giảm 60,0 điểm %"
    assert rate_change(0.5, None) == "—"
    assert verdict(0.5, 0.45) == "Đạt"
    assert verdict(0.4, 0.9) == "Chưa đạt (thấp hơn 50,0 điểm %)"
    assert verdict(None, 0.9) == "Không có dữ liệu"
    assert verdict(0.4, None) == "Chưa đặt mục tiêu"


# --- the figures, read back from the .docx ----------------------------------------------------------


def test_docx_heading_block_and_sections(con, tmp_path):
    data, _ = make(con, ".docx")
    paragraphs, tables = docx_text(data, tmp_path)
    head = " ".join(" ".join(row) for row in tables[0])
    assert "UBND THÀNH PHỐ ĐÀ NẴNG" in head
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head and "Độc lập - Tự do - Hạnh phúc" in head
    assert "Đà Nẵng, ngày 26 tháng 11 năm 2026" in head
    assert "Tình hình tiếp nhận, giải quyết thủ tục hành chính tuần từ 16/11 đến 22/11/2026" in paragraphs
    numbered = [p for p in paragraphs if re.match(r"^[IVX]+\. ", p)]
    assert [p.split(".")[0] for p in numbered] == ["I", "II", "III", "IV", "V", "VI"]  # no quarterly sections
    assert len(docx.Document(_saved(data, tmp_path)).inline_shapes) == 2  # the two charts, as images


def _saved(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "again.docx"
    path.write_bytes(data)
    return str(path)


def test_docx_headline_figures_against_the_previous_week(con, tmp_path):
    data, _ = make(con, ".docx")
    _, tables = docx_text(data, tmp_path)
    kpis = {row[0]: row[1:] for row in table_with(tables, "Chỉ tiêu")[1:]}
    assert kpis["Hồ sơ tiếp nhận"] == ["6", "2", "tăng 4 (200,0%)", ""]
    assert kpis["Trong đó nộp trực tuyến"] == ["3", "1", "tăng 2 (200,0%)", ""]
    assert kpis["Hồ sơ đã giải quyết"] == ["5", "1", "tăng 4 (400,0%)", ""]
    assert kpis["Giải quyết trước hạn và đúng hạn"] == ["2", "1", "tăng 1 (100,0%)", ""]
    assert kpis["Giải quyết trễ hạn"] == ["3", "0", "tăng 3", ""]
    assert kpis["Đang giải quyết quá hạn (cuối kỳ)"] == ["1", "1", "không đổi", ""]
    assert kpis["Tỷ lệ giải quyết đúng hạn"] == ["40,0%", "100,0%", "giảm 60,0 điểm %", "90,0%"]
    assert kpis["Tỷ lệ nộp trực tuyến"] == ["50,0%", "50,0%", "không đổi", "45,0%"]
    assert kpis["Mức độ hài lòng (khảo sát)"] == ["83,3%", "100,0%", "giảm 16,7 điểm %", "90,0%"]


def test_docx_attention_late_without_apology_and_targets(con, tmp_path):
    data, text = make(con, ".docx")
    paragraphs, tables = docx_text(data, tmp_path)
    assert text in paragraphs  # the page's own paragraph (ui/narrative.py), word for word
    attention = table_with(tables, "Đơn vị")
    # Late without apology counted as the late page does (resolved late in the week or overdue now,
    # without a slip before the due day): Hải Châu G2, G8; Thanh Khê G5 (slip too late), G9 → 2 + 2 = 4.
    assert attention[1:] == [["1", "Phường Hải Châu", "1", "2", "3", "66,7%", "2"],
                             ["2", "Phường Thanh Khê", "1", "1", "2", "50,0%", "2"]]
    assert ("Có 4 hồ sơ trễ hạn không có phiếu xin lỗi và hẹn lại ngày trả kết quả lập trước ngày hẹn trả: 3 hồ sơ "
            "đã giải quyết trễ hạn trong kỳ và 1 hồ sơ đang quá hạn tính đến ngày 26/11/2026.") in paragraphs
    late = table_with(tables, "Mã hồ sơ")
    assert [(r[1], r[4], r[5], r[6], r[7]) for r in late[1:]] == [
        ("G2", "17/11/2026", "Giải quyết ngày 19/11/2026", "2", "Không có phiếu"),
        ("G8", "13/11/2026", "Giải quyết ngày 16/11/2026", "1", "Không có phiếu"),
        ("G5", "19/11/2026", "Giải quyết ngày 20/11/2026", "1", "Phiếu lập muộn (19/11/2026)"),
        ("G9", "25/11/2026", "Đang quá hạn", "1", "Không có phiếu"),
    ]
    targets = {r[0]: r[1:] for r in table_with(tables, "Kết quả")[1:]}
    assert targets["Tỷ lệ hồ sơ nộp trực tuyến"] == ["50,0%", "3/6 hồ sơ", "45,0%", "Đạt"]
    assert targets["Tỷ lệ giải quyết trước hạn và đúng hạn"] == ["40,0%", "2/5 hồ sơ", "90,0%",
                                                                 "Chưa đạt (thấp hơn 50,0 điểm %)"]
    assert targets["Mức độ hài lòng (khảo sát SIPAS)"] == ["83,3%", "5/6 câu trả lời", "90,0%",
                                                           "Chưa đạt (thấp hơn 6,7 điểm %)"]


def test_a_commune_viewers_document_holds_only_its_commune(con, tmp_path):
    data, _ = make(con, ".docx", Scope.units({HC}))
    paragraphs, tables = docx_text(data, tmp_path)
    everything = "\n".join(paragraphs + ["\t".join(row) for table in tables for row in table])
    assert "UBND PHƯỜNG HẢI CHÂU" in everything and "Hải Châu, ngày 26 tháng 11 năm 2026" in everything
    assert [word for word in TK_ONLY if re.search(rf"\b{word}\b", everything)] == []
    kpis = {row[0]: row[1:] for row in table_with(tables, "Chỉ tiêu")[1:]}
    # Hải Châu in W47: received G1, G2, G3 (online G1); resolved G1 early, G2 and G8 late. W46: received G8.
    assert kpis["Hồ sơ tiếp nhận"][:3] == ["3", "1", "tăng 2 (200,0%)"]
    assert kpis["Tỷ lệ giải quyết đúng hạn"][0] == "33,3%" and kpis["Tỷ lệ nộp trực tuyến"][0] == "33,3%"
    assert [r[1] for r in table_with(tables, "Mã hồ sơ")[1:]] == ["G2", "G8"]


# --- the same figures, read back from the .pdf -------------------------------------------------------


def test_pdf_text_carries_the_same_figures(con, tmp_path):
    data, text = make(con, ".pdf")
    assert data.startswith(b"%PDF")
    out = pdf_text(data, tmp_path)
    flat = re.sub(r"\s+", " ", out)
    for phrase in ("UBND THÀNH PHỐ ĐÀ NẴNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "Đà Nẵng, ngày 26 tháng 11 năm 2026", "II. CÁC CHỈ TIÊU CHÍNH SO VỚI TUẦN TRƯỚC",
                   "Có 4 hồ sơ trễ hạn không có phiếu xin lỗi"):
        assert phrase in flat, phrase
    assert re.sub(r"\s+", " ", text) in flat  # the read-out paragraph, whole
    assert re.search(r"Hồ sơ tiếp nhận\s+6\s+2\s+tăng 4 \(200,0%\)\n", out)
    assert re.search(r"Giải quyết trễ hạn\s+3\s+0\s+tăng 3\n", out)
    assert re.search(r"Phường Hải Châu\s+1\s+2\s+3\s+66,7%\s+2\n", out)
    assert re.search(r"Tỷ lệ giải quyết đúng hạn\s+40,0%\s+100,0%\s+giảm 60,0 điểm %\s+90,0%", out)
    assert re.search(r"Mức độ hài lòng \(khảo sát\)\s+83,3%\s+100,0%\s+giảm 16,7 điểm %\s+90,0%", out)


def test_pdf_fonts_are_embedded_with_vietnamese_glyphs(con, tmp_path):
    data, _ = make(con, ".pdf", Scope.units({HC}))
    out = pdf_text(data, tmp_path)
    assert "UBND PHƯỜNG HẢI CHÂU" in out and "Thanh Khê" not in out
    fonts = subprocess.run(["pdffonts", str(tmp_path / "doc.pdf")], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all(" yes " in line for line in embedded)  # every font embedded (emb column)


# --- the quarterly report -----------------------------------------------------------------------------


def test_quarter_report_carries_form06_and_the_unit_table(con, tmp_path):
    quarter = Period("report_quarter", date(2026, 9, 15), date(2026, 12, 14))
    data, _ = make(con, ".docx", period=quarter)
    paragraphs, tables = docx_text(data, tmp_path)
    assert ("Tình hình tiếp nhận, giải quyết thủ tục hành chính quý IV năm 2026 (từ ngày 15/09/2026 đến ngày "
            "14/12/2026)") in paragraphs
    form = table_with(tables, "Lĩnh vực")
    total = next(r for r in form if r[1] == "Tổng cộng")
    # All nine received (online G1, G4, G6, G8); resolved G1 early, G4 and G7 on time, G2, G5, G8 late;
    # in progress G3, G6, G9 — G3 and G9 overdue by 26/11. 9 = 6 + 3.
    assert total[2:] == ["9", "4", "5", "0", "6", "1", "2", "3", "3", "1", "2"]
    units = {r[1]: r[2:] for r in table_with(tables, "Tiếp nhận")[1:]}
    assert units == {"Phường Hải Châu": ["4", "50,0%", "3", "33,3%", "2", "80,0%"],
                     "Phường Thanh Khê": ["5", "40,0%", "3", "66,7%", "2", "100,0%"]}


# --- the command line ---------------------------------------------------------------------------------


def test_cli_writes_the_week_document(db, tmp_path, capsys):
    out = tmp_path / "giao_ban.docx"
    assert cli(["report", "briefing", "--week", "2026-W47", "--today", "2026-11-26", "--unit", HC,
                "--db", str(db), "--out", str(out)]) == 0
    assert "Tuần 47 (16/11–22/11/2026)" in capsys.readouterr().out
    paragraphs, tables = docx_text(out.read_bytes(), tmp_path)
    kpis = {row[0]: row[1:] for row in table_with(tables, "Chỉ tiêu")[1:]}
    assert kpis["Hồ sơ tiếp nhận"][:2] == ["3", "1"]
    assert "Hải Châu, ngày 26 tháng 11 năm 2026" in " ".join(" ".join(r) for r in tables[0])


def test_cli_writes_the_pdf(db, tmp_path):
    out = tmp_path / "giao_ban.pdf"
    assert cli(["report", "briefing", "--week", "2026-W47", "--today", "2026-11-26", "--db", str(db),
                "--out", str(out)]) == 0
    assert "Hồ sơ tiếp nhận" in pdf_text(out.read_bytes(), tmp_path)


@pytest.mark.parametrize("args, message", [
    (["--week", "2026-W54"], "Tuần «2026-W54» không hợp lệ"),
    (["--week", "2026-W47", "--quarter", "2026-Q4"], "Chọn đúng một kỳ"),
    (["--quarter", "2026-Q5"], "Quý «2026-Q5» không hợp lệ"),
    (["--week", "2026-W47", "--out-suffix", ".xlsx"], "phải có đuôi .docx hoặc .pdf"),
])
def test_cli_refuses_bad_periods(db, tmp_path, capsys, args, message):
    suffix = ".docx"
    if "--out-suffix" in args:
        suffix = args[-1]
        args = args[:-2]
    assert cli(["report", "briefing", *args, "--db", str(db), "--out", str(tmp_path / f"x{suffix}")]) == 2
    assert message in capsys.readouterr().err


def test_cli_form06_takes_a_quarter_too(db, tmp_path, capsys):
    out = tmp_path / "q4.csv"
    assert cli(["report", "form06", "--quarter", "2026-Q4", "--calendar", "--today", "2026-11-26", "--db", str(db),
                "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Biểu số 06 — từ 01/10/2026 đến 31/12/2026 — toàn tỉnh" in printed
    assert "Nhận giải quyết: 9 (trực tuyến 4, trực tiếp/bưu chính 5, từ kỳ trước 0)" in printed
    assert "Đang giải quyết: 3 (trong hạn 1, quá hạn 2)" in printed
