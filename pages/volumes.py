"""Page: dossiers received, resolved and in progress (Tiếp nhận & giải quyết) by field, unit,
channel, over time, unit × field, and the busiest procedures."""
import streamlit as st

from core import format as fmt
from queries import reference, volumes
from queries.status import database_summary
from reports.volumes import VolumesReport, volumes_xlsx_bytes
from ui.auth import download
from ui.cache import cached
from ui.data import connection
from ui.layout import open_page, view_context
from ui.volume_charts import (
    channel_chart,
    counts_chart,
    heatmap_chart,
    procedures_chart,
    trend_chart,
)

TOP_UNITS = 20  # the province has about a hundred units: charts show the busiest
TOP_PROCEDURES = 15
DOWNLOAD_PROCEDURES = 100  # the .xlsx lists more procedures than the chart

page = open_page("Tiếp nhận & giải quyết")
con, view, period, filters = page.con, page.view, page.period, page.filters
summary = cached(database_summary, filters.scope)

counted = cached(volumes.cube, filters)  # Form 06 per unit × field × channel: the cards and three charts sum it
total = volumes.totals_of(counted)
if total.height == 0:
    st.info(f"Kỳ đang xem ({period.label()}) không có hồ sơ nào với đơn vị, lĩnh vực đang chọn. Dữ liệu "
            f"hiện có hồ sơ tiếp nhận từ {fmt.day(summary.first_received)} đến {fmt.day(summary.last_received)}: "
            "hãy chọn một kỳ trong khoảng đó ở thanh bên, hoặc bỏ bớt đơn vị, lĩnh vực đang lọc.", icon=":material/info:")
    st.stop()

counts = total.row(0, named=True)
cards = st.columns(5)
cards[0].metric("Tiếp nhận trong kỳ", fmt.number(counts["received"]),
                help="Hồ sơ được tiếp nhận trong kỳ (trực tuyến, trực tiếp và bưu chính).")
cards[1].metric("Kỳ trước chuyển sang", fmt.number(counts["carried_over"]),
                help="Tiếp nhận trước kỳ, chưa giải quyết xong khi kỳ bắt đầu (Biểu số 06).")
cards[2].metric("Đã giải quyết", fmt.number(counts["resolved_total"]),
                help="Có kết quả trong kỳ: trước hạn, đúng hạn và trễ hạn.")
cards[3].metric("Đang giải quyết cuối kỳ", fmt.number(counts["pending_total"]),
                help=f"Chưa có kết quả vào ngày {fmt.day(period.end)}: "
                     f"{fmt.number(counts['pending_within'])} trong hạn, "
                     f"{fmt.number(counts['pending_overdue'])} quá hạn.")
cards[4].metric("Trong đó quá hạn", fmt.number(counts["pending_overdue"]),
                help=f"Chưa có kết quả và đã quá ngày hẹn trả vào ngày {fmt.day(period.end)}.")

grains = list(volumes.GRAINS)
default = grains.index(volumes.grain_for(period))
left, right = st.columns([3, 2], vertical_alignment="bottom")
with left:
    grain = st.radio("Xu hướng theo", grains, index=default, horizontal=True,
                     format_func=lambda g: volumes.GRAINS[g].label)
    trend = cached(volumes.series, filters, grain)
    st.plotly_chart(trend_chart(trend, grain, period.label(), summary.last_received, summary.first_received),
                    width="stretch")
with right:
    channels = volumes.by_channel_of(counted)
    st.plotly_chart(channel_chart(channels), width="stretch")

by_field = volumes.by_field_of(counted, cached(reference.fields, filters.scope))
by_unit = volumes.by_unit_of(counted, cached(reference.units, filters.scope))
left, right = st.columns(2)
with left:
    st.plotly_chart(counts_chart(by_field, "field_name", "Lĩnh vực nào nhận nhiều hồ sơ nhất?",
                                 f"{by_field.height} lĩnh vực, nhiều hồ sơ tiếp nhận nhất ở trên"), width="stretch")
with right:
    shown = by_unit.head(TOP_UNITS)
    note = (f"{shown.height} đơn vị tiếp nhận nhiều nhất trong số {by_unit.height} đơn vị có hồ sơ"
            if by_unit.height > shown.height else f"{by_unit.height} đơn vị, nhiều hồ sơ tiếp nhận nhất ở trên")
    st.plotly_chart(counts_chart(shown, "unit_name", "Đơn vị nào đang giải quyết nhiều hồ sơ nhất?", note),
                    width="stretch")

cells = cached(volumes.matrix, filters, TOP_UNITS)
top = cached(volumes.top_procedures, filters, TOP_PROCEDURES)
if cells.height:
    st.plotly_chart(heatmap_chart(cells), width="stretch")
    st.plotly_chart(procedures_chart(top), width="stretch")
else:
    st.caption("Không có hồ sơ mới tiếp nhận trong kỳ, nên không có bảng đơn vị × lĩnh vực và danh sách thủ tục.")
st.caption("Đang giải quyết: tính theo Biểu số 06 (Thông tư 01/2020/TT-VPCP) vào ngày cuối kỳ; quá hạn là "
           "đã qua ngày hẹn trả mà chưa có kết quả.")


def xlsx() -> bytes:
    """Every field and unit, the channels, the trend and the 100 busiest procedures (made on click)."""
    return volumes_xlsx_bytes(VolumesReport(
        view_context(view), by_field, by_unit, channels, trend,
        volumes.top_procedures(connection(), filters, DOWNLOAD_PROCEDURES), volumes.GRAINS[grain].label))


# The file is made, and the export audited, when the viewer clicks (ui.auth.download).
download("Tải bảng số liệu (.xlsx)", xlsx, f"tiep-nhan-giai-quyet_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
         unit_codes=filters.unit_codes, key="vol_download")
