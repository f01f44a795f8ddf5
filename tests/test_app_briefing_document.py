"""AppTest: the briefing page's 'Cần xử lý' panel and its .docx/.pdf downloads, on the demo database."""
from datetime import date

import duckdb

from queries.alerts import evaluate
from queries.filters import Filters, Scope
from tests.app_support import PINNED_TODAY, run_app


def test_briefing_page_has_the_alerts_panel_and_document_downloads(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    assert not app.exception
    with duckdb.connect(str(demo_db), read_only=True) as con:
        # The page's default view: the last complete week before the pinned today (09–15/11/2026).
        alerts = evaluate(con, Filters(Scope.province(), date(2026, 11, 9), date(2026, 11, 15), as_of=PINNED_TODAY))
    assert [e.label for e in app.expander if e.label.startswith("Cần xử lý")] == [f"Cần xử lý ({len(alerts)})"]
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Tải báo cáo Word (.docx)", "Tải báo cáo PDF"]
