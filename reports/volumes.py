"""Report layer: the tables behind the Tiếp nhận & giải quyết page as one .xlsx (a sheet per table);
never queries the database, never imports Streamlit. Text cells go through reports.safe_text."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from reports.table import Table, tables_xlsx

# Biểu số 06 counts (queries.dossiers.period_counts) in the form's order, with `received` (in the
# period) first: what the page's charts show for each field and unit.
COUNT_HEADERS = (
    ("received", "Tiếp nhận trong kỳ"), ("received_online", "Trong đó trực tuyến"),
    ("received_direct", "Trực tiếp, bưu chính"), ("carried_over", "Kỳ trước chuyển sang"),
    ("resolved_total", "Đã giải quyết"), ("resolved_early", "Trước hạn"), ("resolved_on_time", "Đúng hạn"),
    ("resolved_late", "Quá hạn"), ("pending_total", "Đang giải quyết cuối kỳ"), ("pending_within", "Trong hạn"),
    ("pending_overdue", "Quá hạn (đang giải quyết)"), ("withdrawn_stopped_refused", "Rút, dừng, không tiếp nhận"),
)


@dataclass(frozen=True, eq=False)
class VolumesReport:
    """What the page showed, for one period and selection. `context`: 'Tháng 10/2026 · Phường Hải Châu ·
    Tất cả lĩnh vực'; the frames are those of queries.volumes (by_field, by_unit, by_channel, series,
    top_procedures)."""

    context: str
    by_field: pl.DataFrame
    by_unit: pl.DataFrame
    by_channel: pl.DataFrame
    series: pl.DataFrame
    procedures: pl.DataFrame
    grain_label: str  # 'Tuần' or 'Tháng'


def volumes_xlsx_bytes(report: VolumesReport) -> bytes:
    note = f"{report.context}. Số liệu theo Biểu số 06 (Thông tư 01/2020/TT-VPCP): tiếp nhận trong kỳ không gồm kỳ " \
           "trước chuyển sang; đang giải quyết tính vào ngày cuối kỳ."
    return tables_xlsx([
        _counts_table("Theo lĩnh vực", "SỐ HỒ SƠ THEO LĨNH VỰC", report.by_field, "field_name", "Lĩnh vực", note),
        _counts_table("Theo đơn vị", "SỐ HỒ SƠ THEO ĐƠN VỊ", report.by_unit, "unit_name", "Đơn vị", note),
        Table("Theo kênh", "SỐ HỒ SƠ THEO KÊNH NỘP", ("Kênh", "Tiếp nhận trong kỳ", "Tỷ lệ", "Đã giải quyết",
                                                    "Đang giải quyết – trong hạn", "Đang giải quyết – quá hạn"),
              report.by_channel.select("channel_name", "received", "received_share", "resolved_total",
                                       "pending_within", "pending_overdue").rows(),
              (22, 14, 10, 14, 16, 16), note, percent_columns=frozenset({2})),
        Table(f"Theo {report.grain_label.lower()}", f"SỐ HỒ SƠ THEO {report.grain_label.upper()}",
              (report.grain_label, "Từ ngày", "Đến ngày", "Tiếp nhận", "Đã giải quyết", "Trong kỳ đang xem"),
              report.series.select("label", "bucket_start", "bucket_end", "received", "resolved", "in_period").rows(),
              (24, 12, 12, 12, 14, 12), note),
        Table("Thủ tục", "THỦ TỤC CÓ NHIỀU HỒ SƠ NHẤT", ("Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Tiếp nhận trong kỳ",
                                                       "Tỷ lệ", "Đã giải quyết trong kỳ"),
              report.procedures.select("procedure_code", "procedure_name", "field_name", "received", "received_share",
                                       "resolved").rows(),
              (26, 60, 24, 14, 10, 14), note, percent_columns=frozenset({4})),
    ])


def _counts_table(sheet: str, title: str, frame: pl.DataFrame, name: str, label: str, note: str) -> Table:
    columns = [c for c, _ in COUNT_HEADERS]
    return Table(sheet, title, (label, *(h for _, h in COUNT_HEADERS)), frame.select(name, *columns).rows(),
                 (36, *([13] * len(columns))), note)
