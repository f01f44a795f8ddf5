"""Page: the official report form Biểu số 06 for the selected period and units, with downloads."""
import streamlit as st

from queries.form06 import form06
from reports.form06 import form06_csv_bytes, form06_xlsx_bytes
from ui.auth import download
from ui.cache import cached
from ui.form06_view import form06_html, unbalanced_names
from ui.layout import open_page

page = open_page("Biểu số 06 – Tình hình, kết quả giải quyết TTHC", all_fields="",
                 caption=lambda v: f"Theo Thông tư 01/2020/TT-VPCP · Từ ngày {v.period.start:%d/%m/%Y} đến ngày "
                                   f"{v.period.end:%d/%m/%Y}")
con, view = page.con, page.view
if view.period.kind not in ("report_month", "report_quarter", "report_year", "custom"):
    st.caption("Gợi ý: báo cáo định kỳ chốt số liệu ngày 14 (Nghị định 09/2019/NĐ-CP); chọn «Kỳ báo cáo …» ở thanh bên.")

report = cached(form06, view.filters)
if report.rows.height == 0:
    st.info("Không có hồ sơ nào trong kỳ với bộ lọc đang chọn. Hãy chọn kỳ khác hoặc bỏ bớt đơn vị, lĩnh vực.",
            icon=":material/info:")
    st.stop()

bad = unbalanced_names(report)
if bad:
    st.warning("Số liệu không cân đối (nhận giải quyết ≠ đã giải quyết + đang giải quyết + rút/dừng/không tiếp "
               f"nhận) ở: {', '.join(bad)}. Kiểm tra dữ liệu của đơn vị (ngày có kết quả trước ngày tiếp nhận…).",
               icon=":material/warning:")
else:
    st.caption("Các cột cộng đúng và cân đối ở mọi dòng: nhận giải quyết (3) = đã giải quyết (7) + đang giải quyết "
               "(11) + rút, dừng xử lý, không tiếp nhận (14). Cột (14) không thuộc biểu, đặt bên cạnh để kiểm tra.")

name = f"bieu06_{view.period.start:%Y%m%d}_{view.period.end:%Y%m%d}"
left, right, _ = st.columns([1, 1, 3])
with left:  # the file is made, and the export audited, when the viewer clicks
    download("Tải Excel (.xlsx)", lambda: form06_xlsx_bytes(report), f"{name}.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
             type="primary", unit_codes=view.filters.unit_codes)
with right:
    download("Tải CSV", lambda: form06_csv_bytes(report), f"{name}.csv", "text/csv", icon=":material/download:",
             unit_codes=view.filters.unit_codes)
st.html(form06_html(report))
