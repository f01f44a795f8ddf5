"""Real browser: open Mức độ hài lòng in Debian's Chromium, type a comment search without diacritics,
see the matching comments (and only those)."""
import re
import unicodedata
from pathlib import Path

import duckdb
import pytest

from tests.app_support import new_page, streamlit_server

pytestmark = pytest.mark.browser
Q3 = "ky=quarter&tu=2026-07-01&den=2026-09-30"


def folded(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]+", " ", "".join(c for c in text if not unicodedata.combining(c)).lower())


def expected_comments(db: Path, words: str) -> list[str]:
    """Q3 comments of both sources containing `words`, folded in Python (not the app's SQL)."""
    with duckdb.connect(str(db), read_only=True) as con:
        texts = [r[0] for r in con.execute(
            "SELECT comment FROM survey_responses WHERE comment IS NOT NULL "
            "AND response_date BETWEEN '2026-07-01' AND '2026-09-30' "
            "UNION ALL SELECT comment FROM ratings WHERE comment IS NOT NULL "
            "AND rating_date BETWEEN '2026-07-01' AND '2026-09-30'").fetchall()]
    return sorted(t for t in texts if words in folded(t))


def test_search_comments_in_the_browser(browser, demo_db):
    wanted = expected_comments(demo_db, "thai do")
    assert wanted, "the demo has comments about staff attitude in Q3 2026"
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/hai-long?{Q3}")  # a deep link as the fresh server's first session
        page.get_by_role("heading", name="Mức độ hài lòng").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        assert not page.get_by_role("dialog").is_visible()
        box = page.get_by_label("Tìm trong ý kiến (không cần gõ dấu)")
        box.fill("thai do")
        box.press("Enter")
        page.get_by_text(f"{len(wanted)} ý kiến chứa «thai do»").wait_for(timeout=30_000)
        grid = page.locator("[data-testid='stDataFrame']").last
        grid.scroll_into_view_if_needed()
        comments = grid.locator("[role=gridcell][aria-colindex='2']")  # the «Ý kiến» column
        shown: list[str] = []
        for _ in range(40):  # the table is redrawn a moment after the count above
            shown = sorted(comments.all_text_contents())
            if shown == wanted:
                break
            page.wait_for_timeout(250)
        assert shown == wanted  # every matching comment is listed, and nothing else
