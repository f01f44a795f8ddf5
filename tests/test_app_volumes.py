"""AppTest: the Tiếp nhận & giải quyết page on the demo database: charts, trend grain, empty period."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app_support import chart_titles, run_app

PAGE = "pages/volumes.py"
CHARTS = 6  # trend, channels, fields, units, unit × field, procedures


def open_volumes(monkeypatch, db: Path, **query: str) -> AppTest:
    """Run the frame once (st.navigation registers the pages), then switch to the volumes page."""
    return run_app(monkeypatch, db, PAGE, query)


def test_volumes_page_draws_every_chart(monkeypatch, demo_db):
    app = open_volumes(monkeypatch, demo_db, ky="month", tu="2026-10-01", den="2026-10-31")
    assert not app.exception
    assert app.title[0].value == "Tiếp nhận & giải quyết"
    assert app.caption[0].value.startswith("Tháng 10/2026 · Toàn tỉnh")
    assert any("Dữ liệu đến ngày" in c.value for c in app.caption) or app.warning
    assert not app.info
    titles = chart_titles(app)
    assert len(titles) == CHARTS
    assert titles[0] == "Số hồ sơ theo tuần"  # a month is short: weeks by default
    assert "Người dân nộp hồ sơ qua kênh nào?" in titles
    assert "Lĩnh vực nào nhận nhiều hồ sơ nhất?" in titles
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Tiếp nhận trong kỳ"] not in ("0", "—")
    # The tables behind the charts download like every other page's (tests/test_volumes.py reads one).
    assert [b.proto.label for b in app.get("download_button")] == ["Tải bảng số liệu (.xlsx)"]


def test_trend_switches_to_months(monkeypatch, demo_db):
    app = open_volumes(monkeypatch, demo_db, ky="month", tu="2026-10-01", den="2026-10-31")
    app.radio[0].set_value("month").run()
    assert not app.exception
    assert chart_titles(app)[0] == "Số hồ sơ theo tháng"


def test_a_year_defaults_to_months(monkeypatch, demo_db):
    app = open_volumes(monkeypatch, demo_db, ky="year", tu="2026-01-01", den="2026-12-31")
    assert not app.exception
    assert app.radio[0].value == "month"
    assert chart_titles(app)[0] == "Số hồ sơ theo tháng"


def test_a_period_without_dossiers_says_what_to_change(monkeypatch, demo_db):
    app = open_volumes(monkeypatch, demo_db, ky="custom", tu="2020-01-01", den="2020-01-31")
    assert not app.exception
    assert not app.get("plotly_chart")
    [info] = app.info
    assert "không có hồ sơ nào" in info.value and "01/01/2020" in info.value
    assert "chọn một kỳ" in info.value and "bỏ bớt" in info.value


def test_one_unit_from_a_link_keeps_its_name(monkeypatch, demo_db):
    # The briefing links here with ?dv=<unit code>; the caption names the unit as written.
    app = open_volumes(monkeypatch, demo_db, ky="month", tu="2026-10-01", den="2026-10-31", dv="20263")
    assert not app.exception
    assert app.caption[0].value.startswith("Tháng 10/2026 · Phường Sơn Trà")
    assert len(app.get("plotly_chart")) == CHARTS


def test_the_cards_and_channels_show_the_hand_worked_november(monkeypatch, tmp_path):
    # tests/test_volumes.py's export, worked by hand there: in November 11 received (4 online, 5 in
    # person counting V14's missing channel, 2 by post), 1 carried over (V11), 7 resolved, 4 in progress
    # on 30/11 of which V03 overdue. The page sums its one Form 06 count (queries.volumes.cube) into these.
    from tests.app_support import metrics, open_app
    from tests.fixtures_exports import load_text_exports
    from tests.test_volumes import EXPORT

    db = load_text_exports(tmp_path, {"thang11.csv": EXPORT})
    monkeypatch.setenv("CCHC_DB", str(db))
    monkeypatch.setenv("CCHC_TODAY", "2026-12-31")  # November is over: in progress is judged on 30/11
    app = open_app({"ky": "month", "tu": "2026-11-01", "den": "2026-11-30"}, PAGE)
    assert not app.exception
    assert metrics(app) == {
        "Tiếp nhận trong kỳ": "11", "Kỳ trước chuyển sang": "1", "Đã giải quyết": "7",
        "Đang giải quyết cuối kỳ": "4", "Trong đó quá hạn": "1"}
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    channels = next(spec for spec in specs if spec["layout"]["title"]["text"] == "Người dân nộp hồ sơ qua kênh nào?")
    received = next(trace for trace in channels["data"] if trace["name"] == "Tiếp nhận trong kỳ")
    assert list(received["x"]) == ["Trực tiếp", "Trực tuyến", "Bưu chính công ích"]
    assert list(received["y"]) == [5, 4, 2]
