"""Access layer audit trail: an append-only DuckDB file, separate from the published data; never imports Streamlit.

Rows are only ever INSERTed, through `record`: nothing in the code updates or deletes them. The
published data file is replaced on every load, so the audit lives in its own file
(access.config.audit_path). Each write opens and closes the file, so the app and the
`python -m access` command line can both write to it.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from access.config import audit_path

# action → Vietnamese label shown on the admin page.
ACTIONS = {
    "sign_in": "Đăng nhập",
    "sign_in_failed": "Đăng nhập không thành công",
    "sign_out": "Đăng xuất",
    "session_expired": "Hết phiên làm việc",
    "access_denied": "Tài khoản chưa được cấp quyền",
    "view_late_list": "Xem danh sách hồ sơ trễ hạn",
    "view_dossier": "Xem chi tiết hồ sơ",
    "export": "Tải tệp xuất",
    "load_file": "Nạp tệp dữ liệu",
    "user_admin": "Quản lý tài khoản",
}
DDL = """
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    "at" TIMESTAMP NOT NULL,  -- quoted: AT is a keyword in DuckDB
    username VARCHAR NOT NULL,
    role VARCHAR,
    action VARCHAR NOT NULL,
    unit_codes VARCHAR[],
    detail JSON,
    client VARCHAR
);
"""
_LOCK = threading.Lock()


class AuditError(RuntimeError):
    """The audit file could not be written (busy or unreadable)."""


def _connect(path: Path, attempts: int = 40) -> duckdb.DuckDBPyConnection:
    """Open the audit file, waiting a little when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(attempts):
        try:
            con = duckdb.connect(str(path))
            con.execute(DDL)
            return con
        except duckdb.IOException as error:
            if attempt == attempts - 1:
                raise AuditError(f"Không ghi được nhật ký truy cập {path}: {error}") from error
            time.sleep(0.1)
    raise AssertionError("unreachable")


def record(action: str, username: str, role: str | None = None, unit_codes=None, detail: dict | None = None,
           client: str | None = None, at: datetime | None = None, path: Path | None = None) -> None:
    """Append one row. Unknown actions are refused so that the log stays filterable."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {"at": at or datetime.now(), "username": username, "role": role,
           "action": action, "unit_codes": sorted(unit_codes) if unit_codes is not None else None,
           "detail": json.dumps(detail or {}, ensure_ascii=False, default=str), "client": client}
    with _LOCK:
        con = _connect(path or audit_path())
        try:
            con.execute(
                'INSERT INTO audit_log ("at", username, role, action, unit_codes, detail, client) '
                "VALUES ($at, $username, $role, $action, $unit_codes, $detail, $client)", row)
        finally:
            con.close()


def _read(sql: str, params: dict, path: Path | None) -> list[tuple]:
    with _LOCK:
        con = _connect(path or audit_path())
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()


def failures_since(since: datetime, username: str | None = None, client: str | None = None,
                   path: Path | None = None) -> tuple[int, datetime | None]:
    """Wrong passwords since `since` for a username (counted after its last successful sign-in)
    or from a client: (count, time of the latest). Attempts refused while locked do not count."""
    if username is not None:
        sql = """
            SELECT count(*), max("at") FROM audit_log
            WHERE action = 'sign_in_failed' AND username = $who AND "at" >= $since
              AND coalesce(detail->>'reason', '') <> 'locked'
              AND "at" > coalesce((SELECT max("at") FROM audit_log WHERE action = 'sign_in' AND username = $who),
                                TIMESTAMP '1900-01-01')
        """
        who = username
    else:
        sql = """
            SELECT count(*), max("at") FROM audit_log
            WHERE action = 'sign_in_failed' AND client = $who AND "at" >= $since
              AND coalesce(detail->>'reason', '') <> 'locked'
        """
        who = client
    [(count, latest)] = _read(sql, {"who": who, "since": since}, path)
    return int(count), latest


def entries(start: datetime, end: datetime, username: str | None = None, actions=(),
            limit: int = 5000, path: Path | None = None) -> pl.DataFrame:
    """Audit rows from start to end (inclusive), newest first, optionally for one username and actions."""
    sql = """
        SELECT audit_id, "at", username, role, action, unit_codes, CAST(detail AS VARCHAR) AS detail, client
        FROM audit_log
        WHERE "at" BETWEEN $start AND $end
          AND ($username IS NULL OR username = $username)
          AND (len($actions::VARCHAR[]) = 0 OR list_contains($actions::VARCHAR[], action))
        ORDER BY "at" DESC, audit_id DESC LIMIT $limit
    """
    params = {"start": start, "end": end, "username": username, "actions": sorted(actions), "limit": limit}
    with _LOCK:
        con = _connect(path or audit_path())
        try:
            table = con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()
    return pl.from_arrow(table)


def usernames(path: Path | None = None) -> list[str]:
    return [r[0] for r in _read("SELECT DISTINCT username FROM audit_log ORDER BY 1", {}, path)]


def minutes_left(latest: datetime | None, lock_minutes: int, now: datetime) -> int:
    """Whole minutes until a lock that started at `latest` ends (0 when it has ended)."""
    if latest is None:
        return 0
    left = latest + timedelta(minutes=lock_minutes) - now
    return max(0, int(left.total_seconds() // 60) + (1 if left.total_seconds() % 60 else 0))


def load_detail(report) -> dict:
    """Audit detail of one loaded file (an etl.load.FileReport): which file, outcome, counts."""
    return {"file": report.file, "status": report.status, "load_id": report.load_id,
            "rows_new": report.rows_new, "rows_updated": report.rows_updated,
            "rows_rejected": report.rows_rejected}
