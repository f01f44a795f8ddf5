"""AppTest: the data desk (Dữ liệu) on the demo database: every tab draws, an upload through the
page loads a file (AppTest's file_uploader.set_value), the month-end burst officer is flagged."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from tests.app_support import run_app

PAGE = "pages/data_desk.py"
EXPORT = """\
Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Hình thức nộp
APPTEST-0001,Phường Hải Châu,20/11/2026 08:00,24/11/2026,Đang xử lý,Trực tuyến
APPTEST-0002,Phường Hải Châu,20/11/2026 09:00,25/11/2026,Đang xử lý,Trực tiếp
APPTEST-0003,Xã Hòa Vang,20/11/2026 10:00,ngày mai,Đang xử lý,Trực tiếp
"""


def open_desk(monkeypatch, db: Path) -> AppTest:
    monkeypatch.setenv("CCHC_AUDIT_DB", str(db.parent / "audit.duckdb"))  # never the project's data/
    return run_app(monkeypatch, db, PAGE, timeout=90)


def one(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def frame_with(app: AppTest, *columns: str):
    """The first table having these columns (the upload results, the load history …)."""
    return next(d.value for d in app.dataframe if set(columns) <= set(d.value.columns))


def test_every_tab_renders(monkeypatch, demo_db):
    app = open_desk(monkeypatch, demo_db)
    assert not app.exception
    assert app.title[0].value == "Dữ liệu"
    assert [t.label for t in app.tabs] == ["Nạp tệp", "Lịch sử nạp", "Dòng bị loại", "Chất lượng dữ liệu"]
    assert app.button(key="dd_load").disabled  # nothing chosen yet
    # Lịch sử nạp: one row per load, newest first, the same count as load_log.
    loads = one(demo_db, "SELECT count(*) FROM load_log")
    history = frame_with(app, "Lần", "Thời điểm")
    assert len(history) == loads and history["Lần"].iloc[0] == loads
    # Dòng bị loại: the demo plants defects; the caption counts rows as one SQL query does.
    errors = one(demo_db, "SELECT count(DISTINCT (load_id, file_name, source_row)) FROM rejects "
                          "WHERE severity = 'error'")
    assert errors > 0
    assert any(c.value.startswith(f"{errors:,} dòng bị loại (không nạp)".replace(",", ".")) for c in app.caption)
    # Filters: one file in the history; one reason among the rejected rows.
    first = history["Tệp"].iloc[-1]
    app.multiselect(key="dd_h_files").set_value([first]).run()
    assert list(frame_with(app, "Lần", "Thời điểm")["Tệp"]) == [first]
    app.multiselect(key="dd_r_reasons").set_value(["bad_date"]).run()
    bad_dates = one(demo_db, "SELECT count(*) FROM rejects WHERE reason_code = 'bad_date'")
    shown = frame_with(app, "Lý do", "Cách sửa")
    assert len(shown) == bad_dates and set(shown["Lý do"]) == {"Ngày không đọc được"}
    app.selectbox(key="dd_r_severity").set_value("warning").run()
    assert not app.exception


def test_quality_tab_flags_the_month_end_burst_officer(monkeypatch, demo_db):
    app = open_desk(monkeypatch, demo_db)
    # The demo's burst officer sits at Phường Cẩm Lệ; at the test scale (3%) a year gathers enough finishes.
    app.selectbox(key="dd_q_kind").set_value("year").run()
    app.selectbox(key="dd_q_period").set_value("2026-01-01").run()
    assert not app.exception
    burst = [e for e in app.expander if e.label.startswith("Cán bộ cập nhật kết quả dồn cuối tháng")]
    assert burst and not burst[0].label.endswith("không có")
    table = burst[0].table[0].value
    assert "Phường Cẩm Lệ" in set(table["Đơn vị"])
    assert any("dồn cuối tháng" in w.value for w in app.warning)


def test_upload_through_the_page(monkeypatch, demo_db, tmp_path):
    db = tmp_path / "desk.duckdb"
    shutil.copyfile(demo_db, db)
    before = one(db, "SELECT count(*) FROM dossiers")
    app = open_desk(monkeypatch, db)
    uploader = app.get("file_uploader")[0]
    uploader.set_value([("moi.csv", EXPORT.encode(), "text/csv"), ("rong.csv", b"", "text/csv")]).run()
    app.button(key="dd_load").click().run()
    assert not app.exception
    # APPTEST-0003 has an unreadable due date: rejected; the other two are new.
    results = frame_with(app, "Trạng thái", "Thông báo")
    assert list(results["Tệp"]) == ["moi.csv", "rong.csv"]
    # Counts are numbers (they sort as numbers; shown 1.234 by the column format).
    assert list(results.iloc[0][["Trạng thái", "Đọc", "Thêm mới", "Cập nhật", "Bị loại"]]) == [
        "Đã nạp", 3, 2, 0, 1]
    assert results.iloc[1]["Trạng thái"] == "Không nạp"
    assert any("tệp «rong.csv»: tệp rỗng (0 byte)" in e.value for e in app.error)
    assert one(db, "SELECT count(*) FROM dossiers") == before + 2
    assert one(db, "SELECT loaded_by FROM load_log ORDER BY load_id DESC LIMIT 1") == "local"
    # The page reads the new file at once: history shows the new load on top.
    assert frame_with(app, "Lần", "Thời điểm")["Tệp"].iloc[0] == "moi.csv"
