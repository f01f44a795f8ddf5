"""App frame: page config, navigation with every page declared, the shared sidebar."""
from dataclasses import dataclass

import streamlit as st

from etl.config import settings
from etl.units import directory
from queries.filters import Scope
from ui.data import connection
from ui.filters import keep_alive, sidebar_view
from ui.session import Viewer, set_viewer

st.set_page_config(page_title="Bảng điều hành CCHC", page_icon="🏛️", layout="wide")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    url_path: str
    section: str
    filtered: bool  # reads the shared sidebar filters (period, units, fields)


# Every page of the app, in menu order. The first one is the landing page.
PAGES = (
    PageSpec("pages/briefing.py", "Giao ban tuần", ":material/campaign:", "giao-ban", "Điều hành", True),
    PageSpec("pages/volumes.py", "Tiếp nhận & giải quyết", ":material/bar_chart:", "tiep-nhan-giai-quyet",
             "Điều hành", True),
    PageSpec("pages/form06.py", "Biểu số 06", ":material/table_view:", "bieu-06", "Báo cáo", True),
    PageSpec("pages/home.py", "Tổng quan dữ liệu", ":material/dataset:", "tong-quan", "Dữ liệu", False),
)

pages = {spec.title: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                             default=(spec is PAGES[0])) for spec in PAGES}
menu: dict[str, list] = {}
for spec in PAGES:
    menu.setdefault(spec.section, []).append(pages[spec.title])
navigation = st.navigation(menu)
filtered = {spec.title for spec in PAGES if spec.filtered}

with st.sidebar:
    st.markdown(f"**Bảng điều hành cải cách hành chính**  \n{directory()['province_name'][0]}")
con = connection()
# Access control (roles, scopes) arrives with its own issue; until then the local viewer sees
# the whole province, personal data masked unless settings.toml [privacy] says otherwise.
scope = Scope.province(personal_data=settings()["privacy"]["show_personal_data"])
set_viewer(Viewer("local", "Người dùng trên máy này", "local", scope))
if con is not None and navigation.title in filtered:
    sidebar_view(scope)
else:
    keep_alive()
navigation.run()
