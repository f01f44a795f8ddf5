"""Page: the data desk (Dữ liệu) for the staff who feed the data in: upload exports, load history,
rejected rows to send back to units, and data-quality flags that explain odd numbers."""
import streamlit as st

from ui import data_desk_view as desk
from ui.data import connection
from ui.session import current_viewer

viewer = current_viewer()
st.title("Dữ liệu")
st.caption("Nạp tệp xuất từ phần mềm một cửa, xem lịch sử nạp và các dòng bị loại, soát dấu hiệu dữ liệu bất "
           "thường theo đơn vị.")

upload, history, rejected, quality = st.tabs(["Nạp tệp", "Lịch sử nạp", "Dòng bị loại", "Chất lượng dữ liệu"])
with upload:
    desk.upload_tab(viewer)
con = connection()  # after the upload tab: a load just published is read here
for tab, draw in ((history, desk.history_tab), (rejected, desk.rejects_tab), (quality, desk.quality_tab)):
    with tab:
        if con is None:
            desk.no_database()
        else:
            draw(viewer.scope)
