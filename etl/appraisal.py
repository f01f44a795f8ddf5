"""ETL: appraised emulation-contest scores imported from the appraisers' spreadsheet; writes only
through core.store.writing() (private copy, atomic publish), never imports Streamlit.

The spreadsheet (the template the ranking page and `reports.ranking.appraisal_template_xlsx`
produce): a header row with «Mã đơn vị», «Tên đơn vị», «Kỳ» and one column per appraised
criterion, headed «<name> [<code>] (tối đa N)» (the [code] or the exact name identifies it),
then one row per unit. An empty cell means "not scored yet" and changes nothing. A value that is
not a number, negative or above the criterion's maximum, a unit not in the directory and a row of
another period are rejected by name (row, unit, criterion, value); the good cells still load.
Re-importing the same file changes nothing.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import fastexcel
import polars as pl

from core.store import writing
from core.text import clean, fold
from etl.errors import EtlError
from etl.load import ensure_schema
from etl.schema import APPRAISAL_SCORES
from etl.sync import catch_up
from scoring.scheme import (
    PERIOD_HEADER,
    UNIT_CODE_HEADER,
    UNIT_NAME_HEADER,
    Scheme,
)

_CODE_IN_HEADER = re.compile(r"\[([A-Za-z0-9_\-.]+)\]")
# Period keys (scoring.rank.period_key): year, quarter, month, or a custom range.
PERIOD_KEY = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$|^\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Reject:
    row: int  # as Excel shows it
    unit: str
    criterion: str
    value: str
    message: str
    reason_code: str


@dataclass
class AppraisalReport:
    file_name: str
    scheme_code: str
    period_key: str
    status: str = "loaded"  # 'loaded' | 'unchanged' | 'failed'
    load_id: int | None = None
    rows_read: int = 0
    scores_new: int = 0
    scores_updated: int = 0
    scores_unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "unchanged":
            return (f"{self.file_name}: không có gì thay đổi (tệp đã nhập trước đó với cùng điểm; "
                    f"{self.scores_unchanged} điểm giữ nguyên).")
        return (f"{self.file_name}: {self.rows_read} dòng đơn vị; {self.scores_new} điểm mới, "
                f"{self.scores_updated} điểm cập nhật, {self.scores_unchanged} không đổi, "
                f"{len(self.rejects)} giá trị bị loại.")


# --- reading -----------------------------------------------------------------------------------------


def read_scores(data: bytes, file_name: str, scheme: Scheme, period_key: str,
                units: dict[str, str]) -> tuple[pl.DataFrame, list[Reject], list[str], int]:
    """Parse the spreadsheet: (scores: unit_code, criterion_code, score, source_row; rejects;
    warnings; data rows read). `units`: unit_code → unit_name of the directory."""
    grid = _grid(data, file_name)
    header_at = next((i for i, row in enumerate(grid) if any(fold(v) == fold(UNIT_CODE_HEADER) for v in row)), None)
    if header_at is None:
        raise EtlError(f"không tìm thấy dòng tiêu đề có cột «{UNIT_CODE_HEADER}».",
                       "Dùng mẫu tải từ trang «Xếp hạng thi đua» (nút «Tải mẫu nhập điểm») rồi nhập lại.",
                       file=file_name)
    header = [clean(v) or "" for v in grid[header_at]]
    col_code = next(i for i, h in enumerate(header) if fold(h) == fold(UNIT_CODE_HEADER))
    col_name = next((i for i, h in enumerate(header) if fold(h) == fold(UNIT_NAME_HEADER)), None)
    col_period = next((i for i, h in enumerate(header) if fold(h) in (fold(PERIOD_HEADER), "kydanhgia")), None)
    columns, warnings = _criterion_columns(header, scheme, {col_code, col_name, col_period})
    if not columns:
        raise EtlError(
            "không có cột nào là tiêu chí thẩm định của bộ tiêu chí «" + scheme.name + "».",
            "Tiêu đề cột cần có mã tiêu chí trong ngoặc vuông, ví dụ «… [ke_hoach_cchc] (tối đa 4)»; "
            "tải mẫu mới từ trang «Xếp hạng thi đua».", file=file_name)
    by_name = {fold(name): code for code, name in units.items()}
    scores, rejects, read = [], [], 0
    for offset, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        cells = [clean(v) for v in row]
        if not any(cells):
            continue
        read += 1
        raw_unit = cells[col_code] if col_code < len(cells) else None
        raw_name = cells[col_name] if col_name is not None and col_name < len(cells) else None
        unit = raw_unit if raw_unit in units else by_name.get(fold(raw_unit)) or by_name.get(fold(raw_name))
        shown_unit = raw_unit or raw_name or ""
        if unit is None:
            rejects.append(Reject(offset, shown_unit, "", shown_unit,
                                  f"Dòng {offset}: đơn vị «{shown_unit}» không có trong danh mục đơn vị. Sửa mã đơn vị "
                                  "theo mẫu (cột «Mã đơn vị») rồi nhập lại.", "unknown_unit"))
            continue
        period = cells[col_period] if col_period is not None and col_period < len(cells) else None
        if period and period != period_key:
            rejects.append(Reject(offset, units[unit], "", period,
                                  f"Dòng {offset} ({units[unit]}): kỳ «{period}» khác kỳ đang nhập «{period_key}». "
                                  "Mỗi tệp chỉ nhập điểm của một kỳ.", "other_period"))
            continue
        for index, criterion in columns.items():
            raw = cells[index] if index < len(cells) else None
            if raw is None:
                continue
            value, problem = _score(raw, criterion.max_points)
            if problem:
                rejects.append(Reject(offset, units[unit], criterion.name, raw,
                                      f"Dòng {offset} ({units[unit]}), tiêu chí «{criterion.name}»: giá trị «{raw}» "
                                      f"{problem}", "bad_score"))
                continue
            scores.append({"unit_code": unit, "criterion_code": criterion.code, "score": value, "source_row": offset})
    frame = pl.DataFrame(scores, schema={"unit_code": pl.String, "criterion_code": pl.String, "score": pl.Float64,
                                         "source_row": pl.Int64})
    duplicated = frame.filter(pl.struct("unit_code", "criterion_code").is_duplicated())
    if duplicated.height:
        for r in duplicated.iter_rows(named=True):
            name = scheme.criterion(r["criterion_code"]).name
            rejects.append(Reject(r["source_row"], units[r["unit_code"]], name, str(r["score"]),
                                  f"Dòng {r['source_row']} ({units[r['unit_code']]}), tiêu chí «{name}»: đơn vị có "
                                  "nhiều dòng trong tệp; giữ một dòng cho mỗi đơn vị.", "duplicate_unit"))
        frame = frame.filter(~pl.struct("unit_code", "criterion_code").is_duplicated())
    return frame, rejects, warnings, read


def period_of_file(data: bytes, file_name: str) -> str:
    """The one period written in the «Kỳ» column (when the command line gives none)."""
    grid = _grid(data, file_name)
    header_at = next((i for i, row in enumerate(grid) if any(fold(v) == fold(UNIT_CODE_HEADER) for v in row)), None)
    header = [clean(v) or "" for v in grid[header_at]] if header_at is not None else []
    col = next((i for i, h in enumerate(header) if fold(h) in (fold(PERIOD_HEADER), "kydanhgia")), None)
    values = {clean(row[col]) for row in grid[header_at + 1:] if col is not None and col < len(row) and clean(row[col])}
    if len(values) != 1:
        found = ", ".join(sorted(values)) or "không có"
        raise EtlError(f"không xác định được kỳ đánh giá từ cột «{PERIOD_HEADER}» (giá trị: {found}).",
                       "Ghi rõ kỳ khi nhập: --period 2026 (năm), 2026-Q3 (quý) hoặc 2026-05 (tháng).", file=file_name)
    return values.pop()


def _grid(data: bytes, file_name: str) -> list[list[str | None]]:
    try:
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # calamine: not an Excel file, damaged zip
        raise EtlError(f"không đọc được tệp Excel ({exc}).",
                       "Mở tệp bằng Excel, lưu lại dạng .xlsx rồi nhập lại.", file=file_name) from exc
    return [list(row) for row in frame.iter_rows()]


def _criterion_columns(header: list[str], scheme: Scheme, taken: set) -> tuple[dict, list[str]]:
    by_code = {c.code: c for c in scheme.appraised}
    by_name = {fold(c.name): c for c in scheme.appraised}
    data_codes = {c.code for c in scheme.criteria if c.is_data}
    found, warnings = {}, []
    for i, text in enumerate(header):
        if i in taken or not text:
            continue
        match = _CODE_IN_HEADER.search(text)
        criterion = by_code.get(match.group(1)) if match else None
        criterion = criterion or by_name.get(fold(re.sub(r"\(tối đa.*\)$", "", text)))
        if criterion:
            found[i] = criterion
        elif match and match.group(1) in data_codes:
            warnings.append(f"Cột «{text}» là tiêu chí tính từ dữ liệu, không nhập điểm: đã bỏ qua.")
        else:
            warnings.append(f"Cột «{text}» không phải tiêu chí thẩm định của bộ tiêu chí: đã bỏ qua.")
    missing = [c.name for c in scheme.appraised if c not in found.values()]
    if missing and found:
        warnings.append("Tệp không có cột của các tiêu chí: " + "; ".join(missing) + ".")
    return found, warnings


def _score(raw: str, max_points: float) -> tuple[float | None, str | None]:
    text = raw.strip().replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, "không phải là số. Nhập điểm bằng số (ví dụ 3,5)."
    if value != value or value in (float("inf"), float("-inf")):
        return None, "không phải là số. Nhập điểm bằng số (ví dụ 3,5)."
    if value < 0:
        return None, "là số âm. Điểm thẩm định từ 0 trở lên."
    if value > max_points + 1e-9:
        top = f"{max_points:g}".replace(".", ",")
        return None, f"vượt điểm tối đa {top} của tiêu chí."
    return value, None


# --- writing ------------------------------------------------------------------------------------------


def import_appraisal(source: Path | bytes, db: Path, scheme: Scheme, period_key: str, *,
                     file_name: str | None = None, loaded_by: str | None = None) -> AppraisalReport:
    """Import one spreadsheet into appraisal_scores (latest import wins per unit and criterion)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "bang_diem.xlsx")
    sha = hashlib.sha256(data).hexdigest()
    if not PERIOD_KEY.match(period_key or ""):
        raise EtlError(f"kỳ «{period_key}» không đúng dạng.",
                       "Ghi kỳ dạng 2026 (năm), 2026-Q3 (quý), 2026-05 (tháng) hoặc 2026-01-01_2026-06-30.",
                       file=name)
    report = AppraisalReport(name, scheme.code, period_key)
    with writing(db, catch_up=catch_up) as session:
        con = session.con
        _ensure_table(con)
        units = dict(con.execute("SELECT unit_code, unit_name FROM ref_units").fetchall())
        scores, rejects, warnings, read = read_scores(data, name, scheme, period_key, units)
        report.rejects, report.warnings, report.rows_read = rejects, warnings, read
        stored = con.execute(
            "SELECT unit_code, criterion_code, score FROM appraisal_scores WHERE scheme_code = $s AND period_key = $p",
            {"s": scheme.code, "p": period_key}).fetchall()
        before = {(u, c): v for u, c, v in stored}
        changed = []
        for r in scores.iter_rows(named=True):
            old = before.get((r["unit_code"], r["criterion_code"]))
            if old is None:
                report.scores_new += 1
                changed.append(r)
            elif abs(old - r["score"]) > 1e-9:
                report.scores_updated += 1
                changed.append(r)
            else:
                report.scores_unchanged += 1
        message = f"Bộ tiêu chí {scheme.code}, kỳ {period_key}"
        seen = con.execute("SELECT count(*) FROM load_log WHERE kind = 'appraisal' AND file_sha256 = $h "
                           "AND message = $m", {"h": sha, "m": message}).fetchall()[0][0]
        if not changed and seen:
            report.status = "unchanged"
            return report  # session.changed stays False: nothing is published
        load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchall()[0][0]
        report.load_id = load_id
        for r in changed:
            con.execute("DELETE FROM appraisal_scores WHERE scheme_code = $s AND period_key = $p AND unit_code = $u "
                        "AND criterion_code = $c", {"s": scheme.code, "p": period_key, "u": r["unit_code"],
                                                    "c": r["criterion_code"]})
            con.execute("INSERT INTO appraisal_scores (scheme_code, period_key, unit_code, criterion_code, score, "
                        "load_id, source_file, source_row) VALUES ($s, $p, $u, $c, $v, $l, $f, $r)",
                        {"s": scheme.code, "p": period_key, "u": r["unit_code"], "c": r["criterion_code"],
                         "v": r["score"], "l": load_id, "f": name, "r": r["source_row"]})
        for rj in rejects:
            con.execute(
                "INSERT INTO rejects (load_id, file_name, sheet, source_row, severity, reason_code, column_name, "
                "raw_value, message, dossier_code, raw_row) "
                "VALUES ($l, $f, NULL, $row, 'error', $code, $col, $val, $msg, NULL, $raw)",
                {"l": load_id, "f": name, "row": rj.row, "code": rj.reason_code, "col": rj.criterion or None,
                 "val": rj.value, "msg": rj.message,
                 "raw": json.dumps({"unit": rj.unit, "criterion": rj.criterion, "value": rj.value}, ensure_ascii=False)})
        con.execute(
            "INSERT INTO load_log (load_id, loaded_at, loaded_by, file_name, file_sha256, file_bytes, kind, sheets, "
            "rows_read, rows_new, rows_updated, rows_unchanged, rows_rejected, rows_skipped, status, message) "
            "VALUES ($l, $t, $by, $f, $h, $b, 'appraisal', NULL, $read, $new, $upd, $same, $rej, 0, 'loaded', $m)",
            {"l": load_id, "t": datetime.now(), "by": loaded_by or _user(), "f": name, "h": sha, "b": len(data),
             "read": read, "new": report.scores_new, "upd": report.scores_updated,
             "same": report.scores_unchanged, "rej": len(rejects), "m": message})
        session.changed = True
    return report


def _ensure_table(con) -> None:
    """appraisal_scores in a database built before it was declared; the full schema in a new file.
    Only this table is created in an existing database: an import never rewrites other tables."""
    (has_log,) = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'load_log'").fetchone()
    if not has_log:
        ensure_schema(con)
    con.execute(APPRAISAL_SCORES.ddl())


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "không rõ"

