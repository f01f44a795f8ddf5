"""ETL: the year's administrative-reform plan (kế hoạch CCHC) imported from a spreadsheet; writes only
through core.store.writing() (private copy, atomic publish), never imports Streamlit.

The spreadsheet has a header row naming at least the task, lead unit, deadline and status columns
(HEADERS: several wordings each), then one row per task. A row holding only a heading such as
"I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH" opens an area for the rows under it when there is no area column.
Deadlines may be dates or the plan's usual words: "Quý II" (30/6), "Tháng 9" (30/9), "Thường xuyên" /
"Cả năm" (31/12). A row that cannot be used is rejected with its row number, column and value, and
what to write instead; the good rows load. Importing a year again replaces that year's plan whole.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import fastexcel
import polars as pl

from core.store import writing
from core.text import clean, fold
from etl.errors import EtlError
from etl.load import ensure_schema
from etl.schema import PLAN_TASKS
from etl.units import UnitMatcher
from etl.values import parse_datetimes

# Canonical column → the headers (folded: no diacritics, case or spaces) a plan spreadsheet uses.
HEADERS = {
    "task_no": ("stt", "so thu tu", "tt"),
    "area": ("linh vuc", "linh vuc cchc", "nhom nhiem vu", "noi dung cchc"),
    "task": ("nhiem vu", "ten nhiem vu", "dau cong viec", "noi dung cong viec", "noi dung nhiem vu", "cong viec"),
    "lead_unit_name": ("don vi chu tri", "co quan chu tri", "chu tri"),
    "deadline": ("thoi han", "thoi han hoan thanh", "han hoan thanh", "thoi gian hoan thanh"),
    "status": ("tinh trang", "trang thai", "ket qua thuc hien", "tien do"),
    "done_date": ("ngay hoan thanh", "ngay hoan thanh thuc te"),
}
LABELS = {"task_no": "STT", "area": "Lĩnh vực", "task": "Nhiệm vụ", "lead_unit_name": "Đơn vị chủ trì",
          "deadline": "Thời hạn", "status": "Tình trạng", "done_date": "Ngày hoàn thành"}
REQUIRED = ("task", "lead_unit_name", "deadline", "status")
STATUSES = {
    "done": ("hoan thanh", "da hoan thanh", "xong", "da xong", "done"),
    "in_progress": ("dang thuc hien", "dang trien khai", "dang lam", "chua hoan thanh", "in progress"),
    "not_started": ("chua thuc hien", "chua trien khai", "chua bat dau", "not started"),
}
_STATUS = {fold(word): code for code, words in STATUSES.items() for word in words}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_AREA_ROW = re.compile(r"^\s*([IVXLC]+|[A-Z])[.)]\s*\S")  # "I. CẢI CÁCH THỂ CHẾ", "A) …"


@dataclass(frozen=True)
class Reject:
    row: int  # as Excel shows it
    column: str  # Vietnamese header of the offending column
    value: str
    message: str


@dataclass
class PlanReport:
    file_name: str
    year: int
    rows_loaded: int = 0
    rows_replaced: int = 0  # tasks of the same year that the import replaced
    load_id: int | None = None
    rejects: list[Reject] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.file_name}: kế hoạch CCHC năm {self.year}: {self.rows_loaded} nhiệm vụ đã nạp"
                + (f" (thay {self.rows_replaced} nhiệm vụ nạp trước)" if self.rows_replaced else "")
                + f", {len(self.rejects)} dòng bị loại.")


def read_plan(data: bytes, file_name: str, year: int, match: Callable[[str], str | None]
              ) -> tuple[pl.DataFrame, list[Reject]]:
    """(tasks ready to store, rejected rows); `match`: lead unit as written → unit code or None
    (etl.units.UnitMatcher: "UBND phường Hải Châu", "Sở Tư pháp tỉnh …" are found)."""
    grid = _grid(data, file_name)
    header_at, columns = _header(grid, file_name)
    rows, rejects, area = [], [], None
    for number, raw in enumerate(grid[header_at + 1:], start=header_at + 2):
        cells = [clean(v) for v in raw]
        if not any(cells):
            continue
        value = {key: (cells[i] if i < len(cells) else None) for key, i in columns.items()}
        heading = _area_heading(value, [c for c in cells if c])
        if heading:
            area = heading
            continue
        task, problems = _task(value, number, year, area, match)
        if problems:
            rejects += problems
        else:
            rows.append(task)
    schema = {c.name: pl.String for c in PLAN_TASKS.columns if c.name in (
        "task_no", "area", "task", "lead_unit_name", "unit_code", "status")} | {
        "deadline": pl.Date, "done_date": pl.Date, "source_row": pl.Int64}
    return pl.DataFrame(rows, schema=schema), rejects


def _area_heading(value: dict, filled: list[str]) -> str | None:
    """The area a group row opens: STT in Roman numerals with a text and nothing else ("I" | "CẢI CÁCH THỂ
    CHẾ"), or one cell "I. CẢI CÁCH THỂ CHẾ"; None for a task row."""
    if any(value.get(k) for k in ("lead_unit_name", "deadline", "status", "done_date")):
        return None
    number = (value.get("task_no") or "").strip().rstrip(".")
    text = value.get("task") or value.get("area")
    if re.fullmatch(r"[IVXLC]+", number) and text:
        return text.strip()
    if len(filled) == 1 and _AREA_ROW.match(filled[0]):
        return re.sub(r"^\s*([IVXLC]+|[A-Z])[.)]\s*", "", filled[0]).strip()
    return None


def _task(value: dict, row: int, year: int, area: str | None, match) -> tuple[dict, list[Reject]]:
    problems = []

    def reject(column: str, raw, message: str) -> None:
        problems.append(Reject(row, LABELS[column], raw or "", f"Dòng {row}, cột «{LABELS[column]}»: {message}"))

    for column in ("task", "lead_unit_name"):
        if not value.get(column):
            reject(column, None, "trống. Ghi " + ("tên nhiệm vụ." if column == "task" else "đơn vị chủ trì."))
    task_area = value.get("area") or area
    if not task_area:
        reject("area", None, "không rõ lĩnh vực CCHC: ghi cột «Lĩnh vực» hoặc một dòng tiêu đề nhóm "
                             "(ví dụ «I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH») phía trên.")
    deadline = deadline_of(value.get("deadline"), year)
    if deadline is None:
        reject("deadline", value.get("deadline"), f"«{value.get('deadline') or ''}» không phải thời hạn; ghi ngày "
               "dd/mm/yyyy, «Quý II», «Tháng 9» hoặc «Thường xuyên».")
    raw_status = value.get("status")
    done_raw = value.get("done_date")
    done = _date(done_raw) if done_raw else None
    if done_raw and done is None:
        reject("done_date", done_raw, f"«{done_raw}» không phải ngày; ghi dd/mm/yyyy.")
    status = _STATUS.get(fold(raw_status)) if raw_status else ("done" if done else "not_started")
    if status is None:
        reject("status", raw_status, f"«{raw_status}» không phải tình trạng đã biết; ghi «Hoàn thành», "
               "«Đang thực hiện» hoặc «Chưa thực hiện».")
    elif status == "done" and not done_raw:
        reject("done_date", None, "trống trong khi tình trạng là «Hoàn thành»; ghi ngày hoàn thành.")
    elif status != "done" and done:
        reject("status", raw_status, f"«{raw_status}» nhưng đã có ngày hoàn thành {done:%d/%m/%Y}; sửa một trong "
               "hai cột.")
    lead = value.get("lead_unit_name")
    task = {"task_no": value.get("task_no"), "area": task_area, "task": value.get("task"), "lead_unit_name": lead,
            "unit_code": match(lead) if lead else None, "deadline": deadline, "status": status,
            "done_date": done if status == "done" else None, "source_row": row}
    return task, problems


def deadline_of(text: str | None, year: int) -> date | None:
    """A date, or the plan's words: 'Quý II' → 30/06, 'Tháng 9' → 30/09, 'Thường xuyên' / 'Cả năm' → 31/12."""
    if not text:
        return None
    words = fold(text)
    if words in ("thuongxuyen", "canam", "trongnam"):
        return date(year, 12, 31)
    quarter = re.fullmatch(r"quy(i{1,3}|iv|[1-4])(/?nam)?(\d{4})?", words)
    if quarter:
        q = _ROMAN.get(quarter[1]) or int(quarter[1])
        y = int(quarter[3] or year)
        return date(y, 3 * q, monthrange(y, 3 * q)[1])
    month = re.fullmatch(r"thang(\d{1,2})(?:/|nam)?(\d{4})?", words)
    if month and 1 <= int(month[1]) <= 12:
        m, y = int(month[1]), int(month[2] or year)
        return date(y, m, monthrange(y, m)[1])
    return _date(text)


def _date(text: str) -> date | None:
    parsed = parse_datetimes(pl.Series([text.strip()]))[0]
    return parsed.date() if parsed is not None else None


def _header(grid: list[list], file_name: str) -> tuple[int, dict[str, int]]:
    aliases = {alias.replace(" ", ""): key for key, words in HEADERS.items() for alias in words}
    for at, row in enumerate(grid[:30]):
        found = {}
        for i, cell in enumerate(row):
            key = aliases.get(fold(cell))
            if key and key not in found:
                found[key] = i
        if "task" in found:
            missing = [LABELS[k] for k in REQUIRED if k not in found]
            if missing:
                raise EtlError(f"dòng tiêu đề (dòng {at + 1}) thiếu cột " + ", ".join(f"«{m}»" for m in missing) + ".",
                               "Bảng kế hoạch cần các cột: " + ", ".join(f"«{LABELS[k]}»" for k in REQUIRED)
                               + " (và «Ngày hoàn thành» cho nhiệm vụ đã xong).", file=file_name)
            return at, found
    raise EtlError("không tìm thấy dòng tiêu đề có cột «Nhiệm vụ».",
                   "Dòng tiêu đề cần các cột: " + ", ".join(f"«{LABELS[k]}»" for k in REQUIRED) + ".", file=file_name)


def _grid(data: bytes, file_name: str) -> list[list[str | None]]:
    try:
        sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    except Exception as exc:  # calamine: not an Excel file, damaged zip
        raise EtlError(f"không đọc được tệp Excel ({exc}).", "Mở tệp bằng Excel, lưu lại dạng .xlsx rồi nhập lại.",
                       file=file_name) from exc
    return [list(row) for row in sheet.to_polars().iter_rows()]


# --- writing ------------------------------------------------------------------------------------------


def import_plan(source: Path | bytes, db: Path, year: int, *, file_name: str | None = None,
                loaded_by: str | None = None) -> PlanReport:
    """Replace `year`'s plan with the good rows of the spreadsheet; log the import and its rejects."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "ke_hoach.xlsx")
    if not 2000 <= year <= 2100:
        raise EtlError(f"năm «{year}» không hợp lệ.", "Ghi năm của kế hoạch, ví dụ --year 2026.", file=name)
    report = PlanReport(name, year)
    with writing(db) as session:
        con = session.con
        (has_log,) = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'load_log'").fetchone()
        if not has_log:
            ensure_schema(con)
        con.execute(PLAN_TASKS.ddl())
        tasks, report.rejects = read_plan(data, name, year, UnitMatcher.build().match)  # the installation's units
        load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchall()[0][0]
        report.load_id = load_id
        (report.rows_replaced,) = con.execute("SELECT count(*) FROM plan_tasks WHERE plan_year = $y",
                                              {"y": year}).fetchone()
        con.execute("DELETE FROM plan_tasks WHERE plan_year = $y", {"y": year})
        stored = tasks.with_columns(plan_year=pl.lit(year, pl.Int32), load_id=pl.lit(load_id, pl.Int32),
                                    source_file=pl.lit(name)).select(PLAN_TASKS.names())
        con.register("new_tasks", stored.to_arrow())
        con.execute(f"INSERT INTO plan_tasks SELECT {', '.join(PLAN_TASKS.names())} FROM new_tasks")
        con.unregister("new_tasks")
        report.rows_loaded = tasks.height
        for rj in report.rejects:
            con.execute(
                "INSERT INTO rejects (load_id, file_name, sheet, source_row, severity, reason_code, column_name, "
                "raw_value, message, dossier_code, raw_row) "
                "VALUES ($l, $f, NULL, $row, 'error', 'bad_plan_row', $col, $val, $msg, NULL, $raw)",
                {"l": load_id, "f": name, "row": rj.row, "col": rj.column, "val": rj.value, "msg": rj.message,
                 "raw": json.dumps({"column": rj.column, "value": rj.value}, ensure_ascii=False)})
        con.execute(
            "INSERT INTO load_log (load_id, loaded_at, loaded_by, file_name, file_sha256, file_bytes, kind, sheets, "
            "rows_read, rows_new, rows_updated, rows_unchanged, rows_rejected, rows_skipped, status, message) "
            "VALUES ($l, $t, $by, $f, $h, $b, 'plan', NULL, $read, $new, 0, 0, $rej, 0, 'loaded', $m)",
            {"l": load_id, "t": datetime.now(), "by": loaded_by or _user(), "f": name,
             "h": hashlib.sha256(data).hexdigest(), "b": len(data), "read": tasks.height + len(report.rejects),
             "new": tasks.height, "rej": len(report.rejects), "m": f"Kế hoạch CCHC năm {year}"})
        session.changed = True
    return report


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "không rõ"
