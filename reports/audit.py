"""Report layer: the access audit log as .xlsx or .csv; never queries a database, never imports Streamlit."""
from __future__ import annotations

import json

import polars as pl

from reports import csv_bytes
from reports.table import table_xlsx

HEADERS = ("Thời điểm", "Người dùng", "Vai trò", "Hoạt động", "Đơn vị", "Chi tiết", "Máy truy cập")
WIDTHS = (20, 18, 26, 30, 22, 60, 16)


# Detail keys and coded values, in Vietnamese for the page and the exports.
DETAIL_LABELS = {
    "method": "Cách đăng nhập", "reason": "Lý do", "command": "Lệnh", "target": "Tài khoản", "role": "Vai trò",
    "unit_codes": "Đơn vị", "kind": "Loại", "scheme": "Bộ tiêu chí", "file": "Tệp", "page": "Trang", "period": "Kỳ",
    "list": "Danh sách", "search": "Tìm", "rows": "Số dòng", "disabled": "Đã khóa", "status": "Kết quả",
    "load_id": "Lần nạp", "rows_new": "Thêm mới", "rows_updated": "Cập nhật", "rows_rejected": "Bị loại",
    "dossier": "Hồ sơ", "found": "Có trong dữ liệu được xem", "personal_data": "Hiện thông tin cá nhân",
}
VALUE_LABELS = {
    "password": "mật khẩu", "oidc": "tài khoản cơ quan", "local": "mật khẩu",
    "wrong_password": "sai mật khẩu", "unknown_user": "không có tài khoản này", "locked": "đang bị tạm khóa",
    "disabled": "tài khoản đã khóa", "unknown_role": "vai trò không còn trong cấu hình",
    "add": "thêm", "disable": "khóa", "enable": "mở lại", "reset": "đặt lại mật khẩu", "True": "có", "False": "không",
    "local_proxy": "chế độ máy cục bộ, yêu cầu qua reverse proxy",
    "local_unknown": "chế độ máy cục bộ, không xác định được máy truy cập",
    "local_remote": "chế độ máy cục bộ, truy cập từ máy khác",
    "appraisal": "điểm thẩm định", "loaded": "đã nạp", "already_loaded": "tệp đã nạp trước đó", "failed": "không nạp được",
}
# Actions not about any unit's data: their unit column is left blank, not "Toàn tỉnh".
NO_UNITS = {"user_admin", "sign_in_failed", "access_denied", "load_file"}


def audit_rows(log: pl.DataFrame, action_labels: dict[str, str], role_labels: dict[str, str],
               unit_names: dict[str, str] | None = None) -> list[tuple]:
    """One tuple per audit row, in HEADERS order, as the admin page shows it (units by name)."""
    names = unit_names or {}
    rows = []
    for r in log.iter_rows(named=True):
        if r["unit_codes"] is not None:
            units = ", ".join(names.get(c, c) for c in r["unit_codes"])
        else:
            units = "" if r["action"] in NO_UNITS else "Toàn tỉnh"
        rows.append((
            r["at"].strftime("%d/%m/%Y %H:%M:%S"),
            r["username"],
            role_labels.get(r["role"] or "", r["role"] or ""),
            action_labels.get(r["action"], r["action"]),
            units,
            detail_text(r["detail"], role_labels),
            r["client"] or "",
        ))
    return rows


def detail_text(detail: str | None, role_labels: dict[str, str] | None = None) -> str:
    """'Tệp: bieu06.xlsx · Trang: bieu-06' from the JSON detail."""
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return detail or ""
    values = {**VALUE_LABELS, **(role_labels or {})}
    parts = []
    for key, value in data.items():
        if value in ("", None, [], {}):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {values.get(text, text)}")
    return " · ".join(parts)


def audit_xlsx_bytes(rows: list[tuple], title: str) -> bytes:
    """A titled sheet with a header row; every cell is text (audit_rows gives text) through `safe_text`."""
    return table_xlsx("Nhật ký", title, HEADERS, rows, WIDTHS)


def audit_csv_bytes(rows: list[tuple]) -> bytes:
    return csv_bytes([HEADERS, *rows])
