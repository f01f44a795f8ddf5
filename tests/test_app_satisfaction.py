"""AppTest: the Mức độ hài lòng page on the demo database — cards against one SQL query each, charts,
the comment search, links of dissatisfied ratings to the late page, and the empty period."""
import unicodedata
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from core import format as fmt
from tests.app_support import chart_titles, run_app

PAGE = "pages/satisfaction.py"
Q3 = {"ky": "quarter", "tu": "2026-07-01", "den": "2026-09-30"}


def open_page(monkeypatch, db: Path, **query: str) -> AppTest:
    return run_app(monkeypatch, db, PAGE, query)


def folded(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def one(db: Path, sql: str) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0]


def test_page_shows_both_sources_against_sql(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, **Q3)
    assert not app.exception
    assert app.title[0].value == "Mức độ hài lòng"
    assert app.caption[0].value.startswith("Quý 3/2026 · Toàn tỉnh")
    satisfied, answers = one(demo_db, "SELECT sum(satisfied), sum(answered) FROM survey_responses "
                                      "WHERE response_date BETWEEN '2026-07-01' AND '2026-09-30' AND answered > 0")
    happy, rated, unhappy = one(demo_db, "SELECT count(*) FILTER (rating_code >= 2), count(*), "
                                         "count(*) FILTER (rating_code = 1) FROM ratings "
                                         "WHERE rating_date BETWEEN '2026-07-01' AND '2026-09-30'")
    assert answers > 0 and rated > 0
    metrics = {m.label: m.value.rstrip(" *") for m in app.metric}
    assert metrics["Khảo sát SIPAS"] == fmt.percent(satisfied / answers)
    assert metrics["Đánh giá trên Cổng DVC"] == fmt.percent(happy / rated)
    assert metrics["Đánh giá «Không hài lòng»"] == fmt.number(unhappy)
    titles = chart_titles(app)
    for title in ("Tỷ lệ hài lòng theo đơn vị — Khảo sát SIPAS", "Theo yếu tố SIPAS (khảo sát)",
                  "Chín tiêu chí đánh giá trên Cổng DVC", "Tỷ lệ hài lòng 12 tháng gần nhất",
                  "Phân bố câu trả lời theo câu hỏi", "Chủ đề được nhắc nhiều nhất"):
        assert title in titles or title.replace("Khảo sát SIPAS", "Đánh giá trên Cổng DVC") in titles, title
    # The page's tables download like every other page's (tests/test_satisfaction.py reads one).
    assert [b.proto.label for b in app.get("download_button")] == ["Tải bảng số liệu (.xlsx)"]


def test_dissatisfied_ratings_link_to_the_late_page(monkeypatch, demo_db):
    # «Hồ sơ» is a button column (its code opens the dossier on Trễ hạn in the same tab and session:
    # tests/test_browser_satisfaction.py clicks one); a rating whose dossier is unknown has no button.
    app = open_page(monkeypatch, demo_db, **Q3)
    table = next(d.value for d in app.dataframe if "Hồ sơ" in d.value.columns and "Ngày" in d.value.columns)
    codes = [v for v in table["Hồ sơ"].tolist() if isinstance(v, str) and v]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        known = {c for (c,) in con.execute("SELECT dossier_code FROM dossiers WHERE list_contains($c, dossier_code)",
                                           {"c": codes}).fetchall()}
    assert codes and set(codes) == known
    # Unknown dossier codes (the demo has a few) get no button and say so.
    unknown = table[table["Hồ sơ"].isna()]
    assert unknown.empty or unknown["Ý kiến / ghi chú"].str.contains("chưa có trong dữ liệu|Không ghi mã").all()
    # A click on a code (what the ButtonColumn reports): its detail on Trễ hạn, in this session.
    row = next(i for i, v in enumerate(table["Hồ sơ"].tolist()) if isinstance(v, str) and v)
    app.session_state["sat_dossier_open"] = {"row": row, "label": table["Hồ sơ"][row]}
    app.run()
    assert not app.exception and app.title[0].value == "Trễ hạn"
    assert any(m.value == f"#### Hồ sơ {table['Hồ sơ'][row]}" for m in app.markdown)


def test_comment_search_is_diacritic_insensitive(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, **Q3)
    app.text_input(key="sat_search").set_value("thai do").run()
    assert not app.exception
    comments = app.dataframe[-1].value["Ý kiến"].tolist()
    assert comments and all("thai do" in folded(c) for c in comments)
    assert any("thái độ" in c.lower() for c in comments)  # the words as written, with their marks
    app.text_input(key="sat_search").set_value("khong co y kien nao nhu the nay").run()
    assert any("Không có ý kiến nào chứa" in i.value for i in app.info)


def test_a_period_without_data_says_what_to_change(monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, ky="custom", tu="2020-01-01", den="2020-01-31")
    assert not app.exception
    message = app.info[0].value
    assert "không có phiếu khảo sát hay lượt đánh giá nào" in message and "hãy chọn một kỳ" in message
    assert not app.get("plotly_chart")
