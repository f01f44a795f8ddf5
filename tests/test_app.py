"""AppTest: every page renders on the demo database without an exception; links and empty states."""
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_support import ROOT, metrics, run_app


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def test_home_page_shows_what_is_loaded(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, page="pages/home.py")
    assert not app.exception
    assert app.title[0].value == "Tổng quan dữ liệu"
    # Vietnamese thousands separator, and the same figure as one SQL query over the data.
    dossiers = count(demo_db, "SELECT count(*) FROM dossiers")
    assert metrics(app)["Hồ sơ đã nạp"] == f"{dossiers:,}".replace(",", ".")
    assert any("Dữ liệu đến ngày" in c.value for c in app.caption) or app.warning


def test_briefing_is_the_landing_page_with_last_complete_week(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    assert not app.exception
    assert app.title[0].value == "Giao ban tuần"
    # Pinned today is Saturday 21/11/2026: the last complete week is 09–15/11/2026.
    assert app.query_params["ky"] in ("week", ["week"]) and app.query_params["tu"] in ("2026-11-09", ["2026-11-09"])
    received = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 "
                              "AND received_date BETWEEN '2026-11-09' AND '2026-11-15'")
    assert metrics(app)["Tiếp nhận"] == f"{received:,}".replace(",", ".")
    assert any(i.value.startswith("Trong tuần 46 (09/11–15/11/2026), toàn tỉnh tiếp nhận") for i in app.info)


def test_shared_link_opens_the_same_view(monkeypatch, demo_db):
    params = {"ky": "month", "tu": "2026-10-01", "den": "2026-10-31", "dv": "20242"}
    app = run_app(monkeypatch, demo_db, params=params)
    assert not app.exception
    assert app.selectbox(key="f_kind").value == "month"
    assert app.multiselect(key="f_units").value == ["20242"]
    received = count(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 AND unit_code = '20242' "
                              "AND received_date BETWEEN '2026-10-01' AND '2026-10-31'")
    assert metrics(app)["Tiếp nhận"] == f"{received:,}".replace(",", ".")


def test_filters_survive_switching_pages(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    app.selectbox(key="f_kind").set_value("quarter").run()
    app.switch_page("pages/home.py").run()
    app.switch_page("pages/briefing.py").run()
    assert not app.exception
    assert app.selectbox(key="f_kind").value == "quarter"


def test_empty_selection_says_what_to_change(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, params={"ky": "custom", "tu": "2020-01-01", "den": "2020-01-31"})
    assert not app.exception
    assert "Hãy chọn kỳ khác" in app.info[0].value
    assert not app.get("plotly_chart")


def test_page_without_database_says_what_to_do(monkeypatch, tmp_path):
    app = run_app(monkeypatch, tmp_path / "none.duckdb")
    assert not app.exception
    assert "python -m etl demo" in app.info[0].value


def test_form06_page_matches_the_query_and_offers_downloads(monkeypatch, demo_db):
    from datetime import date

    from queries.filters import Filters, Scope
    from queries.form06 import form06

    params = {"ky": "report_month", "tu": "2026-10-15", "den": "2026-11-14"}
    app = run_app(monkeypatch, demo_db, params=params)
    app.switch_page("pages/form06.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("Biểu số 06")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        total = form06(con, Filters(Scope.province(), date(2026, 10, 15), date(2026, 11, 14))).total
    html = app.get("html")[0].proto.body
    # The total row of the on-screen form carries the query's figures with Vietnamese separators,
    # and the withdrawn/stopped/refused column (14), so that its balance adds up on screen.
    vn = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731
    assert f">{vn(total['received_total'])}<" in html
    assert "Rút, dừng xử lý, không tiếp nhận" in html and ">(14)<" in html
    last_row = html.rsplit("<tr", 1)[1]
    assert last_row.endswith(f'<td class="n extra">{vn(total["withdrawn_stopped_refused"])}</td></tr></tbody></table>')
    assert total["received_total"] == total["resolved_total"] + total["pending_total"] + total["withdrawn_stopped_refused"]
    assert [b.proto.label for b in app.get("download_button")] == ["Tải Excel (.xlsx)", "Tải CSV"]


@pytest.mark.parametrize("page", ["pages/late.py", "pages/home.py", "pages/briefing.py", "pages/admin.py"])
def test_a_page_run_without_the_frame_shows_only_how_to_open_the_app(monkeypatch, demo_db, page):
    """Streamlit's legacy pages/ mode (plain `streamlit run` on a fresh server) or running a page file
    on its own skips dashboard.py: no viewer, so no scope and no data — one message, no traceback."""
    from ui.session import WITHOUT_FRAME

    monkeypatch.setenv("CCHC_DB", str(demo_db))
    app = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
    assert not app.exception
    assert [e.value for e in app.error] == [WITHOUT_FRAME]
    assert not app.metric and not app.dataframe
