"""Report layer: rejected rows and the load history as .xlsx / .csv for the units that must fix
their data; never queries the database, never imports Streamlit. Every text cell goes through
`reports.safe_text` (written with write_string), so a value like "=HYPERLINK(…)" stays text."""
from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl

from core.labels import column_label
from reports import csv_bytes
from reports.table import table_xlsx

# Reason codes written by etl/normalize.py → what a clerk reads.
REASON_LABELS = {
    "missing_code": "Thiếu mã hồ sơ",
    "bad_date": "Ngày không đọc được",
    "unknown_status": "Trạng thái không nhận ra",
    "unknown_channel": "Hình thức nộp không nhận ra",
    "unknown_unit": "Đơn vị không có trong danh mục",
    "missing_unit": "Thiếu đơn vị",
    "bad_number": "Số không đọc được",
    "unknown_rating": "Mức đánh giá không nhận ra",
    "outside_calendar": "Ngày ngoài lịch làm việc đã cấu hình",
    "missing_due": "Thiếu ngày hẹn trả",
    "missing_received": "Thiếu ngày tiếp nhận",
    "due_before_received": "Hẹn trả trước ngày tiếp nhận",
    "resolved_without_date": "Đã giải quyết nhưng thiếu ngày có kết quả",
    "duplicate_in_file": "Mã hồ sơ lặp trong tệp",
    "bad_score": "Điểm khảo sát ngoài 1–5",
    "unmapped_question": "Câu hỏi chưa gắn yếu tố SIPAS",
    "unknown_dossier": "Đánh giá ghi mã hồ sơ chưa có",
    "bad_criterion_score": "Điểm tiêu chí ngoài 2/1/0",
    "stale_update": "Tệp cũ hơn dữ liệu đã nạp",
    "future_date": "Ngày chưa tới (sau ngày nạp)",
    "far_deadline": "Ngày hẹn quá xa",
    "before_first_year": "Ngày trước năm đầu của lịch",
    "finished_before_received": "Có kết quả trước ngày tiếp nhận",
    "returned_before_received": "Trả kết quả trước ngày tiếp nhận",
    "fee_out_of_range": "Số tiền ngoài khoảng hợp lý",
    "resolved_kept": "Giữ bản đã có kết quả (không mở lại hồ sơ)",
}
SEVERITY_LABELS = {"error": "Bị loại (không nạp)", "warning": "Cảnh báo (đã nạp, bỏ giá trị)"}
KIND_LABELS = {"dossier": "Hồ sơ", "survey": "Khảo sát", "rating": "Đánh giá"}
STATUS_LABELS = {"loaded": "Đã nạp", "already_loaded": "Đã nạp trước đó"}

REJECT_COLUMNS = (
    ("file_name", "Tệp", 34), ("sheet", "Trang tính", 14), ("source_row", "Dòng", 7),
    ("severity", "Mức độ", 24), ("reason_code", "Lý do", 30), ("column_name", "Cột", 18),
    ("raw_value", "Giá trị trong tệp", 22), ("message", "Cách sửa", 60), ("dossier_code", "Mã hồ sơ", 26),
)
LOAD_COLUMNS = (
    ("load_id", "Lần nạp", 8), ("loaded_at", "Thời điểm", 17), ("loaded_by", "Người nạp", 16),
    ("file_name", "Tệp", 40), ("kind", "Loại", 10), ("file_sha256", "Mã băm SHA-256", 30),
    ("file_bytes", "Dung lượng (byte)", 14), ("sheets", "Trang tính", 14), ("period_from", "Kỳ từ ngày", 11),
    ("period_to", "Kỳ đến ngày", 11), ("as_of_at", "Số liệu tính đến", 17), ("as_of_source", "Căn cứ", 12),
    ("rows_read", "Dòng đọc", 10), ("rows_new", "Thêm mới", 10),
    ("rows_updated", "Cập nhật", 10), ("rows_unchanged", "Không đổi", 10), ("rows_rejected", "Bị loại", 10),
    ("rows_skipped", "Bỏ qua", 10), ("status", "Trạng thái", 14), ("message", "Ghi chú", 50),
)
AS_OF_LABELS = {"title": "Dòng tiêu đề", "rows": "Ngày trong tệp", "load_time": "Lúc nạp"}
_VALUE_LABELS = {"severity": SEVERITY_LABELS, "reason_code": REASON_LABELS, "kind": KIND_LABELS,
                 "status": STATUS_LABELS, "as_of_source": AS_OF_LABELS}


def raw_label(key: str) -> str:
    """The Vietnamese header of a raw-row key (a canonical column, or a survey question)."""
    if key.startswith("q?:"):
        return key[3:]
    for kind in ("dossier", "survey", "rating"):
        label = column_label(kind, key)
        if label != key:
            return label
    return key


def raw_columns(rejects: pl.DataFrame) -> list[str]:
    """Keys of the raw rows, in order of first appearance."""
    keys: dict[str, None] = {}
    for text in rejects["raw_row"].drop_nulls().to_list() if "raw_row" in rejects.columns else []:
        keys.update(dict.fromkeys(json.loads(text)))
    return list(keys)


def rejects_table(rejects: pl.DataFrame) -> tuple[list[str], list[list]]:
    """Headers and rows: the reject columns, then the whole row as read (one column per field)."""
    keys = raw_columns(rejects)
    headers = [label for _, label, _ in REJECT_COLUMNS] + [f"Dữ liệu gốc: {raw_label(k)}" for k in keys]
    rows = []
    for r in rejects.iter_rows(named=True):
        raw = json.loads(r["raw_row"]) if r.get("raw_row") else {}
        rows.append([_value(c, r[c]) for c, _, _ in REJECT_COLUMNS] + [raw.get(k) for k in keys])
    return headers, rows


def rejects_xlsx_bytes(rejects: pl.DataFrame) -> bytes:
    headers, rows = rejects_table(rejects)
    widths = [w for _, _, w in REJECT_COLUMNS] + [18] * (len(headers) - len(REJECT_COLUMNS))
    return table_xlsx("Dòng bị loại", "DANH SÁCH DÒNG BỊ LOẠI KHI NẠP DỮ LIỆU", headers, rows, widths)


def rejects_csv_bytes(rejects: pl.DataFrame) -> bytes:
    headers, rows = rejects_table(rejects)
    return csv_bytes([headers, *rows])


def loads_table(loads: pl.DataFrame) -> tuple[list[str], list[list]]:
    headers = [label for _, label, _ in LOAD_COLUMNS]
    rows = [[_value(c, r.get(c)) for c, _, _ in LOAD_COLUMNS] for r in loads.iter_rows(named=True)]
    return headers, rows


def loads_xlsx_bytes(loads: pl.DataFrame) -> bytes:
    headers, rows = loads_table(loads)
    return table_xlsx("Lịch sử nạp", "LỊCH SỬ NẠP DỮ LIỆU", headers, rows, [w for _, _, w in LOAD_COLUMNS])


def loads_csv_bytes(loads: pl.DataFrame) -> bytes:
    headers, rows = loads_table(loads)
    return csv_bytes([headers, *[[_csv_value(v) for v in row] for row in rows]])


def _value(column: str, value):
    labels = _VALUE_LABELS.get(column)
    return labels.get(value, value) if labels and value is not None else value


def _csv_value(value):
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value
