"""Formula injection: a text cell starting with =, +, -, @ (or tab / CR before them) is written as text,
never as a formula, in every .xlsx the app writes; read back with fastexcel and from the sheet XML."""
from __future__ import annotations

import ast
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

from queries.filters import Filters, Scope
from reports import FORMULA_STARTS, csv_bytes, safe_text

HOSTILE = ('=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)", '\t=HYPERLINK("http://x","y")', "\r=1+1",
           "=cmd|' /C calc'!A0")
START, END = date(2026, 8, 15), date(2026, 11, 14)


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_text_neutralises(value):
    assert safe_text(value) == "'" + value


@pytest.mark.parametrize("value,expected", [
    ("Nguyễn Văn An", "Nguyễn Văn An"), ("0905 123 456", "0905 123 456"), ("", ""), (None, ""),
    ("Đất đai - Xây dựng", "Đất đai - Xây dựng"),  # a dash inside the text is harmless
    (" =1", " =1"),  # spreadsheets do not run a formula after a leading space
])
def test_safe_text_leaves_ordinary_text(value, expected):
    assert safe_text(value) == expected


def test_formula_starts_cover_owasp_list():
    assert set(FORMULA_STARTS) >= {"=", "+", "-", "@", "\t", "\r"}


def hostile_frame(frame: pl.DataFrame, columns: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every text column (or the named ones) filled with the hostile values, cycling."""
    names = columns or tuple(c for c, t in frame.schema.items() if t == pl.String)
    values = [HOSTILE[i % len(HOSTILE)] for i in range(frame.height)]
    return frame.with_columns(pl.Series(c, values, dtype=pl.String) for c in names if c in frame.columns)


def cells(data: bytes) -> list[str]:
    """Every text value of every sheet, read back with fastexcel."""
    reader = fastexcel.read_excel(data)
    out = []
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None).to_polars()
        for column in sheet.columns:
            out += [str(v) for v in sheet[column].to_list() if isinstance(v, str)]
    return out


def formulas(data: bytes) -> list[str]:
    """The formulas stored in the workbook XML (<f> elements), whatever a reader makes of them."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return [f for name in book.namelist() if name.startswith("xl/worksheets/")
                for f in re.findall(r"<f[^>]*>(.*?)</f>", book.read(name).decode("utf-8"))]


def assert_neutralised(data: bytes) -> None:
    text = cells(data)
    assert not any("HYPERLINK" in f or "SUM(1)" in f or "calc" in f for f in formulas(data))
    for value in ('=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)"):
        assert any(value in t for t in text), f"{value!r} is missing from the sheet: the test wrote nothing"
    for t in text:
        stripped = t.lstrip("\t\r")
        assert not (t.startswith(FORMULA_STARTS) and stripped[:1] in "=+-@"), f"cell {t!r} would run as a formula"


# --- one builder per .xlsx the app writes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def con(demo_db):
    from queries.connection import open_database

    connection = open_database(demo_db)
    yield connection
    connection.close()


def hostile_form06(con):
    from queries.form06 import form06

    report = form06(con, Filters(Scope.province(), START, END))
    rows = report.rows.with_columns(
        pl.Series("field_name", [HOSTILE[i % len(HOSTILE)] for i in range(report.rows.height)], dtype=pl.String))
    return dataclasses.replace(report, rows=rows, unit_names=HOSTILE[:3], issuer=HOSTILE[0],
                               province_name=HOSTILE[3], whole_province=False)


def form06_xlsx(con) -> bytes:
    from reports.form06 import form06_xlsx_bytes

    return form06_xlsx_bytes(hostile_form06(con))


def late_xlsx(con) -> bytes:
    from queries import late
    from reports.late import LateReport, late_xlsx_bytes

    filters = Filters(Scope.province(personal_data=True), START, END, as_of=date(2026, 11, 21))
    rows = hostile_frame(late.late_list(con, filters, "late", "", "days_late", 20),
                         ("dossier_code", "procedure_name", "field_name", "unit_name", "officer_name",
                          "applicant_name", "applicant_phone"))
    report = LateReport(rows=rows, issuer=HOSTILE[0], units_label=HOSTILE[1], period_start=START, period_end=END,
                        as_of=date(2026, 11, 21), list_label=HOSTILE[2], search=HOSTILE[3], personal_data=True)
    return late_xlsx_bytes(report)


def hostile_rejects(con) -> pl.DataFrame:
    from queries.status import rejects

    frame = rejects(con, Scope.province(personal_data=True), None, 20)
    assert frame.height, "the demo province has rejected rows"
    return hostile_frame(frame, ("file_name", "raw_value", "message", "dossier_code", "column_name"))


def hostile_loads(con) -> pl.DataFrame:
    from queries.status import load_history

    return hostile_frame(load_history(con, Scope.province(), 20), ("file_name", "message", "loaded_by"))


def hostile_audit_rows() -> list[tuple]:
    return [(HOSTILE[i], HOSTILE[i + 1], "", HOSTILE[i + 2], HOSTILE[i + 3], HOSTILE[i], "") for i in range(4)]


def rejects_xlsx(con) -> bytes:
    from reports.rejects import rejects_xlsx_bytes

    return rejects_xlsx_bytes(hostile_rejects(con))


def loads_xlsx(con) -> bytes:
    from reports.rejects import loads_xlsx_bytes

    return loads_xlsx_bytes(hostile_loads(con))


def ranking_xlsx(con) -> bytes:
    from queries.periods import period_containing
    from reports.ranking import ranking_xlsx_bytes
    from scoring.rank import ranking
    from scoring.scheme import available_schemes, load_scheme

    scheme = load_scheme(available_schemes()[0])
    rank = ranking(con, Scope.province(), scheme, period_containing("quarter", START), scheme.groups[0])
    assert rank.units.height
    rank = dataclasses.replace(rank, units=hostile_frame(rank.units, ("unit_name",)))
    return ranking_xlsx_bytes(rank, HOSTILE[0])


def appraisal_template(con) -> bytes:
    from reports.ranking import appraisal_template_xlsx
    from scoring.scheme import available_schemes, load_scheme

    scheme = load_scheme(available_schemes()[0])
    units = pl.DataFrame({"unit_code": list(HOSTILE[:4]), "unit_name": list(HOSTILE[3:7])})
    return appraisal_template_xlsx(scheme, "2026-Q4", HOSTILE[0], units)


def audit_xlsx(con) -> bytes:
    from reports.audit import audit_xlsx_bytes

    return audit_xlsx_bytes(hostile_audit_rows(), HOSTILE[0])


def table_xlsx(con) -> bytes:
    from reports.table import table_xlsx as write

    rows = [[HOSTILE[i], HOSTILE[i + 1], None, 3, HOSTILE[i + 2]] for i in range(4)]
    return write("Bảng", HOSTILE[0], HOSTILE[1:6], rows, [20] * 5)


def tables_xlsx(con) -> bytes:
    from reports.table import Table
    from reports.table import tables_xlsx as write

    rows = [[HOSTILE[i], 0.5, 3] for i in range(4)]
    return write([Table("Bảng", HOSTILE[1], HOSTILE[2:5], rows, [20] * 3, note=HOSTILE[3],
                        percent_columns=frozenset({1}))])


def volumes_xlsx(con) -> bytes:
    from queries import volumes
    from reports.volumes import VolumesReport, volumes_xlsx_bytes

    filters = Filters(Scope.province(), START, END)
    report = VolumesReport(
        HOSTILE[0], hostile_frame(volumes.by_field(con, filters), ("field_name",)),
        hostile_frame(volumes.by_unit(con, filters), ("unit_name",)), volumes.by_channel(con, filters),
        volumes.series(con, filters, "month"),
        hostile_frame(volumes.top_procedures(con, filters), ("procedure_code", "procedure_name", "field_name")),
        "Tháng")
    return volumes_xlsx_bytes(report)


def satisfaction_xlsx(con) -> bytes:
    from queries import satisfaction as sat
    from reports.satisfaction import SatisfactionReport, satisfaction_xlsx_bytes

    filters = Filters(Scope.province(), START, END)
    report = SatisfactionReport(
        HOSTILE[0], 30, hostile_frame(sat.by_unit(con, filters), ("name",)),
        hostile_frame(sat.by_field(con, filters), ("name",)), hostile_frame(sat.by_factor(con, filters), ("factor_name",)),
        hostile_frame(sat.by_question(con, filters), ("question_text",)), sat.trend(con, filters),
        hostile_frame(sat.comments(con, filters, limit=20), ("comment", "unit_name", "dossier_code")))
    return satisfaction_xlsx_bytes(report)


WRITERS = {
    "reports.form06.form06_xlsx_bytes": form06_xlsx,
    "reports.late.late_xlsx_bytes": late_xlsx,
    "reports.rejects.rejects_xlsx_bytes": rejects_xlsx,
    "reports.rejects.loads_xlsx_bytes": loads_xlsx,
    "reports.ranking.ranking_xlsx_bytes": ranking_xlsx,
    "reports.ranking.appraisal_template_xlsx": appraisal_template,
    "reports.audit.audit_xlsx_bytes": audit_xlsx,
    "reports.table.table_xlsx": table_xlsx,
    "reports.table.tables_xlsx": tables_xlsx,
    "reports.volumes.volumes_xlsx_bytes": volumes_xlsx,
    "reports.satisfaction.satisfaction_xlsx_bytes": satisfaction_xlsx,
}


def test_every_xlsx_writer_is_covered():
    # A new .xlsx writer in reports/ must be added to WRITERS above.
    found = set()
    for path in (Path(__file__).parent.parent / "reports").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "xlsxwriter.Workbook" not in source:
            continue
        for name in re.findall(r"^def ([a-z]\w*xlsx\w*)\(", source, flags=re.MULTILINE):
            found.add(f"reports.{path.stem}.{name}")
    assert found and found <= set(WRITERS), f"not covered: {sorted(found - set(WRITERS))}"


@pytest.mark.parametrize("name", list(WRITERS))
def test_hostile_cells_are_text_not_formulas(con, name):
    assert_neutralised(WRITERS[name](con))


# --- one builder per .csv the app writes ------------------------------------------------------------------


def form06_csv(con) -> bytes:
    from reports.form06 import form06_csv_bytes

    return form06_csv_bytes(hostile_form06(con))


def rejects_csv(con) -> bytes:
    from reports.rejects import rejects_csv_bytes

    return rejects_csv_bytes(hostile_rejects(con))


def loads_csv(con) -> bytes:
    from reports.rejects import loads_csv_bytes

    return loads_csv_bytes(hostile_loads(con))


def audit_csv(con) -> bytes:
    from reports.audit import audit_csv_bytes

    return audit_csv_bytes(hostile_audit_rows())


CSV_WRITERS = {
    "reports.form06.form06_csv_bytes": form06_csv,
    "reports.rejects.rejects_csv_bytes": rejects_csv,
    "reports.rejects.loads_csv_bytes": loads_csv,
    "reports.audit.audit_csv_bytes": audit_csv,
}


def test_every_csv_writer_is_covered():
    # A new .csv writer in reports/ must be added to CSV_WRITERS above.
    found = set()
    for path in (Path(__file__).parent.parent / "reports").glob("*.py"):
        if path.stem != "__init__":  # csv_bytes itself: test_csv_exports_neutralise_too
            found |= {f"reports.{path.stem}.{name}" for name in re.findall(
                r"^def ([a-z]\w*csv\w*)\(", path.read_text(encoding="utf-8"), flags=re.MULTILINE)}
    assert found and found <= set(CSV_WRITERS), f"not covered: {sorted(found - set(CSV_WRITERS))}"


def csv_cells(data: bytes) -> list[str]:
    """Every cell of the written file, read back as a spreadsheet would split it."""
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


@pytest.mark.parametrize("name", list(CSV_WRITERS))
def test_hostile_csv_cells_are_text_not_formulas(con, name):
    text = csv_cells(CSV_WRITERS[name](con))
    for value in ('=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)"):
        assert any("'" + value in t for t in text), f"{value!r} is missing from the file: the test wrote nothing"
    for t in text:
        assert t.lstrip("\t\r")[:1] not in ("=", "+", "-", "@") or t.startswith("'"), f"cell {t!r} would run"


def test_every_download_in_the_app_uses_a_covered_writer():
    # Every file the app offers goes through ui.auth.download (audited) and a writer tested above.
    root = Path(__file__).parent.parent
    used = set()
    for path in [*(root / "ui").glob("*.py"), *(root / "pages").glob("*.py"), root / "dashboard.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reports"):
                used |= {f"{node.module}.{a.name}" for a in node.names if re.search("xlsx|csv", a.name)}
            if isinstance(node, ast.Attribute) and node.attr == "download_button":
                assert path == root / "ui" / "auth.py", f"{path.name}: st.download_button outside ui.auth.download"
    missing = used - set(WRITERS) - set(CSV_WRITERS)
    assert used and not missing, f"not covered: {sorted(missing)}"


def test_csv_exports_neutralise_too():
    text = csv_bytes([("Mã", "Tên"), *[(v, v) for v in HOSTILE]]).decode("utf-8-sig")
    for value in HOSTILE:
        assert "'" + value in text or ("'" + value).replace('"', '""') in text


def test_streamlit_table_download_is_off():
    # Streamlit's own CSV download on every st.dataframe writes cells raw and unaudited: the app turns
    # it off in .streamlit/config.toml (tests/test_browser_data_export.py checks a real browser).
    import tomllib

    import streamlit

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert isinstance(streamlit.get_option("client.disableDataExport"), bool)  # an option Streamlit knows
