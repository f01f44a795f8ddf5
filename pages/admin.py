"""Page: administration (Quản trị) — the accounts and the access audit log, filterable and exportable."""
from datetime import date, datetime, time, timedelta

import streamlit as st

from access import audit as audit_log
from access.config import audit_path, mode, users_path
from access.users import load_users
from core import format as fmt
from core.units import directory
from reports.audit import audit_csv_bytes, audit_rows, audit_xlsx_bytes
from ui.admin_view import account_forms, audit_table, role_labels, users_table
from ui.auth import download, may, refuse
from ui.session import current_viewer

viewer = current_viewer()
if not may(viewer, "manage_users"):
    refuse("Trang Quản trị chỉ dành cho quản trị dữ liệu.")

st.title("Quản trị")
units = directory()
unit_names = dict(zip(units["unit_code"].to_list(), units["unit_name"].to_list()))

st.subheader("Tài khoản")
modes = {"local": "chưa cấu hình đăng nhập (chỉ dùng trên máy này)",
         "accounts": "tài khoản cục bộ có mật khẩu", "oidc": "hệ thống xác thực của cơ quan (OIDC) và tệp tài khoản"}
st.caption(f"Cách đăng nhập: {modes[mode()]}. Tệp tài khoản: `{users_path()}`. Thêm, khóa, mở lại, đặt lại mật "
           "khẩu ở đây hoặc trên máy chủ: `python -m access add|disable|enable|reset|list` (xem README). Mọi thay "
           "đổi được ghi vào nhật ký truy cập.")
users_table(load_users(users_path()), unit_names)
account_forms(users_path(), viewer, unit_names)

st.subheader("Nhật ký truy cập")
st.caption(f"Chỉ ghi thêm, không sửa, không xóa. Tệp: `{audit_path()}`.")
left, middle, right = st.columns([2, 2, 3])
default = (date.today() - timedelta(days=6), date.today())  # the real date: CCHC_TODAY only replays data
picked = left.date_input("Từ ngày – đến ngày", value=default, format="DD/MM/YYYY", key="adm_range")
start, end = (picked[0], picked[-1]) if isinstance(picked, (tuple, list)) and picked else default
who = middle.selectbox("Người dùng", [None, *audit_log.usernames()], key="adm_user",
                       format_func=lambda u: "Tất cả" if u is None else u)
labels = audit_log.ACTIONS
actions = right.multiselect("Hoạt động", list(labels), format_func=labels.get, key="adm_actions",
                            placeholder="Tất cả hoạt động")
log = audit_log.entries(datetime.combine(start, time.min), datetime.combine(end, time.max), who, actions)
rows = audit_rows(log, labels, role_labels(), unit_names)
if not rows:
    st.info(f"Không có hoạt động nào từ {start:%d/%m/%Y} đến {end:%d/%m/%Y} với bộ lọc đang chọn. "
            "Hãy mở rộng khoảng ngày hoặc bỏ bớt người dùng, hoạt động.", icon=":material/info:")
    st.stop()
st.caption(f"{fmt.number(len(rows))} dòng, mới nhất ở trên." if len(rows) < 5000 else
           "5.000 dòng mới nhất: hãy thu hẹp khoảng ngày để xem các dòng cũ hơn.")
audit_table(rows)
name = f"nhat_ky_truy_cap_{start:%Y%m%d}_{end:%Y%m%d}"
title = f"Nhật ký truy cập bảng điều hành CCHC từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
with st.container(horizontal=True):
    download("Tải Excel (.xlsx)", lambda: audit_xlsx_bytes(rows, title), f"{name}.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
             type="primary")
    download("Tải CSV", lambda: audit_csv_bytes(rows), f"{name}.csv", "text/csv", icon=":material/download:")
