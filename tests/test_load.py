"""End to end through etl.load.load_files into a temporary DuckDB: hand-worked counts, rejects,
idempotence, updates, failures that leave the published file untouched, readers, surveys, CLI."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from fixtures_exports import (
    DEFAULT_KEYS,
    QUESTIONS,
    TITLES,
    Group,
    Total,
    dossier,
    write_dossier_csv,
    write_dossier_xlsx,
    write_other_xlsx,
    write_png_as_xlsx,
    write_survey_xlsx,
    write_truncated_xlsx,
)

import etl.extract
import etl.load
from core.store import connect_readonly, version
from etl.__main__ import main
from etl.load import load_files

TK = "UBND phường Thanh Khê"  # → 20209
HV = "Xã Hòa Vang"  # → 20320
MARRIAGE = "1.004873.000.00.00.H48"  # 3 working days in procedures.csv


def code(n: int) -> str:
    return f"000.00.53.H48-2602{n:02d}-{n:04d}"


def rows(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def work_files(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".work" in p.name or p.name.endswith(".wal"))


# --- (1) a hand-worked export -----------------------------------------------------------------------
#
# February 2026: Mon 2 … Fri 6 | Mon 9 … Fri 13 | Mon 16 – Fri 20 Tết (holidays) | Mon 23 … Fri 27.
# Period of the counts: 01/02/2026 – 13/03/2026 (as the title says).
#
# code  unit  received           due                 finished           status            outcome
# A1    TK    Mon 02/02 08:00    Wed 04/02 17:00     Tue 03/02 10:00    Đã trả kết quả    early
# A2    TK    Mon 02/02 09:00*   Thu 05/02           Thu 05/02 16:00    Hoàn thành        on time
# A3    TK    Tue 03/02 08:00    Fri 06/02 17:00     Tue 10/02 09:00    Đã trả kết quả    late: Mon 9, Tue 10 → 2
# A4    TK    Wed 11/02 08:00    Fri 13/02 17:00     Mon 23/02 10:00    Đã trả            late: (13/02, 23/02] = Mon 23 → 1
# A5    TK    Tue 10/02 08:00    Thu 12/02 17:00     Wed 18/02 (Tết)    Đã xử lý xong     late: 18/02 counts as Mon 23
#                                                                                         morning: Fri 13, Mon 23 → 2
# A6    TK    Tue 24/02 08:00    Fri 27/02 17:00     —                  Đang giải quyết   in progress, overdue at 13/03
# A7    TK    Wed 11/03 14:00    (none: computed)    —                  Đang xử lý        in progress, due Mon 16/03 14:00
#                                 3 working days from Wed 11 14:00: Thu 12 (1), Fri 13 (2), Mon 16 (3)
# B1    HV    Mon 02/02 08:00    Tue 03/02 17:00     Tue 03/02 11:00    done              on time
# B2    HV    Wed 04/02 08:00    Mon 09/02 17:00     Fri 06/02 10:00    10                early
# B3    HV    Thu 05/02 08:00    Fri 06/02 17:00     Sat 14/02 09:00    Đã trả kết quả    late: Sat 14 counts as the next
#                                                                                         working morning, Mon 23 (after
#                                                                                         Tết): 9,10,11,12,13,23 → 6
# B4    HV    Wed 25/02 08:00    Fri 20/03 17:00     —                  Chờ bổ sung       paused, within deadline
# B5    HV    Tue 10/03 08:00    Fri 13/03 17:00     —                  Rút hồ sơ         withdrawn
# (* A2's received date is an Excel serial: 46055.375 = 02/02/2026 09:00.)
#
# Per unit: TK received 7 = resolved 5 (early 1 + on time 1 + late 3) + in progress 2 (overdue 1) + 0 withdrawn.
#           HV received 5 = resolved 3 (early 1 + on time 1 + late 1) + in progress 1 (overdue 0) + 1 withdrawn.
# Online (channel "Trực tuyến"): TK A1, A3 → 2; HV B2 → 1.

D = datetime
SCENARIO = [
    Group("Lĩnh vực: Hộ tịch"),
    dossier("A1", TK, D(2026, 2, 2, 8), D(2026, 2, 4, 17), D(2026, 2, 3, 10), "Đã trả kết quả",
            returned=D(2026, 2, 3, 15), channel="Trực tuyến", field="Hộ tịch"),
    dossier("A2", "P. Thanh Khê", 46055.375, "05/02/2026", "05/02/2026 16:00:00", "Hoàn thành",
            channel="Bưu chính công ích", field="Hộ tịch"),
    dossier("A3", TK, D(2026, 2, 3, 8), D(2026, 2, 6, 17), D(2026, 2, 10, 9), "Đã trả kết quả",
            channel="Trực tuyến", field="Hộ tịch"),
    dossier("A4", TK, D(2026, 2, 11, 8), D(2026, 2, 13, 17), D(2026, 2, 23, 10), "Đã trả",
            channel="Trực tiếp", field="Hộ tịch"),
    dossier("A5", TK, D(2026, 2, 10, 8), D(2026, 2, 12, 17), D(2026, 2, 18, 10), "Đã xử lý xong", field="Hộ tịch"),
    dossier("A6", TK, D(2026, 2, 24, 8), D(2026, 2, 27, 17), None, "Đang giải quyết", field="Hộ tịch"),
    dossier("A7", TK, D(2026, 3, 11, 14), None, None, "Đang xử lý", procedure_code=MARRIAGE, field="Hộ tịch"),
    Group("Lĩnh vực: Chứng thực"),
    dossier("B1", HV, D(2026, 2, 2, 8), D(2026, 2, 3, 17), D(2026, 2, 3, 11), "done", field="Chứng thực"),
    dossier("B2", "Bộ phận một cửa xã Hòa Vang", D(2026, 2, 4, 8), D(2026, 2, 9, 17), D(2026, 2, 6, 10), "10",
            channel="Trực tuyến", field="Chứng thực"),
    dossier("B3", HV, D(2026, 2, 5, 8), D(2026, 2, 6, 17), D(2026, 2, 14, 9), "Đã trả kết quả", field="Chứng thực"),
    dossier("B4", HV, D(2026, 2, 25, 8), D(2026, 3, 20, 17), None, "Chờ bổ sung", field="Chứng thực"),
    dossier("B5", HV, D(2026, 3, 10, 8), D(2026, 3, 13, 17), None, "Rút hồ sơ", field="Chứng thực"),
    Total(count=12),
]

COUNTS_SQL = """
SELECT unit_code,
    count(*) FILTER (received_date BETWEEN $start AND $end AND status_group <> 'not_received') AS received,
    count(*) FILTER (is_resolved AND finished_date BETWEEN $start AND $end) AS resolved,
    count(*) FILTER (timeliness = 'early' AND finished_date BETWEEN $start AND $end) AS early,
    count(*) FILTER (timeliness = 'on_time' AND finished_date BETWEEN $start AND $end) AS on_time,
    count(*) FILTER (timeliness = 'late' AND finished_date BETWEEN $start AND $end) AS late,
    count(*) FILTER (status_group IN ('in_progress', 'paused') AND received_date <= $end) AS in_progress,
    count(*) FILTER (status_group IN ('in_progress', 'paused') AND received_date <= $end AND due_date < $end)
        AS overdue,
    count(*) FILTER (status_group IN ('withdrawn', 'stopped', 'not_received')) AS withdrawn,
    count(*) FILTER (is_online) AS online
FROM dossiers GROUP BY unit_code ORDER BY unit_code
"""
PERIOD = {"start": date(2026, 2, 1), "end": date(2026, 3, 13)}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("scenario")
    export = folder / "ho_so_thang_2.xlsx"
    write_dossier_xlsx(export, SCENARIO, keys=("code", "procedure_code", "field", "unit", "received", "due",
                                               "finished", "returned", "status", "channel"))
    db = folder / "cchc.duckdb"
    return db, load_files([export], db, loaded_by="kiem_thu")


def test_scenario_report(scenario):
    db, [report] = scenario
    assert report.status == "loaded" and report.kind == "dossier"
    # 12 dossiers read; 2 group rows + 1 total row skipped; nothing rejected.
    assert (report.rows_read, report.rows_new, report.rows_rejected, report.rows_skipped) == (12, 12, 0, 3)
    assert rows(db, "SELECT loaded_by, period_from, period_to, rows_read, status FROM load_log") == [
        ("kiem_thu", date(2026, 2, 1), date(2026, 3, 13), 12, "loaded")]


def test_scenario_counts_per_unit(scenario):
    db, _ = scenario
    assert rows(db, COUNTS_SQL, PERIOD) == [
        # unit    received resolved early on_time late in_progress overdue withdrawn online
        ("20209", 7, 5, 1, 1, 3, 2, 1, 0, 2),
        ("20320", 5, 3, 1, 1, 1, 1, 0, 1, 1),
    ]


def test_scenario_balance_holds(scenario):
    # received = resolved + in progress + withdrawn/stopped/refused, for each unit (DOMAIN.md, Form 06).
    db, _ = scenario
    for unit, received, resolved, _e, _o, _l, in_progress, _ov, withdrawn, _on in rows(db, COUNTS_SQL, PERIOD):
        assert received == resolved + in_progress + withdrawn, unit


def test_scenario_late_working_days(scenario):
    db, _ = scenario
    assert rows(db, "SELECT dossier_code, late_working_days FROM dossiers WHERE timeliness = 'late' "
                    "ORDER BY dossier_code") == [("A3", 2), ("A4", 1), ("A5", 2), ("B3", 6)]
    assert rows(db, "SELECT count(*) FROM dossiers WHERE timeliness <> 'late' AND late_working_days IS NOT NULL") == [
        (0,)]


def test_scenario_dates_and_codes(scenario):
    db, _ = scenario
    got = dict((r[0], r[1:]) for r in rows(db, "SELECT dossier_code, received_at, due_at, due_source, status_code "
                                              "FROM dossiers"))
    assert got["A2"] == (D(2026, 2, 2, 9), D(2026, 2, 5), "export", 9)  # serial received, text due
    assert got["A7"] == (D(2026, 3, 11, 14), D(2026, 3, 16, 14), "computed", 4)
    assert got["B1"][3] == 9 and got["B2"][3] == 10 and got["B4"][3] == 5 and got["B5"][3] == 7
    # Source rows are the rows a clerk sees: titles 1–3, blank 4, header 5–6, group 7, A1 8 … A7 14,
    # group 15, B1 16 … B5 20.
    assert rows(db, "SELECT dossier_code, source_row FROM dossiers WHERE dossier_code IN ('A1', 'A7', 'B1', 'B5') "
                    "ORDER BY dossier_code") == [("A1", 8), ("A7", 14), ("B1", 16), ("B5", 20)]


# --- (2) rejects ------------------------------------------------------------------------------------
#
# Titles 1–3, blank 4, header 5–6, so the first data row is row 7.
REJECT_LINES = [
    dossier("R-OK1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),  # row 7
    dossier(None, TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),  # row 8: no code
    dossier("R-DATE", TK, "31/02/2026", "04/03/2026 17:00:00", None, "Đang xử lý"),  # row 9
    dossier("R-STATUS", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Chờ lãnh đạo ký"),  # row 10
    dossier("R-UNIT", "Phường Ba Đình", "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),  # row 11
    dossier("R-DUE", HV, "10/02/2026 08:00:00", "09/02/2026 17:00:00", None, "Đang xử lý"),  # row 12
    dossier("R-DUP", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", None, "Đang xử lý"),  # row 13 (dropped)
    dossier("R-OK2", HV, "03/02/2026 09:00:00", "05/02/2026 17:00:00", None, "Đang xử lý"),  # row 14
    dossier("R-DUP", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", "04/02/2026 10:00:00", "Hoàn thành"),  # 15
]


@pytest.fixture(scope="module")
def rejected(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("rejects")
    export = folder / "loi.xlsx"
    write_dossier_xlsx(export, REJECT_LINES)
    db = folder / "cchc.duckdb"
    return db, load_files([export], db)


def reject_rows(db: Path) -> dict[int, dict]:
    con = duckdb.connect(str(db), read_only=True)
    frame = pl.from_arrow(con.sql("SELECT * FROM rejects WHERE severity = 'error' ORDER BY source_row").to_arrow_table())
    con.close()
    return {r["source_row"]: r for r in frame.iter_rows(named=True)}


def test_rejects_report_and_good_rows(rejected):
    db, [report] = rejected
    # 9 rows read; rejected: no code, bad date, unknown status, unknown unit, due before received,
    # the earlier R-DUP → 6. Loaded: R-OK1, R-OK2 and the later R-DUP → 3.
    assert (report.status, report.rows_read, report.rows_rejected, report.rows_new) == ("loaded", 9, 6, 3)
    assert rows(db, "SELECT dossier_code, status_code, source_row FROM dossiers ORDER BY dossier_code") == [
        ("R-DUP", 9, 15), ("R-OK1", 4, 7), ("R-OK2", 4, 14)]


def test_rejects_rows_columns_and_values(rejected):
    db, _ = rejected
    got = reject_rows(db)
    assert sorted(got) == [8, 9, 10, 11, 12, 13]
    assert {r["file_name"] for r in got.values()} == {"loi.xlsx"}
    assert {r["sheet"] for r in got.values()} == {"Danh sách"}
    expected = {
        # row: (reason, column as written in the file, raw value)
        8: ("missing_code", "Mã hồ sơ", None),
        9: ("bad_date", "Ngày tiếp nhận", "31/02/2026"),
        10: ("unknown_status", "Trạng thái", "Chờ lãnh đạo ký"),
        11: ("unknown_unit", "Đơn vị", "Phường Ba Đình"),
        12: ("due_before_received", "Ngày hẹn trả", None),
        13: ("duplicate_in_file", "Mã hồ sơ", None),
    }
    assert {n: (r["reason_code"], r["column_name"], r["raw_value"] if n not in (12, 13) else None)
            for n, r in got.items()} == expected
    # Each reject keeps the whole raw row, so the clerk can see what was there.
    assert json.loads(got[10]["raw_row"])["status"] == "Chờ lãnh đạo ký"
    assert json.loads(got[11]["raw_row"])["resolving_unit"] == "Phường Ba Đình"
    assert got[13]["dossier_code"] == "R-DUP"


def test_reject_messages_name_the_values(rejected):
    db, _ = rejected
    got = reject_rows(db)
    assert "«31/02/2026»" in got[9]["message"]
    assert "«Chờ lãnh đạo ký»" in got[10]["message"]
    assert "statuses.csv (thư mục thiết lập)" in got[10]["message"]
    assert "«Phường Ba Đình»" in got[11]["message"]
    assert "09/02/2026" in got[12]["message"] and "10/02/2026" in got[12]["message"]
    assert "15" in got[13]["message"]  # the row that was kept


# --- (3) the same file twice ----------------------------------------------------------------------


def test_same_file_twice_changes_nothing(tmp_db, exports_dir):
    export = exports_dir / "ho_so.xlsx"
    write_dossier_xlsx(export, SCENARIO)
    [first] = load_files([export], tmp_db)
    before_version, before_sha = version(tmp_db), sha(tmp_db)
    copy = exports_dir / "ho_so (1).xlsx"  # the same bytes downloaded again under another name
    copy.write_bytes(export.read_bytes())
    second = load_files([export, copy], tmp_db)
    assert [r.status for r in second] == ["already_loaded", "already_loaded"]
    assert [r.load_id for r in second] == [first.load_id, first.load_id]
    assert "đã được nạp trước đó" in second[0].summary()
    assert version(tmp_db) == before_version  # not even republished
    assert sha(tmp_db) == before_sha
    assert rows(tmp_db, "SELECT count(*) FROM load_log") == [(1,)]
    assert work_files(tmp_db) == []


# --- (4) a later export of the same dossiers --------------------------------------------------------


def test_later_export_updates_and_keeps_history(tmp_db, exports_dir):
    early = exports_dir / "thang_2.xlsx"  # stands at the end of 05/02/2026 (its title)
    write_dossier_xlsx(early, [
        dossier("U1", TK, D(2026, 2, 2, 8), D(2026, 2, 4, 17), None, "Đang xử lý"),
        dossier("U2", HV, D(2026, 2, 3, 8), D(2026, 2, 5, 17), D(2026, 2, 4, 10), "Đã trả kết quả"),
    ], titles=TITLES[:2] + ("(Từ ngày 01/02/2026 đến ngày 05/02/2026)",))
    # A week later, as CSV without a title (stands at its latest event, U3's receipt on 09/02): U1
    # is now finished, U2 is identical (text dates instead of date cells), U3 is new.
    later = exports_dir / "thang_2_cap_nhat.csv"
    write_dossier_csv(later, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", "04/02/2026 09:00:00", "Đã trả kết quả"),
        dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", "04/02/2026 10:00:00", "Đã trả kết quả"),
        dossier("U3", HV, "09/02/2026 08:00:00", "11/02/2026 17:00:00", None, "Đang xử lý"),
    ])
    [r1] = load_files([early], tmp_db)
    [r2] = load_files([later], tmp_db)
    assert (r1.rows_new, r1.rows_updated, r1.rows_unchanged) == (2, 0, 0)
    assert (r2.rows_new, r2.rows_updated, r2.rows_unchanged) == (1, 1, 1)
    assert rows(tmp_db, "SELECT dossier_code, status_code, finished_at, source_file FROM dossiers "
                        "ORDER BY dossier_code") == [
        ("U1", 10, D(2026, 2, 4, 9), "thang_2_cap_nhat.csv"),
        # unchanged, and now named by the newest file that shows it (the same in any load order)
        ("U2", 10, D(2026, 2, 4, 10), "thang_2_cap_nhat.csv"),
        ("U3", 4, None, "thang_2_cap_nhat.csv"),
    ]
    assert rows(tmp_db, "SELECT dossier_code, load_id, status_code FROM stg_dossier_versions "
                        "ORDER BY dossier_code, load_id") == [
        ("U1", 1, 4), ("U1", 2, 10), ("U2", 2, 10), ("U3", 2, 4)]
    assert rows(tmp_db, "SELECT load_id, as_of_at, as_of_source FROM load_log ORDER BY load_id") == [
        (1, D(2026, 2, 5, 23, 59, 59), "title"), (2, D(2026, 2, 9, 8), "rows")]


_KEYS = DEFAULT_KEYS + ("requested", "applicant", "note")
_U1 = dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý", channel="Trực tiếp",
              requested=None, applicant="Nguyễn Văn An", note="Hẹn trả tại bộ phận một cửa")
_U2 = dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", "04/02/2026 10:00:00", "Đã trả kết quả",
              channel="Trực tiếp", requested=None, applicant="Lê Thị Bình", note=None)


@pytest.mark.parametrize("key, value", [
    ("note", "Chờ bổ sung giấy tờ"), ("note", None), ("applicant", "Nguyễn Văn Ân"), ("channel", "Trực tuyến"),
    ("requested", "03/02/2026 09:00:00"), ("due", "05/02/2026 17:00:00"), ("received", "02/02/2026 08:01:00"),
])
def test_a_dossier_differing_in_one_column_is_updated_and_an_identical_one_is_not(tmp_db, exports_dir, key, value):
    """A later export (another file, so not skipped whole) where U1 differs from what is stored in
    one column only, a value changed or emptied: U1 is updated, its stored version moves to the
    history; U2, the same in every column, is unchanged and no version of it is added."""
    first, later = exports_dir / "dau.csv", exports_dir / "sau.csv"
    write_dossier_csv(first, [_U1, _U2], keys=_KEYS)
    write_dossier_csv(later, [{**_U1, key: value}, _U2], keys=_KEYS)
    [r1] = load_files([first], tmp_db)
    [r2] = load_files([later], tmp_db)
    assert (r1.rows_new, r1.rows_updated, r1.rows_unchanged) == (2, 0, 0)
    assert (r2.rows_new, r2.rows_updated, r2.rows_unchanged) == (0, 1, 1), r2.summary()
    assert rows(tmp_db, "SELECT dossier_code, load_id FROM stg_dossier_superseded") == [("U1", 1)]
    assert rows(tmp_db, "SELECT dossier_code, load_id, source_file FROM dossiers ORDER BY 1") == [
        ("U1", 2, "sau.csv"), ("U2", 2, "sau.csv")]


def test_a_database_from_schema_version_4_loses_its_row_hash_and_nothing_else(tmp_db, exports_dir):
    """Version 4 kept an md5 row_hash in mart_dossiers and stg_dossier_superseded. The next load
    drops the column; the stored dossiers, their history and every derived column stay as they were,
    and the load still tells a repeat from an update."""
    first, changed, later = exports_dir / "dau.csv", exports_dir / "doi.csv", exports_dir / "sau.csv"
    write_dossier_csv(first, [_U1, _U2], keys=_KEYS)
    write_dossier_csv(changed, [{**_U1, "note": "Chờ bổ sung giấy tờ"}, _U2], keys=_KEYS)
    load_files([first, changed], tmp_db)
    before = rows(tmp_db, "SELECT * FROM dossiers ORDER BY dossier_code")
    history = rows(tmp_db, "SELECT * FROM stg_dossier_superseded ORDER BY dossier_code")
    assert [(h[0], h[-4]) for h in history] == [("U1", 1)]  # U1's first version, replaced by load 2
    with duckdb.connect(str(tmp_db)) as con:  # the way version 4 stored them
        for table in ("mart_dossiers", "stg_dossier_superseded"):
            con.execute(f"ALTER TABLE {table} ADD COLUMN row_hash VARCHAR DEFAULT 'x'")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    write_dossier_csv(later, [_U2, {**_U1, "note": "Chờ bổ sung giấy tờ"}], keys=_KEYS)  # other bytes, same rows
    [report] = load_files([later], tmp_db)
    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (0, 0, 2), report.summary()
    assert rows(tmp_db, "SELECT count(*) FROM duckdb_columns() WHERE column_name = 'row_hash' "
                        "AND table_name IN ('mart_dossiers', 'stg_dossier_superseded', 'dossiers')") == [(0,)]
    # unchanged rows take the newest file as their provenance; nothing else moves
    after = rows(tmp_db, "SELECT * EXCLUDE (load_id, source_file, source_row) FROM dossiers ORDER BY dossier_code")
    assert len(after) == len(before) == 2
    names = [r[0] for r in rows(tmp_db, "DESCRIBE dossiers")]
    keep = [i for i, n in enumerate(names) if n not in ("load_id", "source_file", "source_row")]
    assert [tuple(r[i] for i in keep) for r in before] == after
    assert rows(tmp_db, "SELECT * FROM stg_dossier_superseded ORDER BY dossier_code") == history
    assert rows(tmp_db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(etl.load.SCHEMA_VERSION,)]


@pytest.mark.parametrize("keep", [True, False])
def test_an_older_export_loaded_late_does_not_roll_anything_back(tmp_db, exports_dir, monkeypatch, keep):
    """The March export shows U1 finished and U3 with an extended due date; the February export,
    loaded after it, still shows U1 in progress and U3 with its first due date. Whatever the setting,
    February stands earlier (its title), so March's versions stay; February's are kept as history
    with a warning naming the March file; U2 loads as new."""
    (tmp_db.parent / "config").mkdir(parents=True)  # the installation's settings folder, beside the database
    (tmp_db.parent / "config" / "settings.toml").write_text(f"[load]\nkeep_resolved_over_older = {str(keep).lower()}\n")
    march = exports_dir / "thang_3.csv"
    write_dossier_csv(march, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", "04/02/2026 09:00:00", "Đã trả kết quả"),
        dossier("U3", TK, "02/02/2026 08:00:00", "20/02/2026 17:00:00", None, "Đang xử lý"),
    ], titles=("(Từ ngày 01/02/2026 đến ngày 10/03/2026)",))
    february = exports_dir / "thang_2.csv"
    write_dossier_csv(february, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),
        dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", None, "Đang xử lý"),
        dossier("U3", TK, "02/02/2026 08:00:00", "06/02/2026 17:00:00", None, "Đang xử lý"),
    ], titles=("(Từ ngày 01/02/2026 đến ngày 10/02/2026)",))
    load_files([march], tmp_db)
    [late] = load_files([february], tmp_db)
    assert (late.rows_new, late.rows_updated, late.rows_unchanged, late.stale_rows) == (1, 0, 2, 2)
    assert rows(tmp_db, "SELECT dossier_code, status_code, due_at, source_file FROM dossiers ORDER BY 1") == [
        ("U1", 10, D(2026, 2, 4, 17), "thang_3.csv"), ("U2", 4, D(2026, 2, 5, 17), "thang_2.csv"),
        ("U3", 4, D(2026, 2, 20, 17), "thang_3.csv")]
    # February's versions are kept, as history.
    assert rows(tmp_db, "SELECT dossier_code, load_id FROM stg_dossier_superseded ORDER BY 1") == [("U1", 2), ("U3", 2)]
    warnings = rows(tmp_db, "SELECT source_row, severity, reason_code, message FROM rejects WHERE load_id = 2 "
                            "ORDER BY source_row")
    assert [w[:3] for w in warnings] == [(3, "warning", "stale_update"), (5, "warning", "stale_update")]
    assert "tệp này có số liệu tính đến 10/02/2026, cũ hơn tệp «thang_3.csv» (lần nạp 1, số liệu tính đến " \
           "10/03/2026)" in warnings[0][3]
    assert "cũ hơn dữ liệu đã nạp" in late.summary()


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("order", ["finished_first", "reopened_first"])
def test_a_later_export_showing_a_finished_dossier_open(tmp_db, exports_dir, monkeypatch, keep, order):
    """A file standing later shows unresolved a dossier an earlier one shows finished. true (the
    software never reopens): the finished version stays, in either load order, with a warning.
    false: the later version wins like any other, in either order."""
    (tmp_db.parent / "config").mkdir(parents=True)  # the installation's settings folder, beside the database
    (tmp_db.parent / "config" / "settings.toml").write_text(f"[load]\nkeep_resolved_over_older = {str(keep).lower()}\n")
    finished = exports_dir / "ket_qua.csv"
    write_dossier_csv(finished, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", "04/02/2026 09:00:00", "Đã trả kết quả"),
    ], titles=("(Từ ngày 01/02/2026 đến ngày 10/02/2026)",))
    reopened = exports_dir / "mo_lai.csv"
    write_dossier_csv(reopened, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),
    ], titles=("(Từ ngày 01/02/2026 đến ngày 20/02/2026)",))
    files = [finished, reopened] if order == "finished_first" else [reopened, finished]
    first, second = (load_files([f], tmp_db)[0] for f in files)
    expected = ("U1", 10, "ket_qua.csv") if keep else ("U1", 4, "mo_lai.csv")
    assert rows(tmp_db, "SELECT dossier_code, status_code, source_file FROM dossiers") == [expected]
    assert rows(tmp_db, "SELECT count(*) FROM stg_dossier_versions") == [(2,)]
    reasons = rows(tmp_db, "SELECT reason_code, message FROM rejects WHERE load_id = 2")
    if not keep:
        # the later file wins; loaded second it is a plain update, loaded first the other is stale
        assert [r[0] for r in reasons] == ([] if order == "finished_first" else ["stale_update"])
        return
    [(reason, message)] = reasons
    assert reason == "resolved_kept" and second.kept_resolved == 1
    assert "giữ bản đã có kết quả" in message and "phần mềm không mở lại hồ sơ đã giải quyết" in message
    assert ("tệp «ket_qua.csv»" if order == "finished_first" else "tệp «mo_lai.csv»") in message


def test_database_from_schema_version_1_is_migrated_on_the_next_load(tmp_db, exports_dir):
    """Version 1 kept every version (current included) in a table stg_dossier_versions; the next
    load turns it into superseded rows plus a view, without losing or doubling a version."""
    first = exports_dir / "t2.csv"
    write_dossier_csv(first, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),
        dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", "04/02/2026 10:00:00", "Đã trả kết quả"),
    ])
    load_files([first], tmp_db)
    with duckdb.connect(str(tmp_db)) as con:  # rewrite it the way version 1 stored it
        con.execute("CREATE TABLE legacy AS SELECT * FROM stg_dossier_versions")
        con.execute("DROP VIEW stg_dossier_versions")
        con.execute("DROP TABLE stg_dossier_superseded")
        con.execute("ALTER TABLE legacy RENAME TO stg_dossier_versions")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    later = exports_dir / "t2_cap_nhat.csv"
    write_dossier_csv(later, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", "04/02/2026 09:00:00", "Đã trả kết quả"),
    ])
    [report] = load_files([later], tmp_db)
    assert report.status == "loaded" and report.rows_updated == 1
    # U1 had version 1 (load 1) and now version 2 (load 2); U2 only its first version.
    assert rows(tmp_db, "SELECT dossier_code, load_id FROM stg_dossier_superseded") == [("U1", 1)]
    assert rows(tmp_db, "SELECT dossier_code, load_id FROM stg_dossier_versions ORDER BY 1, 2") == [
        ("U1", 1), ("U1", 2), ("U2", 1)]
    assert rows(tmp_db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(etl.load.SCHEMA_VERSION,)]


def test_database_from_schema_version_2_gets_as_of_for_its_loads(tmp_db, exports_dir):
    """Version 2 had no as-of: the next load adds the columns and fills them for the earlier loads
    by the same rules (title, else the latest event stored, else the load time); the current
    versions stay as they were."""
    titled, plain = exports_dir / "co_tieu_de.csv", exports_dir / "khong_tieu_de.csv"
    write_dossier_csv(titled, [dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý")],
                      titles=("(Từ ngày 01/02/2026 đến ngày 10/02/2026)",))
    write_dossier_csv(plain, [dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00",
                                      "04/02/2026 10:00:00", "Đã trả kết quả")])
    load_files([titled, plain], tmp_db)
    with duckdb.connect(str(tmp_db)) as con:  # rewrite load_log the way version 2 stored it
        con.execute("ALTER TABLE load_log DROP COLUMN as_of_at")
        con.execute("ALTER TABLE load_log DROP COLUMN as_of_source")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    later = exports_dir / "sau.csv"
    write_dossier_csv(later, [dossier("U3", HV, "09/02/2026 08:00:00", "11/02/2026 17:00:00", None, "Đang xử lý")])
    [report] = load_files([later], tmp_db)
    assert report.status == "loaded"
    assert rows(tmp_db, "SELECT load_id, as_of_at, as_of_source FROM load_log ORDER BY load_id") == [
        (1, D(2026, 2, 10, 23, 59, 59), "title"), (2, D(2026, 2, 4, 10), "rows"), (3, D(2026, 2, 9, 8), "rows")]
    assert rows(tmp_db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(etl.load.SCHEMA_VERSION,)]
    assert rows(tmp_db, "SELECT count(*) FROM dossiers") == [(3,)]


def test_database_from_schema_version_3_keeps_each_dossier_once(tmp_db, exports_dir):
    """Version 3 kept the current versions in a table stg_dossier_current and again, with the
    derived columns, in mart_dossiers. The next load moves them into mart_dossiers alone (the view
    stg_dossier_current shows their stored columns) and recomputes every derived column."""
    first = exports_dir / "dau.csv"
    write_dossier_csv(first, [
        dossier("U1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý"),
        dossier("U2", HV, "03/02/2026 08:00:00", "05/02/2026 17:00:00", "09/02/2026 10:00:00", "Đã trả kết quả"),
    ])
    load_files([first], tmp_db)
    expected = rows(tmp_db, "SELECT * EXCLUDE (load_id) FROM dossiers WHERE dossier_code = 'U2'")
    with duckdb.connect(str(tmp_db)) as con:  # the way version 3 stored it, its mart computed under old rules
        con.execute("CREATE TABLE legacy AS SELECT * FROM stg_dossier_current")
        con.execute("DROP VIEW stg_dossier_current")
        con.execute("ALTER TABLE legacy RENAME TO stg_dossier_current")
        con.execute("UPDATE mart_dossiers SET timeliness = NULL, late_working_days = NULL")
        con.execute("UPDATE meta SET value = '3' WHERE key IN ('schema_version', 'marts_version')")
    later = exports_dir / "sau.csv"
    write_dossier_csv(later, [dossier("U3", HV, "09/02/2026 08:00:00", "11/02/2026 17:00:00", None, "Đang xử lý")])
    [report] = load_files([later], tmp_db)
    assert report.status == "loaded" and report.rows_new == 1
    assert rows(tmp_db, "SELECT table_type FROM information_schema.tables WHERE table_name = 'stg_dossier_current'") \
        == [("VIEW",)]
    assert rows(tmp_db, "SELECT dossier_code FROM stg_dossier_current ORDER BY 1") == [("U1",), ("U2",), ("U3",)]
    # U2 was finished Mon 09/02 after its due day Thu 05/02: late by Fri 6 and Mon 9 → 2 working days.
    assert rows(tmp_db, "SELECT * EXCLUDE (load_id) FROM dossiers WHERE dossier_code = 'U2'") == expected
    assert rows(tmp_db, "SELECT timeliness, late_working_days FROM dossiers WHERE dossier_code = 'U2'") == [("late", 2)]
    assert rows(tmp_db, "SELECT key, value FROM meta WHERE key IN ('schema_version', 'marts_version') ORDER BY 1") \
        == [("marts_version", etl.load.MARTS_VERSION), ("schema_version", etl.load.SCHEMA_VERSION)]


def test_a_file_loaded_in_chunks_is_the_file_loaded_whole(tmp_path, monkeypatch):
    """A CSV larger than a chunk loads exactly as read whole: the same dossiers, the same rejects with
    their raw rows and messages and the same counts. D1 is listed three times, twice in the first
    chunk and once in a later one: both earlier rows are rejected naming the last, as in one piece."""
    lines = [dossier("D1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Đang xử lý")]
    lines += [dossier(f"E{i:03d}", HV if i % 2 else TK, "03/02/2026 08:00:00", "05/02/2026 17:00:00",
                      "04/02/2026 10:00:00" if i % 3 else None, "Đã trả kết quả" if i % 3 else "Đang xử lý")
              for i in range(60)]
    lines.insert(3, dossier("D1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Chờ bổ sung"))
    lines.insert(20, dossier("X1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", None, "Trạng thái lạ"))
    lines.insert(30, Group("Lĩnh vực: Chứng thực"))
    lines.append(dossier("D1", TK, "02/02/2026 08:00:00", "04/02/2026 17:00:00", "03/02/2026 09:00:00",
                         "Đã trả kết quả"))
    export = tmp_path / "lon.csv"
    write_dossier_csv(export, lines, titles=TITLES)
    queries = {
        "dossiers": "SELECT * FROM dossiers ORDER BY dossier_code",
        "rejects": "SELECT * FROM rejects ORDER BY source_row, reason_code",
        "log": "SELECT * EXCLUDE (loaded_at) FROM load_log",
    }
    results, inserts = {}, []
    stage = etl.load._stage_chunks
    monkeypatch.setattr(etl.load, "_stage_chunks", lambda con, staged, chunks, load_id: (
        inserts.append(sum(norm.rows.height for norm, _ in chunks)), stage(con, staged, chunks, load_id)))
    # Whole; in chunks staged together at the end; in chunks staged a few at a time (STAGE_ROWS).
    for chunk_bytes, stage_rows in ((etl.extract.CSV_CHUNK_BYTES, etl.load.STAGE_ROWS), (600, etl.load.STAGE_ROWS),
                                    (600, 12)):
        monkeypatch.setattr(etl.extract, "CSV_CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(etl.load, "STAGE_ROWS", stage_rows)
        db = tmp_path / f"{chunk_bytes}_{stage_rows}" / "cchc.duckdb"
        inserts.clear()
        [report] = load_files([export], db)
        results[chunk_bytes, stage_rows] = {k: rows(db, q) for k, q in queries.items()}, report.summary()
    (whole, whole_summary), *chunked = results.values()
    assert len(list(etl.extract.iter_tables(export, chunk_bytes=600))) > 5
    assert all(rows == whole and summary == whole_summary for rows, summary in chunked)
    # The last run staged 62 rows (the 60 E, D1 from row 8 and from row 69; the D1 of row 8 leaves
    # the staging table once every chunk is in) in batches of at least 12 rows but the last: DuckDB
    # inserts large batches far faster than chunk by chunk.
    assert len(inserts) > 2 and sum(inserts) == 62 and min(inserts[:-1]) >= 12, inserts
    # Titles 1–3, header 4: D1 on rows 5, 8 and 69 (the last line), X1 (unknown status) on row 25.
    assert [(r[3], r[5], r[7]) for r in whole["rejects"]] == [
        (5, "duplicate_in_file", "69"), (8, "duplicate_in_file", "69"), (25, "unknown_status", "Trạng thái lạ")]
    assert "dòng 69 (dòng sau) được giữ" in whole["rejects"][0][8]
    assert rows(db, "SELECT status_code, source_row FROM dossiers WHERE dossier_code = 'D1'") == [(10, 69)]


def test_read_ahead_hands_over_every_item_in_order_and_the_error_where_it_happened():
    from etl.load import read_ahead

    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield from (1, 2)
        raise ValueError("chunk 3 is unreadable")

    got = []
    with pytest.raises(ValueError, match="chunk 3"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_stops_its_reader_when_the_caller_stops():
    """A caller that fails on the first chunk (a chunk that cannot be normalized) leaves no reader
    running and the file closed: the source generator is closed, not left half-read."""
    import threading
    from contextlib import closing

    from etl.load import read_ahead

    produced, closed = [], []

    def source():
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            closed.append(True)

    with closing(read_ahead(source())) as items:
        assert next(items) == 0
    assert closed == [True] and len(produced) <= 3
    assert not [t for t in threading.enumerate() if t.name == "cchc-read"]


def test_a_chunk_that_fails_to_normalize_fails_the_file_and_writes_nothing(tmp_path, monkeypatch):
    """Chunks are normalized two at a time in threads: an unforeseen error in one of them fails the
    whole file with the usual report, the database keeps what it had, and no worker is left."""
    import threading

    first = tmp_path / "dau.csv"
    write_dossier_csv(first, [dossier("A0001", TK, "03/02/2026 08:00:00", "05/02/2026 17:00:00", None,
                                      "Đang xử lý")])
    lines = [dossier(f"E{i:04d}", TK, "03/02/2026 08:00:00", "05/02/2026 17:00:00", None, "Đang xử lý")
             for i in range(400)]
    export = tmp_path / "dai.csv"
    write_dossier_csv(export, lines)
    db = tmp_path / "db" / "cchc.duckdb"
    load_files([first], db)
    monkeypatch.setattr(etl.extract, "CSV_CHUNK_BYTES", 4000)
    normalize = etl.load.normalize_table

    def fails_on_the_fourth(table, ctx):
        if table.chunk == 3:
            raise RuntimeError("hỏng ở khối thứ tư")
        return normalize(table, ctx)

    monkeypatch.setattr(etl.load, "normalize_table", fails_on_the_fourth)
    [report] = load_files([export], db)
    assert report.status == "failed" and "hỏng ở khối thứ tư" in report.error, report.summary()
    assert "lỗi không lường trước khi đọc tệp" in report.error
    assert rows(db, "SELECT dossier_code FROM dossiers") == [("A0001",)]
    assert rows(db, "SELECT file_name FROM load_log") == [("dau.csv",)]
    assert not [t for t in threading.enumerate() if t.name.startswith(("cchc-read", "cchc-normalize", "cchc-stage"))]
    monkeypatch.setattr(etl.load, "normalize_table", normalize)
    [again] = load_files([export], db)
    assert again.status == "loaded" and again.rows_new == 400, again.summary()


def test_a_csv_found_not_utf8_in_a_later_chunk_is_read_again_whole_as_windows_1258(tmp_path, monkeypatch):
    """The chunks before the one that shows Windows-1258 are already normalized and staged (or
    being so, in threads) when the reader finds out: the file starts over in that encoding with
    nothing of the first attempt left, rows counted once."""
    header = "MaHoSo,DonViXuLy,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId,GhiChu\r\n"
    row = "HS-{:05d},Xa Hoa Vang,02/02/2026 08:00,05/02/2026,4,{}\r\n"
    plain = "".join(row.format(i, "x" * 40) for i in range(14_000))
    path = tmp_path / "cuoi_tep_1258.csv"
    path.write_bytes((header + plain).encode("ascii") + row.format(99_999, "Ghi chú").encode("cp1258"))
    monkeypatch.setattr(etl.extract, "CSV_CHUNK_BYTES", 100_000)
    assert len(list(etl.extract.iter_tables(path, encoding="cp1258"))) > 8
    db = tmp_path / "db" / "cchc.duckdb"
    [report] = load_files([path], db)
    assert report.status == "loaded" and (report.rows_read, report.rows_new) == (14_001, 14_001), report.summary()
    assert rows(db, "SELECT count(*), count(DISTINCT dossier_code) FROM dossiers") == [(14_001, 14_001)]
    assert rows(db, "SELECT note FROM dossiers WHERE dossier_code = 'HS-99999'") == [("Ghi chú",)]
    assert rows(db, "SELECT count(*) FROM rejects") == [(0,)]


def test_a_long_load_reports_rows_per_second_and_time_left(tmp_path, monkeypatch):
    """Read in chunks, a file's progress says how many rows are read, how fast and how long is left;
    while its rows are written, how long it has been writing (every HEARTBEAT_SECONDS)."""
    lines = [dossier(f"E{i:04d}", TK, "03/02/2026 08:00:00", "05/02/2026 17:00:00", None, "Đang xử lý")
             for i in range(400)]
    export = tmp_path / "dai.csv"
    write_dossier_csv(export, lines)
    monkeypatch.setattr(etl.extract, "CSV_CHUNK_BYTES", 4000)
    monkeypatch.setattr(etl.load, "HEARTBEAT_SECONDS", 0.001)
    said = []
    [report] = load_files([export], tmp_path / "db" / "cchc.duckdb", progress=said.append)
    assert report.rows_new == 400
    reading = [m for m in said if m.strip().startswith("đã đọc")]
    assert len(reading) > 5 and all("dòng/giây" in m for m in reading), said
    assert any("còn khoảng" in m for m in reading[:-1]) and reading[-1].startswith("    đã đọc 400 dòng (100%")
    writing = [m.strip() for m in said if m.strip().startswith("đang ghi 400 dòng vào cơ sở dữ liệu")]
    assert writing[0] == "đang ghi 400 dòng vào cơ sở dữ liệu…" and any(" giây" in m for m in writing[1:]), said


# --- (5) one corrupt file, one good ---------------------------------------------------------------


def _bad_and_good(folder: Path) -> tuple[Path, Path]:
    bad, good = folder / "hong.xlsx", folder / "tot.xlsx"
    write_truncated_xlsx(bad, SCENARIO * 5)
    write_dossier_xlsx(good, SCENARIO)
    return bad, good


def test_corrupt_file_fails_alone(tmp_db, exports_dir):
    bad, good = _bad_and_good(exports_dir)
    reports = load_files([bad, good], tmp_db)
    assert [r.status for r in reports] == ["failed", "loaded"]
    assert "tệp «hong.xlsx»" in reports[0].error and "không đọc được tệp Excel" in reports[0].error
    assert reports[0].summary().startswith("LỖI  hong.xlsx")
    assert rows(tmp_db, "SELECT count(*) FROM dossiers") == [(12,)]
    assert rows(tmp_db, "SELECT file_name FROM load_log") == [("tot.xlsx",)]


def test_every_kind_of_non_export_is_a_failed_report(tmp_db, exports_dir):
    files = {
        "rong.xlsx": lambda p: p.write_bytes(b""),
        "anh.xlsx": write_png_as_xlsx,
        "lop_hoc.xlsx": write_other_xlsx,
        "bi_cat.xlsx": lambda p: write_truncated_xlsx(p, SCENARIO * 5),
        "chi_tieu_de.xlsx": lambda p: write_dossier_xlsx(p, []),
    }
    for name, writer in files.items():
        writer(exports_dir / name)
    good = exports_dir / "tot.xlsx"
    write_dossier_xlsx(good, SCENARIO)
    reports = load_files([exports_dir / n for n in files] + [good], tmp_db)
    assert [r.status for r in reports] == ["failed"] * len(files) + ["loaded"]
    for name, report in zip(files, reports):
        assert f"tệp «{name}»" in report.error and "Cách xử lý:" in report.error
    # Failed files are not recorded as loaded: fixed and re-exported, they load next time.
    assert rows(tmp_db, "SELECT file_name FROM load_log") == [("tot.xlsx",)]


def test_cli_exit_code_with_a_corrupt_file(tmp_db, exports_dir, capsys):
    bad, good = _bad_and_good(exports_dir)
    png = exports_dir / "anh.xlsx"
    write_png_as_xlsx(png)
    assert main(["load", str(bad), str(png), str(good), "--db", str(tmp_db)]) == 1
    out = capsys.readouterr().out
    assert "LỖI  hong.xlsx" in out and "LỖI  anh.xlsx" in out and "ĐÃ NẠP  tot.xlsx" in out
    assert rows(tmp_db, "SELECT count(*) FROM dossiers") == [(12,)]
    assert main(["load", str(good), "--db", str(tmp_db)]) == 0  # already loaded is not a failure


def test_unforeseen_error_in_one_file_does_not_stop_the_others(tmp_db, exports_dir, monkeypatch):
    bad, good = exports_dir / "la.xlsx", exports_dir / "tot.xlsx"
    write_dossier_xlsx(bad, SCENARIO)
    write_dossier_xlsx(good, SCENARIO[:3])
    original = etl.load.iter_tables

    def extract(path, name=None, **options):
        if Path(path).name == "la.xlsx":
            raise ValueError("a shape nobody foresaw")
        return original(path, name, **options)

    monkeypatch.setattr(etl.load, "iter_tables", extract)
    reports = load_files([bad, good], tmp_db)
    assert [r.status for r in reports] == ["failed", "loaded"]
    assert "tệp «la.xlsx»" in reports[0].error and "a shape nobody foresaw" in reports[0].error
    assert rows(tmp_db, "SELECT dossier_code FROM dossiers ORDER BY 1") == [("A1",), ("A2",)]


# --- (6) a failure mid-write leaves the published database as it was ------------------------------


@pytest.fixture
def published(tmp_db, exports_dir) -> tuple[Path, Path, Path]:
    """A database with one load published, and two more good exports waiting."""
    first, second, third = (exports_dir / f"lan_{i}.xlsx" for i in (1, 2, 3))
    write_dossier_xlsx(first, [dossier("F1", TK, D(2026, 2, 2, 8), D(2026, 2, 4, 17), None, "Đang xử lý")])
    write_dossier_xlsx(second, [dossier("F2", TK, D(2026, 2, 3, 8), D(2026, 2, 5, 17), None, "Đang xử lý")])
    write_dossier_xlsx(third, [dossier("F3", HV, D(2026, 2, 4, 8), D(2026, 2, 6, 17), None, "Đang xử lý")])
    load_files([first], tmp_db)
    return tmp_db, second, third


def _fail_on_call(monkeypatch, target: str, n: int, exc: BaseException):
    """Let the first n-1 calls of etl.load.<target> run, then raise after the n-th has written."""
    original = getattr(etl.load, target)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] >= n:
            raise exc
        return result

    monkeypatch.setattr(etl.load, target, wrapper)


def test_interrupted_load_leaves_database_byte_identical(published, monkeypatch):
    db, second, third = published
    before_version, before_sha = version(db), sha(db)
    # The second file's merge is interrupted (Ctrl-C, process killed): the first file had already
    # been written into the working copy, but nothing may be published.
    _fail_on_call(monkeypatch, "_merge_dossiers", 2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        load_files([second, third], db)
    assert version(db) == before_version
    assert sha(db) == before_sha
    assert work_files(db) == []
    assert rows(db, "SELECT dossier_code FROM dossiers") == [("F1",)]


def test_failed_mart_build_leaves_database_byte_identical(published, monkeypatch):
    db, second, third = published
    before_version, before_sha = version(db), sha(db)
    _fail_on_call(monkeypatch, "build_marts", 1, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        load_files([second, third], db)
    assert (version(db), sha(db)) == (before_version, before_sha)
    assert work_files(db) == []


def test_first_load_failing_creates_no_database(tmp_db, exports_dir, monkeypatch):
    export = exports_dir / "ho_so.xlsx"
    write_dossier_xlsx(export, SCENARIO)
    _fail_on_call(monkeypatch, "build_marts", 1, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        load_files([export], tmp_db)
    assert not tmp_db.exists()
    assert work_files(tmp_db) == []


def test_write_error_rolls_back_that_file_only(published, monkeypatch):
    db, second, third = published
    # The merge of the third file writes, then fails: its transaction is rolled back (no dossier,
    # no load_log row), the second file's load stands.
    _fail_on_call(monkeypatch, "_merge_dossiers", 2, RuntimeError("lỗi giả lập"))
    reports = load_files([second, third], db)
    assert [r.status for r in reports] == ["loaded", "failed"]
    assert "không có thay đổi nào được ghi" in reports[1].error
    assert rows(db, "SELECT dossier_code FROM dossiers ORDER BY 1") == [("F1",), ("F2",)]
    assert rows(db, "SELECT file_name FROM load_log ORDER BY load_id") == [("lan_1.xlsx",), ("lan_2.xlsx",)]
    assert rows(db, "SELECT count(*) FROM stg_dossier_versions WHERE dossier_code = 'F3'") == [(0,)]
    assert work_files(db) == []


def test_nothing_new_does_not_republish(published):
    db, _, _ = published
    before = (version(db), sha(db))
    empty_db_reports = load_files([], db)
    assert empty_db_reports == []
    assert (version(db), sha(db)) == before


# --- (7) readers and the writer in one process ----------------------------------------------------


def _two_loads(tmp_db: Path, exports_dir: Path) -> tuple[Path, Path]:
    first, second = exports_dir / "dot_1.xlsx", exports_dir / "dot_2.xlsx"
    write_dossier_xlsx(first, SCENARIO)
    write_dossier_xlsx(second, [dossier("N1", TK, D(2026, 3, 2, 8), D(2026, 3, 4, 17), None, "Đang xử lý"),
                                dossier("N2", HV, D(2026, 3, 2, 8), D(2026, 3, 4, 17), None, "Đang xử lý")])
    load_files([first], tmp_db)
    return first, second


def test_open_reader_keeps_its_snapshot(tmp_db, exports_dir):
    _, second = _two_loads(tmp_db, exports_dir)
    old = duckdb.connect(str(tmp_db), read_only=True)
    try:
        assert old.execute("SELECT count(*) FROM dossiers").fetchall() == [(12,)]
        [report] = load_files([second], tmp_db)  # the writer works on a copy and swaps it in
        assert report.status == "loaded"
        assert old.execute("SELECT count(*) FROM dossiers").fetchall() == [(12,)]
    finally:
        old.close()
    # Once the old reader is gone, a new one sees 12 + 2.
    assert rows(tmp_db, "SELECT count(*) FROM dossiers") == [(14,)]


def test_new_reader_sees_new_data_while_old_reader_is_open(tmp_db, exports_dir):
    _, second = _two_loads(tmp_db, exports_dir)
    old = duckdb.connect(str(tmp_db), read_only=True)
    try:
        load_files([second], tmp_db)
        new = connect_readonly(tmp_db)
        try:
            assert old.execute("SELECT count(*) FROM dossiers").fetchall() == [(12,)]
            assert new.execute("SELECT count(*) FROM dossiers").fetchall() == [(14,)]
        finally:
            new.close()
    finally:
        old.close()


# --- (8) survey exports ---------------------------------------------------------------------------

REWORDED = "Thành phần hồ sơ và mức phí, lệ phí đúng quy định của pháp luật"  # TT2 reworded by the system
SURVEY_QUESTIONS = QUESTIONS[:3] + (REWORDED,) + QUESTIONS[4:]
RESPONDENTS = [
    # scores in order TC1 TC2 TT1 TT2* CC1 CC2 KQ1 KQ2 PH1 PH2
    dict(id="P001", unit="Phường Thanh Khê", date=D(2026, 3, 2), gender="Nam",
         scores=[5, 4, 4, 3, 5, 5, 4, 4, 2, 1], comment="Cán bộ nhiệt tình"),
    # skipped TC2, TT2*, KQ1
    dict(id="P002", unit="Xã Hòa Vang", date="03/03/2026", gender="Nữ",
         scores=[5, None, 4, None, 5, 5, None, 4, 4, 4]),
    # an answer out of range (6) is dropped with a warning
    dict(id="P003", unit="Xã Hòa Vang", date="04/03/2026", scores=[4, 4, 4, 4, 4, 4, 4, 4, 4, 6]),
]


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("survey")
    export = folder / "khao_sat_quy_1.xlsx"
    write_survey_xlsx(export, SURVEY_QUESTIONS, RESPONDENTS)
    db = folder / "cchc.duckdb"
    return db, load_files([export], db)


def test_survey_kind_detected(survey):
    db, [report] = survey
    assert (report.status, report.kind, report.rows_read, report.rows_new) == ("loaded", "survey", 3, 3)
    assert rows(db, "SELECT kind FROM load_log") == [("survey",)]


def test_survey_answered_and_satisfied(survey):
    db, _ = survey
    # P001: 10 answers; ≥ 4: 5,4,4,5,5,4,4 → 7 (3, 2, 1 are not).
    # P002: 10 − 3 skipped = 7 answers, all ≥ 4 → 7.
    # P003: 9 valid answers (the 6 is dropped), all 4 → 9.
    assert rows(db, "SELECT response_key, unit_code, response_date, answered, satisfied FROM survey_responses "
                    "ORDER BY response_id") == [
        ("20209/P001", "20209", date(2026, 3, 2), 10, 7),
        ("20320/P002", "20320", date(2026, 3, 3), 7, 7),
        ("20320/P003", "20320", date(2026, 3, 4), 9, 9),
    ]


def test_survey_answers_long_form_with_factors(survey):
    db, _ = survey
    # P001 answered all ten: TC1 TC2 → tiep_can 2; TT1 → thu_tuc 1 (TT2 is reworded: no factor);
    # CC1 CC2 → cong_chuc 2; KQ1 KQ2 → ket_qua 2; PH1 PH2 → phan_hoi 2; unmapped 1.
    assert rows(db, "SELECT factor_code, count(*) FROM survey_answers WHERE response_key = '20209/P001' "
                    "GROUP BY ALL ORDER BY factor_code NULLS LAST") == [
        ("cong_chuc", 2), ("ket_qua", 2), ("phan_hoi", 2), ("thu_tuc", 1), ("tiep_can", 2), (None, 1)]
    assert rows(db, "SELECT question_code, factor_code, score FROM survey_answers "
                    "WHERE question_text = $q ORDER BY response_key", {"q": REWORDED}) == [
        (None, None, 3), (None, None, 4)]  # P001 answered 3, P002 skipped it, P003 answered 4
    assert rows(db, "SELECT score FROM survey_answers WHERE response_key = '20209/P001' AND question_code = 'PH2'") == [
        (1,)]
    # "Giới tính" is a text column, not a question.
    assert rows(db, "SELECT count(*) FROM survey_answers WHERE question_text = 'Giới tính'") == [(0,)]


def test_survey_warnings(survey):
    db, [report] = survey
    assert any(f"«{REWORDED}»" in w and "chưa gắn với yếu tố SIPAS" in w for w in report.warnings)
    # The unmapped question is reported once, on the header row (its answers still load).
    assert rows(db, "SELECT severity, reason_code, raw_value FROM rejects ORDER BY reason_code") == [
        ("warning", "bad_score", "6"), ("warning", "unmapped_question", REWORDED)]
    assert report.unmapped_questions == 1


# --- (9) CLI status and rejects -------------------------------------------------------------------


def test_cli_status(rejected, capsys):
    db, _ = rejected
    assert main(["status", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Hồ sơ: 3 · phiếu khảo sát: 0 · dòng bị loại: 6" in out
    assert "Ngày tiếp nhận từ 02/02/2026 đến 03/02/2026" in out
    assert "Lần nạp gần nhất:" in out and "(1 tệp đã nạp)" in out
    assert "Phường Thanh Khê" in out


def test_cli_rejects(rejected, capsys):
    db, _ = rejected
    assert main(["rejects", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "LOẠI     loi.xlsx [Danh sách] dòng 10: Trạng thái không nhận ra: «Chờ lãnh đạo ký»" in out
    assert "dòng 12: Ngày hẹn trả 09/02/2026 trước ngày tiếp nhận 10/02/2026" in out
    assert "(cột «Ngày tiếp nhận»)" in out


def test_cli_without_database(tmp_db, capsys):
    assert main(["status", "--db", str(tmp_db)]) == 1
    assert "Chưa có cơ sở dữ liệu" in capsys.readouterr().out
    assert main(["rejects", "--db", str(tmp_db)]) == 1


def test_cli_no_rejects(scenario, capsys):
    db, _ = scenario
    assert main(["rejects", "--db", str(db)]) == 0
    assert "Không có dòng nào bị loại." in capsys.readouterr().out


# --- (issue 15) one dossier, however its code is typed ----------------------------------------------
#
# The same three dossiers in three exports. First an .xlsx: ONE-1 in upper case, one-2 in lower
# case. Then a CSV a week later, copied from a web page: ONE-1 in fullwidth letters with a BOM
# inside, "hs-one-2 " with a zero-width space and a trailing space, and ONE-3 twice (the second time
# with a word joiner, lower case): one dossier listed twice, the later row wins. Finally the
# portal's ratings name the dossiers in lower case.
ONE_XLSX = [
    dossier("HS-ONE-1", TK, "02/11/2026 08:00", "05/11/2026 17:00", None, "Đang xử lý"),
    dossier("hs-one-2", TK, "02/11/2026 09:00", "05/11/2026 17:00", None, "Đang xử lý"),
]
ONE_CSV = (
    "Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái\n"
    "ＨＳ－\ufeffＯＮＥ－１,UBND phường Thanh Khê,02/11/2026 08:00,05/11/2026 17:00,04/11/2026 10:00,Hoàn thành\n"
    "hs-one-2\u200b ,UBND phường Thanh Khê,02/11/2026 09:00,05/11/2026 17:00,05/11/2026 10:00,Hoàn thành\n"
    "HS-ONE-3,UBND phường Thanh Khê,03/11/2026 08:00,06/11/2026 17:00,,Đang xử lý\n"
    "hs-one-3\u2060,UBND phường Thanh Khê,03/11/2026 08:00,06/11/2026 17:00,05/11/2026 09:00,Hoàn thành\n"
)
ONE_RATINGS = (
    "Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng\n"
    "hs-one-1,Phường Thanh Khê,06/11/2026 09:00,Hài lòng\n"
    " HS-ONE-3\u200b,Phường Thanh Khê,06/11/2026 10:00,Rất hài lòng\n"
)


def test_one_dossier_however_its_code_is_typed(tmp_db, exports_dir):
    xlsx, later, ratings = exports_dir / "tuan_1.xlsx", exports_dir / "tuan_2.csv", exports_dir / "danh_gia.csv"
    write_dossier_xlsx(xlsx, ONE_XLSX)
    later.write_text(ONE_CSV, encoding="utf-8")
    ratings.write_text(ONE_RATINGS, encoding="utf-8")
    first, second, third = load_files([xlsx, later, ratings], tmp_db)
    assert (first.rows_new, first.rows_rejected) == (2, 0)
    # ONE-1 and ONE-2 are updates (now finished), ONE-3 new; its first row is the duplicate.
    assert (second.rows_read, second.rows_new, second.rows_updated, second.rows_rejected) == (4, 1, 2, 1)
    assert rows(tmp_db, "SELECT dossier_code, status_code FROM dossiers ORDER BY 1") == [
        ("HS-ONE-1", 9), ("HS-ONE-2", 9), ("HS-ONE-3", 9)]
    assert rows(tmp_db, "SELECT reason_code, source_row FROM rejects WHERE severity = 'error'") == [
        ("duplicate_in_file", 4)]
    # Both ratings find their dossier: no "code not loaded" warning.
    assert (third.rows_new, third.unlinked_ratings) == (2, 0)
    assert rows(tmp_db, "SELECT dossier_code FROM ratings ORDER BY 1") == [("HS-ONE-1",), ("HS-ONE-3",)]


# --- (issue 15) values that read correctly but cannot be true --------------------------------------
#
# Load day pinned to Fri 20/11/2026 ($CCHC_TODAY). settings.toml [plausibility]: events may lie
# 1 day ahead (up to Sat 21/11/2026); deadlines 366 days ahead (up to 21/11/2027); received dates
# from [calendar] first_year = 2015; fees from 0 to 10.000.000.000 đồng.
PLAUSIBILITY = (
    "Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Ngày trả kết quả,Trạng thái,Phí,Ngày yêu cầu bổ sung\n"
    "PL-OK,Xã Hòa Vang,19/11/2026 08:00,24/11/2026,,,Đang xử lý,,\n"  # row 2
    "PL-TOMORROW,Xã Hòa Vang,21/11/2026 08:00,25/11/2026,,,Đang xử lý,,\n"  # 3: within the 1-day tolerance
    "PL-2031,Xã Hòa Vang,02/01/2031 08:00,,,,Đang xử lý,,\n"  # 4: not yet happened
    "PL-2099,Xã Hòa Vang,01/01/2099,05/01/2099,,,Đang xử lý,,\n"  # 5: likewise, and its due date too
    "PL-EARLY,Xã Hòa Vang,05/11/2026 08:00,10/11/2026,03/11/2026 10:00,,Hoàn thành,,\n"  # 6: result before receipt
    "PL-RET,Xã Hòa Vang,05/11/2026 08:00,10/11/2026,06/11/2026,04/11/2026,Đã trả kết quả,,\n"  # 7: returned before
    "PL-DUE,Xã Hòa Vang,19/11/2026 08:00,19/11/2099,,,Đang xử lý,,\n"  # 8: deadline 73 years ahead
    "PL-OLD,Xã Hòa Vang,03/03/2010 08:00,05/03/2010,04/03/2010,,Hoàn thành,,\n"  # 9: before 2015
    "PL-FEE-NEG,Xã Hòa Vang,19/11/2026 09:00,24/11/2026,,,Đang xử lý,-50.000,\n"  # 10: loads, fee dropped
    "PL-FEE-BIG,Xã Hòa Vang,19/11/2026 09:00,24/11/2026,,,Đang xử lý,1e21,\n"  # 11: loads, fee dropped
    "PL-FEE-OK,Xã Hòa Vang,19/11/2026 09:00,24/11/2026,,,Đang xử lý,1.500.000,\n"  # 12
    "PL-SUPP,Xã Hòa Vang,19/11/2026 09:00,24/11/2026,,,Chờ bổ sung,,30/12/2026\n"  # 13: loads, date dropped
    "PL-SAMEDAY,Xã Hòa Vang,05/11/2026 10:00,10/11/2026,05/11/2026 09:00,,Hoàn thành,,\n"  # 14: a clock slip, kept
)


def test_implausible_values_are_rejected_or_dropped(tmp_db, exports_dir, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-11-20")
    path = exports_dir / "khong_hop_ly.csv"
    path.write_text(PLAUSIBILITY, encoding="utf-8")
    [report] = load_files([path], tmp_db)
    assert (report.rows_read, report.rows_new, report.rows_rejected) == (13, 7, 6)
    assert rows(tmp_db, "SELECT dossier_code, fee_amount, supplement_requested_at FROM dossiers ORDER BY 1") == [
        ("PL-FEE-BIG", None, None), ("PL-FEE-NEG", None, None), ("PL-FEE-OK", 1_500_000.0, None),
        ("PL-OK", None, None), ("PL-SAMEDAY", None, None), ("PL-SUPP", None, None), ("PL-TOMORROW", None, None)]
    got = rows(tmp_db, "SELECT source_row, severity, reason_code, column_name, message FROM rejects ORDER BY 1, 3")
    assert [r[:4] for r in got] == [
        (4, "error", "future_date", "Ngày tiếp nhận"),
        (5, "error", "far_deadline", "Ngày hẹn trả"),
        (5, "error", "future_date", "Ngày tiếp nhận"),
        (6, "error", "finished_before_received", "Ngày có kết quả"),
        (7, "error", "returned_before_received", "Ngày trả kết quả"),
        (8, "error", "far_deadline", "Ngày hẹn trả"),
        (9, "error", "before_first_year", "Ngày tiếp nhận"),
        (10, "warning", "fee_out_of_range", "Phí"),
        (11, "warning", "fee_out_of_range", "Phí"),
        (13, "warning", "future_date", "Ngày yêu cầu bổ sung"),
    ]
    message = {r[0]: r[4] for r in got}
    assert "«02/01/2031 08:00»" in message[4] and "20/11/2026" in message[4] and "21/11/2026" in message[4]
    assert "Ngày có kết quả 03/11/2026 trước ngày tiếp nhận 05/11/2026" in message[6]
    assert "Ngày trả kết quả 04/11/2026 trước ngày tiếp nhận 05/11/2026" in message[7]
    assert "«19/11/2099»" in message[8] and "21/11/2027" in message[8] and "due_horizon_days" in message[8]
    assert "«03/03/2010 08:00»" in message[9] and "2015" in message[9] and "first_year" in message[9]
    assert "«1e21»" in message[11] and "10.000.000.000" in message[11] and "vẫn được nạp" in message[11]
    assert "Giá trị bị bỏ, hồ sơ vẫn được nạp" in message[13]


def test_load_day_comes_from_the_context_first(monkeypatch):
    from etl.normalize import Context, load_day

    monkeypatch.setenv("CCHC_TODAY", "2026-11-20")
    ctx = Context.default()
    assert load_day(ctx) == date(2026, 11, 20)
    assert load_day(Context(ctx.calendar, ctx.units, today=date(2031, 1, 2))) == date(2031, 1, 2)
    monkeypatch.delenv("CCHC_TODAY")
    assert load_day(ctx) == date.today()


def test_ratings_and_surveys_dated_after_the_load_day_are_rejected(tmp_db, exports_dir, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-11-20")
    ratings, survey = exports_dir / "danh_gia.csv", exports_dir / "khao_sat.csv"
    ratings.write_text("Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng\n"
                       "DG-1,Xã Hòa Vang,20/11/2026 16:00,Hài lòng\n"
                       "DG-2,Xã Hòa Vang,20/11/2031 16:00,Hài lòng\n", encoding="utf-8")
    survey.write_text(f"Mã phiếu,Đơn vị,Ngày khảo sát,{QUESTIONS[7]},{QUESTIONS[4]}\n"
                      "KS-1,Xã Hòa Vang,2099-11-19,5,4\n"
                      "KS-2,Xã Hòa Vang,2026-11-19,4,4\n", encoding="utf-8")
    rated, surveyed = load_files([ratings, survey], tmp_db)
    assert (rated.rows_new, rated.rows_rejected, surveyed.rows_new, surveyed.rows_rejected) == (1, 1, 1, 1)
    assert rows(tmp_db, "SELECT file_name, source_row, reason_code, column_name FROM rejects "
                        "WHERE severity = 'error' ORDER BY 1") == [
        ("danh_gia.csv", 3, "future_date", "Ngày đánh giá"), ("khao_sat.csv", 2, "future_date", "Ngày khảo sát")]


# --- (issue 15) a file whose every row is rejected is a failure for the command line ---------------

ALL_REJECTED = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái
AR-1,Xã Hòa Vang,02/11/2026 08:00,05/11/2026,Chờ lãnh đạo ký
AR-2,Phường Không Có,02/11/2026 09:00,05/11/2026,Đang xử lý
"""
ONE_GOOD = ALL_REJECTED + "AR-3,Xã Hòa Vang,02/11/2026 10:00,05/11/2026,Đang xử lý\n"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m etl …` in a child process, from the project folder, as IT staff run it."""
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_exits_non_zero_when_a_file_loads_nothing(tmp_db, exports_dir):
    bad, partial = exports_dir / "toan_loi.csv", exports_dir / "mot_dong_tot.csv"
    bad.write_text(ALL_REJECTED, encoding="utf-8")
    partial.write_text(ONE_GOOD, encoding="utf-8")
    run = run_cli("load", str(bad), "--db", str(tmp_db))
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("LỖI  toan_loi.csv: không nạp được dòng nào: cả 2 dòng dữ liệu đều bị loại. Cách xử lý: xem lý do "
            "từng dòng bằng «python -m etl rejects --load 1»") in run.stdout
    assert rows(tmp_db, "SELECT count(*) FROM dossiers") == [(0,)]
    assert rows(tmp_db, "SELECT count(*) FROM rejects WHERE severity = 'error'") == [(2,)]  # kept for review
    # The same file again is skipped as already loaded: nothing failed this time.
    again = run_cli("load", str(bad), "--db", str(tmp_db))
    assert again.returncode == 0 and "BỎ QUA  toan_loi.csv" in again.stdout
    # Some rows rejected but one loaded: a normal load.
    some = run_cli("load", str(partial), "--db", str(tmp_db))
    assert some.returncode == 0 and "ĐÃ NẠP  mot_dong_tot.csv" in some.stdout and "không nạp được" not in some.stdout
    assert rows(tmp_db, "SELECT dossier_code FROM dossiers") == [("AR-3",)]


def test_result_before_receipt_may_be_kept_with_a_warning(tmp_db, exports_dir, monkeypatch):
    (tmp_db.parent / "config").mkdir(parents=True)  # the installation's settings, beside the database
    (tmp_db.parent / "config" / "settings.toml").write_text("[plausibility]\nreject_result_before_received = false\n")
    monkeypatch.setenv("CCHC_TODAY", "2026-11-20")
    path = exports_dir / "giu_lai.csv"
    path.write_text("\n".join(PLAUSIBILITY.splitlines()[:1] + PLAUSIBILITY.splitlines()[5:6]) + "\n", encoding="utf-8")
    [report] = load_files([path], tmp_db)
    assert (report.rows_new, report.rows_rejected) == (1, 0)
    assert rows(tmp_db, "SELECT dossier_code, timeliness FROM dossiers") == [("PL-EARLY", "early")]
    [(severity, reason, message)] = rows(tmp_db, "SELECT severity, reason_code, message FROM rejects")
    assert (severity, reason) == ("warning", "finished_before_received")
    assert "03/11/2026 trước ngày tiếp nhận 05/11/2026" in message and "vẫn được nạp" in message
