"""Scoring layer: the metrics a data criterion may name, as data; no database access, no Streamlit.

Each metric is a rate built from one or two count pairs (numerator, denominator) that
`queries.emulation.unit_metrics` returns per unit. A scheme names a metric by its code; the
scheme validator refuses any other name.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One count pair: `num` of `den` dossiers, columns of queries.emulation.unit_metrics."""

    num: str
    den: str
    num_words: str  # "hồ sơ đúng hạn" — the sentence says "<num> <num_words> trên <den> <den_words>"
    den_words: str


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    formula: str  # Vietnamese, shown with the scheme
    parts: tuple[Part, ...]
    # "share": the rate of the single part; "one_minus_sum": 1 − (rate of part 1 + rate of part 2)
    combine: str = "share"
    no_data: str = "không có hồ sơ trong kỳ"  # why a denominator of zero means no data


METRICS = {m.code: m for m in (
    Metric(
        "tien_do", "Tiến độ giải quyết",
        "(giải quyết trước hạn + đúng hạn + đang giải quyết trong hạn) / (đã giải quyết + đang giải quyết), "
        "theo số liệu Biểu số 06 của kỳ",
        (Part("handled_on_time", "handled", "hồ sơ đúng hạn (trước hạn, đúng hạn, đang trong hạn)",
              "hồ sơ đã và đang giải quyết"),),
        no_data="không có hồ sơ đã hoặc đang giải quyết trong kỳ"),
    Metric(
        "truc_tuyen", "Tỷ lệ hồ sơ trực tuyến",
        "hồ sơ tiếp nhận trực tuyến / hồ sơ tiếp nhận trong kỳ",
        (Part("received_online", "received_in_period", "hồ sơ trực tuyến", "hồ sơ tiếp nhận trong kỳ"),),
        no_data="không tiếp nhận hồ sơ nào trong kỳ"),
    Metric(
        "thanh_toan_truc_tuyen", "Tỷ lệ thanh toán trực tuyến",
        "hồ sơ có phí, lệ phí đã thanh toán trực tuyến / hồ sơ có phí, lệ phí tiếp nhận trong kỳ",
        (Part("fee_paid_online", "fee_bearing", "hồ sơ thanh toán trực tuyến", "hồ sơ có phí, lệ phí"),),
        no_data="không có hồ sơ có phí, lệ phí (hoặc tệp xuất không có cột thanh toán trực tuyến)"),
    Metric(
        "hai_long", "Mức độ hài lòng trong tiếp nhận, giải quyết",
        "100% − (tỷ lệ hồ sơ giải quyết quá hạn + tỷ lệ hồ sơ bị đánh giá «Không hài lòng»)",
        (Part("resolved_late", "resolved", "hồ sơ quá hạn", "hồ sơ đã giải quyết"),
         Part("unsatisfied", "rated", "đánh giá «Không hài lòng»", "hồ sơ được đánh giá")),
        combine="one_minus_sum",
        no_data="không có hồ sơ đã giải quyết hoặc không có đánh giá nào trong kỳ"),
    Metric(
        "so_hoa", "Tỷ lệ hồ sơ được số hóa",
        "hồ sơ tiếp nhận trong kỳ đã số hóa thành phần hồ sơ / hồ sơ tiếp nhận trong kỳ",
        (Part("digitised", "digitised_known", "hồ sơ đã số hóa", "hồ sơ tiếp nhận có thông tin số hóa"),),
        no_data="tệp xuất không có cột số hóa, hoặc không tiếp nhận hồ sơ nào trong kỳ"),
    Metric(
        "ket_qua_dien_tu", "Tỷ lệ cấp kết quả điện tử",
        "hồ sơ giải quyết trong kỳ có kết quả điện tử / hồ sơ giải quyết trong kỳ",
        (Part("e_result", "e_result_known", "hồ sơ có kết quả điện tử", "hồ sơ đã giải quyết có thông tin"),),
        no_data="tệp xuất không có cột kết quả điện tử, hoặc không giải quyết hồ sơ nào trong kỳ"),
    Metric(
        "dong_bo", "Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia",
        "hồ sơ tiếp nhận trong kỳ đã đồng bộ / hồ sơ tiếp nhận trong kỳ có thông tin đồng bộ",
        (Part("synced", "sync_known", "hồ sơ đã đồng bộ", "hồ sơ có thông tin đồng bộ"),),
        no_data="tệp xuất không có cột đồng bộ (công khai, minh bạch cần dữ liệu danh mục TTHC)"),
    Metric(
        "xin_loi", "Tỷ lệ hồ sơ quá hạn có phiếu xin lỗi",
        "hồ sơ giải quyết quá hạn có phiếu xin lỗi và hẹn lại / hồ sơ giải quyết quá hạn trong kỳ",
        (Part("late_apology", "resolved_late", "hồ sơ quá hạn có phiếu xin lỗi", "hồ sơ quá hạn"),),
        no_data="không có hồ sơ giải quyết quá hạn trong kỳ"),
)}

COUNT_COLUMNS = tuple(sorted({c for m in METRICS.values() for p in m.parts for c in (p.num, p.den)}))
