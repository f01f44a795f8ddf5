"""App frame: page config, navigation with every page declared, the shared sidebar."""
import streamlit as st

from etl.units import directory
from queries.filters import Scope
from ui.data import connection
from ui.filters import keep_alive, sidebar_view

st.set_page_config(page_title="Bảng điều hành CCHC", page_icon="🏛️", layout="wide")

BRIEFING = st.Page("pages/briefing.py", title="Giao ban tuần", icon=":material/campaign:", url_path="giao-ban",
                   default=True)
VOLUMES = st.Page("pages/volumes.py", title="Tiếp nhận & giải quyết", icon=":material/bar_chart:",
                  url_path="tiep-nhan-giai-quyet")
FORM06 = st.Page("pages/form06.py", title="Biểu số 06", icon=":material/table_view:", url_path="bieu-06")
HOME = st.Page("pages/home.py", title="Tổng quan dữ liệu", icon=":material/dataset:", url_path="tong-quan")
FILTERED = {BRIEFING.title, VOLUMES.title, FORM06.title}  # pages that read the shared sidebar filters

navigation = st.navigation({"Điều hành": [BRIEFING, VOLUMES], "Báo cáo": [FORM06], "Dữ liệu": [HOME]})
with st.sidebar:
    st.markdown(f"**Bảng điều hành cải cách hành chính**  \n{directory()['province_name'][0]}")
con = connection()
scope = Scope.province()  # access control (roles, scopes) arrives with its own issue
if con is not None and navigation.title in FILTERED:
    sidebar_view(scope)
else:
    keep_alive()
navigation.run()
