"""AppTest: the Xếp hạng thi đua page on the demo database — ranking, periods, a unit's detail,
the scheme, the appraisal template, and figures reproduced by SQL."""
from datetime import date
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from tests.app_support import metrics, run_app

PAGE = "pages/ranking.py"


def open_ranking(monkeypatch, db: Path) -> AppTest:
    return run_app(monkeypatch, db, PAGE, timeout=90)


def sql(db: Path, text: str, params: dict | None = None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(text, params or {}).fetchall()


# Communes, wards and the special zone with any dossier counted in 2026 (received, resolved, or in
# progress at the end): exactly the units that have some criterion with data, so the ranked ones.
# Units of the commune-level group that handled at least 30 dossiers in 2026 (the default scheme's
# rank_min_dossiers): handled = resolved in the year + still in progress at its end (Biểu số 06,
# columns 7 + 11), the same definitions as the form, written out here.
RANKED_UNITS_2026 = """
SELECT count(*) FROM (
  SELECT d.unit_code FROM dossiers d JOIN units u USING (unit_code)
  WHERE u.unit_type IN ('xa', 'phuong', 'dac_khu') AND d.status_code <> 1 AND d.received_date <= DATE '2026-12-31'
  GROUP BY d.unit_code
  HAVING count(*) FILTER (d.is_resolved AND d.finished_date BETWEEN DATE '2026-01-01' AND DATE '2026-12-31')
       + count(*) FILTER (d.status_code NOT IN (3, 7, 8)
                          AND NOT (d.is_resolved AND d.finished_date <= DATE '2026-12-31')
                          AND (d.received_date >= DATE '2026-01-01'
                               OR NOT (d.is_resolved AND d.finished_date < DATE '2026-01-01'))) >= 30
)
"""


def test_ranking_page_opens_on_the_current_year(monkeypatch, demo_db):
    app = open_ranking(monkeypatch, demo_db)
    assert not app.exception
    assert app.title[0].value == "Xếp hạng thi đua"
    assert app.selectbox(key="rk_period").value == "2026-01-01"
    assert app.selectbox(key="rk_group").value == "cap_xa"
    [(ranked,)] = sql(demo_db, RANKED_UNITS_2026)
    assert 0 < ranked < 94  # the test province is small: some communes handled fewer than 30
    assert metrics(app)["Đơn vị được xếp hạng"] == str(ranked)
    table = app.dataframe[0].value
    assert list(table.columns[:3]) == ["Hạng", "Thay đổi", "Đơn vị"]
    # Ranks and points are numbers (they sort as numbers), shown 90,25 through the table's formats.
    assert str(table["Hạng"].dtype).startswith(("int", "float")) and table["Tổng điểm"].dtype == "float64"
    ranks = [int(r) for r in table["Hạng"].dropna()]
    assert ranks[0] == 1 and ranks == sorted(ranks)
    # ties share a rank and the next rank skips: rank r appears n times, then r + n
    for r in set(ranks):
        later = [x for x in ranks if x > r]
        assert not later or min(later) == r + ranks.count(r)
    assert any(b.label == "Tải kết quả xếp hạng (.xlsx)" for b in app.get("download_button"))


def test_unit_detail_sentences_match_the_dossiers(monkeypatch, demo_db):
    app = open_ranking(monkeypatch, demo_db)
    # The busiest commune of 2026: it is ranked, so the card reads "hạng N/M".
    [(code,)] = sql(demo_db, "SELECT unit_code FROM dossiers d JOIN units u USING (unit_code) WHERE u.unit_type = 'xa' "
                             "AND d.received_date >= DATE '2026-01-01' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    app.selectbox(key="rk_unit").set_value(code).run()
    assert not app.exception
    assert app.selectbox(key="rk_unit").value == code
    online = sql(demo_db, """
        SELECT count(*) FILTER (is_online), count(*) FROM dossiers
        WHERE unit_code = $u AND status_code <> 1 AND received_date BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'
    """, {"u": code})[0]
    sentences = next(m.value for m in app.markdown if "Hồ sơ trực tuyến:" in m.value)
    expected = f"{online[0]:,} hồ sơ trực tuyến trên {online[1]:,} hồ sơ tiếp nhận trong kỳ".replace(",", ".")
    assert expected in sentences
    assert "Tiến độ:" in sentences and "/20 — " in sentences
    assert metrics(app)["Hạng"].endswith("/" + metrics(app)["Đơn vị được xếp hạng"])


def test_quarter_and_custom_periods(monkeypatch, demo_db):
    app = open_ranking(monkeypatch, demo_db)
    app.button_group(key="rk_kind").set_value("quarter").run()
    assert not app.exception
    assert app.selectbox(key="rk_period").value == "2026-10-01"  # Quý 4/2026, still running
    app.selectbox(key="rk_period").set_value("2026-07-01").run()
    assert not app.exception
    assert any("so với Quý 2/2026" in c.value for c in app.caption)
    app.button_group(key="rk_kind").set_value("custom").run()
    app.date_input(key="rk_range").set_value((date(2020, 1, 1), date(2020, 3, 31))).run()
    assert not app.exception
    assert "Hãy chọn kỳ khác" in app.info[0].value  # no data in 2020: says what to change, no empty chart
    assert not app.get("plotly_chart")


def test_provincial_scheme_without_appraisal_says_so_and_offers_the_template(monkeypatch, demo_db):
    app = open_ranking(monkeypatch, demo_db)
    app.selectbox(key="rk_scheme").set_value("chi_so_cchc_xa_vi_du").run()
    assert not app.exception
    assert "Chưa nhập điểm thẩm định của kỳ Năm 2026" in app.warning[0].value
    assert any(b.label == "Tải mẫu nhập điểm (.xlsx)" for b in app.get("download_button"))
    table = app.dataframe[0].value
    assert "Chỉ đạo (10)" in table.columns and table["Chỉ đạo (10)"].isna().all()  # shown «—»: no data
    assert all("Không có dữ liệu: Kế hoạch CCHC năm và mức độ hoàn thành" in note
               for note in table["Lưu ý"] if note)


def test_scheme_is_shown_readably(monkeypatch, demo_db):
    app = open_ranking(monkeypatch, demo_db)
    html = "".join(h.proto.body for h in app.get("html"))
    assert "Tiến độ giải quyết" in html and "Tính từ dữ liệu" in html and "điểm = 20 × tỷ lệ" in html
    rules = next(m.value for m in app.markdown if "p̃ = (k·p + m·p̄) / (k + m)" in m.value)
    assert "m = 30" in rules and "Xuất sắc: từ 90 trở lên" in rules
