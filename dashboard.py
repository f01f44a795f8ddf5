"""App frame: page config, navigation with every page declared, the shared sidebar."""
import streamlit as st

from etl.units import directory

st.set_page_config(page_title="Bảng điều hành CCHC", page_icon="🏛️", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Tổng quan dữ liệu", icon=":material/dataset:", url_path="tong-quan", default=True),
]

navigation = st.navigation(PAGES)
with st.sidebar:
    st.markdown(f"**Bảng điều hành cải cách hành chính**  \n{directory()['province_name'][0]}")
navigation.run()
