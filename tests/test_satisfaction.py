"""Satisfaction: survey and rating exports loaded by the ETL, and the figures of the Mức độ hài lòng
page, against hand-worked exports (November 2026)."""
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.load import load_files
from queries import satisfaction as sat
from queries.briefing import kpis
from queries.filters import Filters, Scope
from tests.fixtures_exports import load_text_exports

HC, TK = "20242", "20209"  # Phường Hải Châu, Phường Thanh Khê
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))

DOSSIERS = """\
Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Ngày trả kết quả,Trạng thái,Đánh giá
D1,Phường Hải Châu,Hộ tịch,02/11/2026,05/11/2026,04/11/2026,05/11/2026,Đã trả kết quả,Hài lòng
D2,Phường Hải Châu,Đất đai,02/11/2026,06/11/2026,07/11/2026,09/11/2026,Đã trả kết quả,Không hài lòng
D3,Phường Thanh Khê,Chứng thực,03/11/2026,04/11/2026,04/11/2026,04/11/2026,Đã trả kết quả,Rất hài lòng
"""
CC1 = "Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ"
CC1_REWORDED = "Thái độ của công chức khi tiếp nhận và giải quyết hồ sơ"  # a second wording in survey_questions.csv
KQ2 = "Nhận được kết quả đúng hẹn"
TT1 = "Thủ tục hành chính được niêm yết công khai đầy đủ"
UNMAPPED = "Anh chị sẽ giới thiệu dịch vụ cho người thân"  # in no table: must be reported
# S2 skipped KQ2; S5 skipped KQ2.
SURVEY_A = f"""\
Mã phiếu,Đơn vị,Ngày khảo sát,Mã hồ sơ,Lĩnh vực,{CC1},{KQ2},{TT1},Ý kiến khác
S1,Phường Hải Châu,05/11/2026,D1,Hộ tịch,5,4,3,Cán bộ nhiệt tình
S2,Phường Hải Châu,06/11/2026,,Đất đai,2,,1,Thái độ cán bộ chưa tốt
S3,Phường Thanh Khê,06/11/2026,,,4,5,5,
"""
SURVEY_B = f"""\
Mã phiếu,Đơn vị,Ngày khảo sát,{CC1_REWORDED},{KQ2},{UNMAPPED},Góp ý
S4,Phường Hải Châu,07/11/2026,4,2,5,THÁI ĐỘ phục vụ tốt nhưng chờ lâu
S5,Phường Thanh Khê,08/11/2026,3,,4,Phí cao
"""
RATINGS = """\
Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng,Ý kiến
D2,Phường Hải Châu,10/11/2026 09:00,Hài lòng,
ZZ-404,Phường Thanh Khê,11/11/2026,Không hài lòng,Thái độ cộc lốc
,Phường Thanh Khê,12/11/2026,Rất hài lòng,Nhanh gọn
"""
FILES = {"hoso.csv": DOSSIERS, "khaosat_a.csv": SURVEY_A, "khaosat_b.csv": SURVEY_B, "danhgia.csv": RATINGS}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return load_text_exports(tmp_path_factory.mktemp("sat"), FILES)


@pytest.fixture(scope="module")
def con(db):
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def month(scope: Scope | None = None, units=()) -> Filters:
    return Filters(scope or Scope.province(), *NOVEMBER, unit_codes=frozenset(units))


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# --- the ETL ---------------------------------------------------------------------------------------


def test_exports_are_told_apart_and_logged(con):
    assert rows(con, "SELECT file_name, kind, rows_new FROM load_log ORDER BY load_id") == [
        ("hoso.csv", "dossier", 3), ("khaosat_a.csv", "survey", 3), ("khaosat_b.csv", "survey", 2),
        ("danhgia.csv", "rating", 3)]


def test_reworded_question_maps_and_skipped_questions_are_not_answers(con):
    answers = rows(con, "SELECT response_key, question_code, factor_code, score FROM survey_answers "
                        "WHERE response_key LIKE '%S4' OR response_key LIKE '%S2' ORDER BY 1, 2 NULLS LAST")
    assert answers == [
        (f"{HC}/S2", "CC1", "cong_chuc", 2), (f"{HC}/S2", "TT1", "thu_tuc", 1),   # KQ2 left blank: no answer
        (f"{HC}/S4", "CC1", "cong_chuc", 4), (f"{HC}/S4", "KQ2", "ket_qua", 2),  # reworded CC1 → CC1
        (f"{HC}/S4", None, None, 5),                                             # unmapped, kept
    ]
    assert rows(con, "SELECT answered, satisfied FROM survey_responses WHERE response_id = 'S2'") == [(2, 0)]


def test_unmapped_question_is_reported_not_dropped(con):
    reported = rows(con, "SELECT l.file_name, r.severity, r.reason_code, r.column_name, r.source_row FROM rejects r "
                         "JOIN load_log l USING (load_id) WHERE r.reason_code = 'unmapped_question'")
    assert reported == [("khaosat_b.csv", "warning", "unmapped_question", UNMAPPED, 1)]  # the header row
    message = rows(con, "SELECT message FROM rejects WHERE reason_code = 'unmapped_question'")[0][0]
    assert "2 câu trả lời vẫn được nạp" in message and "survey_questions.csv" in message
    log = rows(con, "SELECT message FROM load_log WHERE file_name = 'khaosat_b.csv'")[0][0]
    assert log.startswith("1 câu hỏi chưa gắn với yếu tố SIPAS")


def test_rating_with_unknown_dossier_is_kept_counted_and_flagged(con):
    got = rows(con, "SELECT rating_key, source, dossier_code, is_linked, unit_code, field_code, rating_code "
                    "FROM ratings ORDER BY rating_key")
    assert got == [
        ("hs:D1", "dossier_export", "D1", True, HC, "ho_tich", 2),
        ("hs:D2", "rating_export", "D2", True, HC, "dat_dai", 2),   # the rating export wins over «Không hài lòng»
        ("hs:D3", "dossier_export", "D3", True, TK, "chung_thuc", 3),
        ("hs:ZZ-404", "rating_export", "ZZ-404", False, TK, None, 1),
        (f"row:{TK}|2026-11-12 00:00:00|3|Nhanh gọn", "rating_export", None, False, TK, None, 3),
    ]
    warning = rows(con, "SELECT severity, source_row, raw_value, message FROM rejects WHERE reason_code = 'unknown_dossier'")
    assert [w[:3] for w in warning] == [("warning", 3, "ZZ-404")]
    assert "chưa có trong dữ liệu hồ sơ đã nạp" in warning[0][3]


def test_reload_changes_nothing_and_a_new_rating_updates(tmp_path):
    # Its own database: a connection open on the module's file would keep reading the old version.
    db = load_text_exports(tmp_path, FILES)

    def snapshot():
        with duckdb.connect(str(db), read_only=True) as c:
            return [c.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                    for t in ("stg_ratings", "stg_survey_responses", "stg_survey_answers", "rating_criteria")]
    before = snapshot()
    again = load_files([tmp_path / n for n in FILES], db)
    assert [r.status for r in again] == ["already_loaded"] * 4
    # The same ratings re-exported (other bytes: a title row above) change nothing either.
    (tmp_path / "danhgia_lai.csv").write_text("KẾT QUẢ ĐÁNH GIÁ\n" + RATINGS, encoding="utf-8")
    [report] = load_files([tmp_path / "danhgia_lai.csv"], db)
    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (0, 0, 3)
    assert snapshot() == before
    # A later rating of D2 replaces the earlier one.
    (tmp_path / "danhgia_moi.csv").write_text("Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng\n"
                                              "D2,Phường Hải Châu,20/11/2026,Không hài lòng\n", encoding="utf-8")
    [report] = load_files([tmp_path / "danhgia_moi.csv"], db)
    assert (report.kind, report.rows_new, report.rows_updated) == ("rating", 0, 1)
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT rating_code, rating_date FROM ratings WHERE dossier_code = 'D2'").fetchall() == [
            (1, date(2026, 11, 20))]


def test_bad_survey_file(tmp_path):
    db = load_text_exports(tmp_path, {"hoso.csv": DOSSIERS})
    bad = tmp_path / "khaosat_loi.csv"
    bad.write_text(f"Mã phiếu,Đơn vị,Ngày khảo sát,{CC1},{KQ2}\n"
                   "B1,Phường Hải Châu,05/11/2026,5,4\n"
                   "B2,Phường Không Có,05/11/2026,5,5\n"      # unknown unit: rejected
                   "B3,Phường Hải Châu,32/13/2026,4,4\n"      # unreadable date: rejected
                   "B4,Phường Thanh Khê,06/11/2026,9,3\n", encoding="utf-8")  # 9 dropped, 3 kept
    [report] = load_files([bad], db)
    assert (report.status, report.rows_read, report.rows_new, report.rows_rejected) == ("loaded", 4, 2, 2)
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT source_row, severity, reason_code, raw_value FROM rejects ORDER BY 1, 3").fetchall() == [
            (3, "error", "unknown_unit", "Phường Không Có"), (4, "error", "bad_date", "32/13/2026"),
            (5, "warning", "bad_score", "9")]
        assert "Ngày khảo sát thiếu hoặc không đọc được: «32/13/2026»" in c.execute(
            "SELECT message FROM rejects WHERE reason_code = 'bad_date'").fetchall()[0][0]
        assert c.execute("SELECT response_id, answered, satisfied FROM survey_responses ORDER BY 1").fetchall() == [
            ("B1", 2, 2), ("B4", 1, 0)]
        before = c.execute("SELECT (SELECT count(*) FROM load_log), (SELECT count(*) FROM rejects), "
                           "(SELECT count(*) FROM survey_answers)").fetchall()
    broken = tmp_path / "khaosat_hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    [failed] = load_files([broken], db)
    assert failed.status == "failed" and "khaosat_hong.xlsx" in failed.error and "Cách xử lý" in failed.error
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT (SELECT count(*) FROM load_log), (SELECT count(*) FROM rejects), "
                         "(SELECT count(*) FROM survey_answers)").fetchall() == before


# --- the figures -----------------------------------------------------------------------------------


def test_survey_rate_counts_answers_given(con):
    # Answers (4–5 of given): S1 5,4,3 (2 of 3) · S2 2,1 (0 of 2) · S3 4,5,5 (3 of 3) · S4 4,2,5 (2 of 3)
    # · S5 3,4 (1 of 2) → 8 of 13 answers, 5 respondents.
    r = sat.survey_rate(con, month())
    assert (r.satisfied, r.total, r.responses) == (8, 13, 5)
    assert r.rate == pytest.approx(8 / 13)
    # The briefing card reads the same query.
    k = kpis(con, month())
    assert (k.satisfied_answers, k.survey_answers, k.survey_responses) == (8, 13, 5)


def test_rating_rate_and_mix(con):
    # D1 Hài lòng, D2 Hài lòng (export wins), D3 Rất hài lòng, ZZ-404 Không hài lòng, anonymous Rất hài lòng.
    r = sat.rating_rate(con, month())
    assert (r.satisfied, r.total) == (4, 5)
    mix = sat.rating_mix(con, month())
    assert (mix.very, mix.satisfied, mix.unhappy, mix.unlinked, mix.from_dossier_exports) == (2, 2, 1, 1, 2)


def test_by_unit_both_sources(con):
    got = {r["unit_code"]: (r["survey_satisfied"], r["survey_answers"], r["ratings_satisfied"], r["ratings"])
           for r in sat.by_unit(con, month()).to_dicts()}
    # Hải Châu: S1 2/3 + S2 0/2 + S4 2/3 = 4/8; ratings D1, D2 = 2/2.
    # Thanh Khê: S3 3/3 + S5 1/2 = 4/5; ratings D3, ZZ-404, anonymous = 2/3.
    assert got == {HC: (4, 8, 2, 2), TK: (4, 5, 2, 3)}


def test_by_factor_and_question(con):
    factors = {r["factor_code"]: (r["satisfied"], r["answers"]) for r in sat.by_factor(con, month()).to_dicts()}
    # CC1 (with the reworded S4 column): 5, 2, 4, 4, 3 → 3 of 5. KQ2: 4, 5, 2 → 2 of 3. TT1: 3, 1, 5 → 1 of 3.
    assert factors == {"tiep_can": (0, 0), "thu_tuc": (1, 3), "cong_chuc": (3, 5), "ket_qua": (2, 3),
                       "phan_hoi": (0, 0)}
    questions = sat.by_question(con, month()).to_dicts()
    cc1 = next(q for q in questions if q["question_code"] == "CC1")
    assert cc1["question_text"] == CC1  # named by its first wording
    assert [cc1[f"n{i}"] for i in range(1, 6)] == [0, 1, 1, 2, 1]
    last = questions[-1]
    assert (last["is_mapped"], last["question_text"], last["n4"], last["n5"], last["answers"]) == (
        False, UNMAPPED, 1, 1, 2)


def test_wilson_bounds_by_hand():
    # 45 of 50, z = 1.959964 (z² = 3.841459): p = 0.9; denominator 1 + z²/n = 1.0768292;
    # centre (0.9 + z²/2n = 0.9384146) / 1.0768292 = 0.8714610;
    # half-width z·√(p(1−p)/n + z²/4n²) = 1.959964·√(0.0018 + 0.0003841) = 1.959964·0.0467348 = 0.0915986,
    # / 1.0768292 = 0.0850633 → [0.7863977, 0.9565242].
    low, high = sat.wilson(45, 50)
    assert low == pytest.approx(0.78640, abs=5e-5) and high == pytest.approx(0.95653, abs=5e-5)
    assert sat.wilson(0, 0) is None
    # 0 of 4: centre = (z²/8)/(1 + z²/4) = 0.4801824/1.9603647 = 0.2449454 = half-width → [0, 0.4898908].
    low, high = sat.wilson(0, 4)
    assert low == pytest.approx(0.0, abs=1e-9) and high == pytest.approx(0.48989, abs=5e-5)


def test_sql_interval_matches_the_hand_formula(con):
    units = {r["unit_code"]: r for r in sat.by_unit(con, month()).to_dicts()}
    # Thanh Khê survey 4 of 5: p = 0.8, z²/n = 0.7682918, denominator 1.7682918;
    # centre (0.8 + 0.3841459) / 1.7682918 = 0.6696553; half-width 1.959964·√(0.032 + 0.0384146) / 1.7682918
    # = 1.959964·0.2653575 / 1.7682918 = 0.2941206 → [0.3755346, 0.9637759].
    tk = units[TK]
    assert tk["survey_rate"] == pytest.approx(0.8)
    assert tk["survey_rate_low"] == pytest.approx(0.37553, abs=5e-5)
    assert tk["survey_rate_high"] == pytest.approx(0.96378, abs=5e-5)


def test_lowest_units_rank_only_with_enough_responses(con):
    # Minimum 5: Hải Châu (8 answers, 50%) and Thanh Khê (5 answers, 80%) both ranked, lowest first.
    assert sat.lowest_units(con, month(), "survey", 5)["unit_code"].to_list() == [HC, TK]
    # Minimum 6: Thanh Khê (5 answers) is no longer ranked.
    assert sat.lowest_units(con, month(), "survey", 6)["unit_code"].to_list() == [HC]


def test_search_is_diacritic_insensitive(con):
    found = sat.comments(con, month(), "thai do")
    # S2 "Thái độ cán bộ chưa tốt", S4 "THÁI ĐỘ phục vụ tốt…", ZZ-404 "Thái độ cộc lốc".
    assert sorted(found["comment"].to_list()) == ["THÁI ĐỘ phục vụ tốt nhưng chờ lâu", "Thái độ cán bộ chưa tốt",
                                                  "Thái độ cộc lốc"]
    assert sat.comment_count(con, month(), "CHỜ LÂU") == 1
    assert sat.comment_count(con, month(), "'; DROP TABLE rejects; --") == 0  # a bound value, never SQL
    unhappy = sat.comments(con, month(), "thai do", verdict="unhappy")["comment"].to_list()
    assert sorted(unhappy) == ["Thái độ cán bộ chưa tốt", "Thái độ cộc lốc"]  # S2 0 of 2; ZZ-404 Không hài lòng
    assert sat.comments(con, month(), "", source="rating")["comment"].to_list() == ["Nhanh gọn", "Thái độ cộc lốc"]


def test_scope_never_returns_another_units_comments(con):
    hai_chau = Scope.units({HC})
    got = sat.comments(con, month(hai_chau))
    assert set(got["unit_code"].to_list()) == {HC} and got.height == 3  # S1, S2, S4
    # Selecting a unit outside the scope gives nothing, not that unit's comments.
    assert sat.comments(con, month(hai_chau, units=[TK])).height == 0
    assert sat.comment_count(con, month(hai_chau), "thai do") == 2  # S2, S4; not ZZ-404 of Thanh Khê
    assert sat.survey_rate(con, month(hai_chau)).total == 8


def test_theme_counts(con):
    got = {r["theme"]: (r["comments"], r["unhappy"]) for r in sat.theme_counts(con, month()).to_dicts()}
    # Thái độ: S2 (unhappy), S4, ZZ-404 (unhappy). Chờ lâu: S4. Phí: S5 "Phí cao" (1 of 2 answers 4–5: not
    # unhappy). "Cán bộ nhiệt tình" and "Nhanh gọn" name no theme.
    assert got["Thái độ phục vụ"] == (3, 2)
    assert got["Thời gian chờ, trễ hẹn"] == (1, 0)
    assert got["Phí, lệ phí"] == (1, 0)
    assert sum(c for c, _ in got.values()) == 5


def test_unmapped_question_maps_after_the_table_learns_it(tmp_path):
    # What `python -m etl rebuild` does after a clerk adds the wording to survey_questions.csv: the
    # reference table is rewritten and the marts rebuilt; the stored answers are then mapped.
    from etl.load import build_marts

    db = load_text_exports(tmp_path, {"khaosat_b.csv": SURVEY_B})
    with duckdb.connect(str(db)) as c:
        c.execute("INSERT INTO ref_survey_questions VALUES ($q, 'phan_hoi', 'PH9')",
                  {"q": "ANH CHỊ sẽ giới thiệu dịch vụ cho người thân."})  # other case and punctuation
        build_marts(c)
        assert c.execute("SELECT response_key, question_code, factor_code, score FROM survey_answers "
                         "WHERE question_text = $q ORDER BY 1", {"q": UNMAPPED}).fetchall() == [
            (f"{TK}/S5", "PH9", "phan_hoi", 4), (f"{HC}/S4", "PH9", "phan_hoi", 5)]


def test_rating_criteria_long_form(tmp_path):
    export = ("Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng,Thời gian giải quyết,Thái độ cán bộ,Số lần liên hệ\n"
              "D1,Phường Hải Châu,06/11/2026,Rất hài lòng,2,2,1\n"
              "D3,Phường Thanh Khê,07/11/2026,Không hài lòng,0,3,\n")  # 3 is not a score: dropped, warned
    db = tmp_path / "c.duckdb"
    for name, text in {"hoso.csv": DOSSIERS, "tieuchi.csv": export}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    reports = load_files([tmp_path / "hoso.csv", tmp_path / "tieuchi.csv"], db)
    assert [r.kind for r in reports] == ["dossier", "rating"] and reports[1].rows_rejected == 0
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT rating_key, criterion_code, score FROM rating_criteria ORDER BY 1, 2").fetchall() == [
            ("hs:D1", "TC1", 2), ("hs:D1", "TC4", 1), ("hs:D1", "TC6", 2), ("hs:D3", "TC1", 0)]
        assert c.execute("SELECT source_row, severity, reason_code, raw_value FROM rejects").fetchall() == [
            (3, "warning", "bad_criterion_score", "3")]
        criteria = {r["criterion_code"]: (r["n2"], r["n1"], r["n0"]) for r in
                    sat.by_criterion(c, month()).to_dicts()}
    # TC1: D1 2, D3 0 · TC4: D1 1 · TC6: D1 2 (D3's 3 dropped).
    assert criteria == {"TC1": (1, 0, 1), "TC4": (0, 1, 0), "TC6": (1, 0, 0)}


# --- personal data in free text -----------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("Gọi 0912 345 678 mà không ai nghe", "Gọi [số đã ẩn] mà không ai nghe"),
    ("CCCD 048170244912 bị ghi sai", "CCCD [số đã ẩn] bị ghi sai"),
    ("SĐT 0912.345.678.", "SĐT [số đã ẩn]."),
    ("Chờ 3 ngày, phí 150.000 đồng", "Chờ 3 ngày, phí 150.000 đồng"),  # 6 digits: an amount, kept
    ("Hẹn 12/11/2026 mà chưa có", "Hẹn 12/11/2026 mà chưa có"),  # a date, kept
    (None, None),
])
def test_numbers_written_into_comments_are_masked(raw, shown):
    from queries.masking import MASKS

    with duckdb.connect() as c:
        assert c.execute("SELECT " + MASKS["comment"].replace("{col}", "$t"), {"t": raw}).fetchall()[0][0] == shown


def test_comment_lists_mask_phones_unless_the_scope_allows_personal_data(tmp_path):
    ratings = ("Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng,Ý kiến\n"
               "D2,Phường Hải Châu,10/11/2026 09:00,Không hài lòng,Gọi 0912 345 678 không ai nghe\n")
    db = load_text_exports(tmp_path, {"hoso.csv": DOSSIERS, "danhgia.csv": ratings})
    with duckdb.connect(str(db), read_only=True) as c:
        masked, allowed = month(Scope.province()), month(Scope.province(personal_data=True))
        assert sat.comments(c, masked)["comment"].to_list() == ["Gọi [số đã ẩn] không ai nghe"]
        assert sat.dissatisfied_ratings(c, masked)["comment"].to_list() == ["Gọi [số đã ẩn] không ai nghe"]
        assert sat.comments(c, allowed)["comment"].to_list() == ["Gọi 0912 345 678 không ai nghe"]
        # The search still finds the comment by its (unmasked) words, and shows it masked.
        assert sat.comments(c, masked, "khong ai nghe")["comment"].to_list() == ["Gọi [số đã ẩn] không ai nghe"]


def test_page_download_holds_both_sources_by_unit(con):
    """The page's .xlsx (issue 12, item 7): rates as numbers beside their n, per unit, by hand above."""
    import fastexcel

    from reports.satisfaction import SatisfactionReport, satisfaction_xlsx_bytes

    f = month()
    data = satisfaction_xlsx_bytes(SatisfactionReport(
        "Tháng 11/2026 · Toàn tỉnh · Tất cả lĩnh vực", 30, sat.by_unit(con, f), sat.by_field(con, f),
        sat.by_factor(con, f), sat.by_question(con, f), sat.trend(con, f), sat.comments(con, f)))
    book = fastexcel.read_excel(data)
    assert book.sheet_names == ["Theo đơn vị", "Theo lĩnh vực", "Yếu tố SIPAS", "Câu hỏi", "Theo tháng", "Ý kiến"]
    units = book.load_sheet("Theo đơn vị", header_row=2).to_polars()
    # Hải Châu: survey 4/8, ratings 2/2; Thanh Khê: survey 4/5, ratings 2/3 (test_by_unit_both_sources).
    got = {r[0]: (r[1], r[2], r[5], r[6]) for r in units.rows()}
    assert got == {"Phường Hải Châu": (8.0, 0.5, 2.0, 1.0), "Phường Thanh Khê": (5.0, 0.8, 3.0, pytest.approx(2 / 3))}
    comments = book.load_sheet("Ý kiến", header_row=2).to_polars()
    assert "Thái độ cán bộ chưa tốt" in comments["Ý kiến"].to_list()
