"""AppTest: every page renders on the demo database without an exception; empty-state message."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_support import ROOT

DASHBOARD = str(ROOT / "dashboard.py")


def run_app(monkeypatch, db: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("CCHC_DB", str(db))
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    if page:
        app.switch_page(page)
    return app.run()


def test_home_page_shows_what_is_loaded(monkeypatch, demo_db):
    import duckdb

    app = run_app(monkeypatch, demo_db)
    assert not app.exception
    assert app.title[0].value == "Tổng quan dữ liệu"
    metrics = {m.label: m.value for m in app.metric}
    with duckdb.connect(str(demo_db), read_only=True) as con:
        dossiers = con.execute("SELECT count(*) FROM dossiers").fetchall()[0][0]
    # Vietnamese thousands separator, and the same figure as one SQL query over the data.
    assert metrics["Hồ sơ đã nạp"] == f"{dossiers:,}".replace(",", ".")
    assert metrics["Đơn vị có dữ liệu"] not in ("0", "—")
    assert any("Dữ liệu đến ngày" in c.value for c in app.caption) or app.warning


def test_home_page_without_database_says_what_to_do(monkeypatch, tmp_path):
    app = run_app(monkeypatch, tmp_path / "none.duckdb")
    assert not app.exception
    assert "python -m etl demo" in app.info[0].value
