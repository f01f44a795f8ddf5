"""Report layer: the tables behind the Mức độ hài lòng page as one .xlsx (a sheet per table); never
queries the database, never imports Streamlit. Rates are written as numbers with a percent format,
each beside its n and 95% interval; text cells (comments included) go through reports.safe_text."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from queries.satisfaction import LEVELS, SOURCES
from reports.table import Table, tables_xlsx

_BOTH = ("Câu trả lời khảo sát", "Hài lòng (khảo sát)", "KTC 95% khảo sát: từ", "KTC 95% khảo sát: đến",
         "Lượt đánh giá", "Hài lòng (đánh giá)", "KTC 95% đánh giá: từ", "KTC 95% đánh giá: đến", "Không hài lòng")


@dataclass(frozen=True, eq=False)
class SatisfactionReport:
    """What the page showed for one period and selection: `context` ('Quý III/2026 · Toàn tỉnh · Tất cả
    lĩnh vực'), `min_responses`, and the frames of queries.satisfaction (by_unit, by_field, by_factor,
    by_question, trend, comments)."""

    context: str
    min_responses: int
    by_unit: pl.DataFrame
    by_field: pl.DataFrame
    by_factor: pl.DataFrame
    by_question: pl.DataFrame
    trend: pl.DataFrame
    comments: pl.DataFrame


def satisfaction_xlsx_bytes(report: SatisfactionReport) -> bytes:
    note = (f"{report.context}. Khảo sát: câu trả lời 4–5 trên số câu trả lời; đánh giá: «Hài lòng» và «Rất hài "
            f"lòng» trên số lượt đánh giá. Hai nguồn tính riêng. Dưới {report.min_responses} câu trả lời hoặc lượt "
            "đánh giá: chưa đủ để đánh giá. KTC 95%: khoảng tin cậy Wilson.")
    return tables_xlsx([
        _both("Theo đơn vị", "TỶ LỆ HÀI LÒNG THEO ĐƠN VỊ", "Đơn vị", report.by_unit, note),
        _both("Theo lĩnh vực", "TỶ LỆ HÀI LÒNG THEO LĨNH VỰC", "Lĩnh vực", report.by_field, note),
        Table("Yếu tố SIPAS", "TỶ LỆ HÀI LÒNG THEO YẾU TỐ SIPAS (KHẢO SÁT)",
              ("Yếu tố", "Câu trả lời 4–5", "Câu trả lời", "Tỷ lệ", "KTC 95% từ", "KTC 95% đến"),
              report.by_factor.select("factor_name", "satisfied", "answers", "rate", "rate_low", "rate_high").rows(),
              (44, 14, 12, 10, 12, 12), note, percent_columns=frozenset({3, 4, 5})),
        Table("Câu hỏi", "PHÂN BỐ CÂU TRẢ LỜI THEO CÂU HỎI",
              ("Mã câu hỏi", "Câu hỏi", "Yếu tố", "1 điểm", "2 điểm", "3 điểm", "4 điểm", "5 điểm", "Số câu trả lời",
               "Tỷ lệ 4–5"),
              report.by_question.select(pl.col("question_code"), "question_text", pl.col("factor_name"), "n1", "n2",
                                        "n3", "n4", "n5", "answers", "rate").rows(),
              (12, 60, 30, 9, 9, 9, 9, 9, 14, 10), note + " Câu hỏi không có mã: chưa gắn yếu tố SIPAS.",
              percent_columns=frozenset({9})),
        Table("Theo tháng", "TỶ LỆ HÀI LÒNG THEO THÁNG",
              ("Tháng", "Câu trả lời khảo sát", "Hài lòng (khảo sát)", "Lượt đánh giá", "Hài lòng (đánh giá)"),
              report.trend.select(pl.col("month").dt.strftime("%m/%Y"), "survey_answers", "survey_rate", "ratings",
                                  "rating_rate").rows(),
              (10, 16, 16, 14, 16), note, percent_columns=frozenset({2, 4})),
        Table("Ý kiến", "Ý KIẾN NGƯỜI DÂN",
              ("Ngày", "Nguồn", "Đơn vị", "Mã hồ sơ", "Đánh giá", "Điểm trung bình khảo sát", "Chưa hài lòng",
               "Ý kiến"),
              [(r["comment_date"], SOURCES.get(r["source"], r["source"]), r["unit_name"], r["dossier_code"],
                LEVELS.get(r["rating_code"]), r["mean_score"], r["is_unhappy"], r["comment"])
               for r in report.comments.iter_rows(named=True)],
              (11, 20, 26, 26, 14, 12, 10, 80), note + " Số điện thoại, số giấy tờ trong ý kiến được che theo phân quyền.",
              decimal_columns=frozenset({5})),
    ])


def _both(sheet: str, title: str, label: str, frame: pl.DataFrame, note: str) -> Table:
    """Both sources side by side, one row per unit or field (queries.satisfaction._by columns)."""
    rows = frame.sort("name").select(
        "name", "survey_answers", "survey_rate", "survey_rate_low", "survey_rate_high", "ratings", "rating_rate",
        "rating_rate_low", "rating_rate_high", "ratings_unhappy").rows()
    return Table(sheet, title, (label, *_BOTH), rows, (36, 14, 12, 11, 11, 13, 12, 11, 11, 13), note,
                 percent_columns=frozenset({2, 3, 4, 6, 7, 8}))
