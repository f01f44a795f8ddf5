"""App frame: page config, navigation with every page declared, the shared sidebar."""
from dataclasses import dataclass

import streamlit as st

from core.units import directory
from ui.auth import account_box, forbidden, may_open, refuse, sign_in
from ui.data import connection
from ui.filters import keep_alive, sidebar_view
from ui.widget_texts import vietnamese_widget_texts

st.set_page_config(page_title="Bảng điều hành CCHC", page_icon=":material/account_balance:", layout="wide")
vietnamese_widget_texts()  # st.file_uploader's own English texts, in Vietnamese


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
    PageSpec("pages/late.py", "Trễ hạn", ":material/running_with_errors:", "tre-han", "Điều hành", True),
    PageSpec("pages/satisfaction.py", "Mức độ hài lòng", ":material/sentiment_satisfied:", "hai-long", "Điều hành",
             True),
    PageSpec("pages/form06.py", "Biểu số 06", ":material/table_view:", "bieu-06", "Báo cáo", True),
    PageSpec("pages/plan.py", "Kế hoạch CCHC", ":material/checklist:", "ke-hoach", "Báo cáo", False),
    PageSpec("pages/ranking.py", "Xếp hạng thi đua", ":material/emoji_events:", "xep-hang", "Báo cáo", False),
    PageSpec("pages/home.py", "Tổng quan dữ liệu", ":material/dataset:", "tong-quan", "Dữ liệu", False),
    PageSpec("pages/data_desk.py", "Dữ liệu", ":material/upload_file:", "du-lieu", "Dữ liệu", False),
    PageSpec("pages/admin.py", "Quản trị", ":material/admin_panel_settings:", "quan-tri", "Dữ liệu", False),
)

# Who is viewing (signed in, or the local viewer when no sign-in is configured); without a
# signed-in user this shows the sign-in page and stops. Pages a role may open: access/roles.toml.
viewer = sign_in(spec.url_path for spec in PAGES)
allowed = [spec for spec in PAGES if may_open(viewer, spec.url_path)]
if not allowed:
    refuse("Vai trò của bạn chưa được mở trang nào. Liên hệ quản trị dữ liệu.")
pages = {spec.title: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                             default=(spec is allowed[0])) for spec in allowed}
menu: dict[str, list] = {}
for spec in allowed:
    menu.setdefault(spec.section, []).append(pages[spec.title])
for spec in PAGES:  # a link to a page outside the role says so (hidden from the menu)
    if spec not in allowed:
        menu.setdefault("", []).append(forbidden(spec.title, spec.url_path))
navigation = st.navigation(menu)
filtered = {spec.title for spec in allowed if spec.filtered}

with st.sidebar:
    st.markdown(f"**Bảng điều hành cải cách hành chính**  \n{directory()['province_name'][0]}")
    account_box(viewer)
con = connection()
scope = viewer.scope
if con is not None and navigation.title in filtered:
    sidebar_view(scope)
else:
    keep_alive()
navigation.run()
