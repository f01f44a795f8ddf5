"""AppTest: the briefing page's 'Cần xử lý' panel and its .docx/.pdf downloads, on the demo database."""
from datetime import date

import duckdb

from queries.alerts import RULES, evaluate
from queries.filters import Filters, Scope
from tests.app_support import PINNED_TODAY, run_app


def test_briefing_page_has_the_alerts_panel_and_document_downloads(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    assert not app.exception
    with duckdb.connect(str(demo_db), read_only=True) as con:
        # The page's default view: the last complete week before the pinned today (09–15/11/2026).
        alerts = evaluate(con, Filters(Scope.province(), date(2026, 11, 9), date(2026, 11, 15), as_of=PINNED_TODAY))
    # One line of counts: dossiers due soon (one alert carries them all), units or rates for the other kinds.
    parts = []
    for rule, title in RULES.items():
        items = [a for a in alerts if a.rule == rule]
        if items:
            parts.append(f"{title.lower()} ({sum(a.count for a in items) if rule == 'due_soon' else len(items)})")
    assert parts  # the demo week has something to act on
    assert [e.label for e in app.expander if e.label.startswith("Cần xử lý")] == ["Cần xử lý: " + " · ".join(parts)]
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Báo cáo Word (.docx)", "Báo cáo PDF (.pdf)"]


def test_plan_page_and_the_briefings_plan_figure(monkeypatch, demo_db, tmp_path):
    """A copy of the demo database with a two-task plan for 2026, one done: 1/2 = 50,0%."""
    import shutil

    from etl.plan import import_plan
    from tests.fixtures_exports import write_sheets

    db = tmp_path / "cchc.duckdb"
    shutil.copyfile(demo_db, db)
    write_sheets(tmp_path / "kh.xlsx", {"KH": [
        ["STT", "Lĩnh vực", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tình trạng", "Ngày hoàn thành"],
        [1, "Cải cách thủ tục hành chính", "Rà soát TTHC", "Phường Hải Châu", "30/06/2026", "Hoàn thành", "01/06/2026"],
        [2, "Hiện đại hóa nền hành chính", "Số hóa hồ sơ", "Phường Thanh Khê", "31/10/2026", "Đang thực hiện", None],
    ]})
    assert import_plan(tmp_path / "kh.xlsx", db, 2026).rows_loaded == 2
    app = run_app(monkeypatch, db, page="pages/plan.py")
    assert not app.exception
    headline = ("Kế hoạch CCHC năm 2026: hoàn thành 1/2 đầu công việc, đạt 50,0%; 1 nhiệm vụ quá hạn chưa hoàn "
                "thành tính đến ngày 21/11/2026.")
    assert any(m.value == f"**{headline}**" for m in app.markdown)
    briefing = run_app(monkeypatch, db)
    assert any(headline in m.value for m in briefing.markdown)
