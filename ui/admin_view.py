"""UI admin tables: accounts (never their password hashes) and the audit log, in Vietnamese."""
from __future__ import annotations

import polars as pl
import streamlit as st

from access.roles import roles
from access.users import User
from reports.audit import HEADERS


def role_labels() -> dict[str, str]:
    return {name: spec.label for name, spec in roles().items()} | {"local": "Máy cục bộ", "cli": "Dòng lệnh"}


def users_table(users: dict[str, User], unit_names: dict[str, str]) -> None:
    if not users:
        st.info("Chưa có tài khoản nào. Tạo trên máy chủ bằng lệnh "
                "`python -m access add TÊN --name \"Họ tên\" --role VAI_TRÒ --unit MÃ_ĐƠN_VỊ`.", icon="ℹ️")
        return
    labels = role_labels()
    rows = [{
        "Tên đăng nhập": u.username,
        "Họ tên": u.display_name,
        "Vai trò": labels.get(u.role, f"{u.role} (không có trong cấu hình)"),
        "Đơn vị": ", ".join(unit_names.get(c, c) for c in u.unit_codes) or "Toàn tỉnh",
        "Cách đăng nhập": f"Tài khoản cơ quan ({u.email})" if u.kind == "oidc" else "Mật khẩu",
        "Trạng thái": "Đã khóa" if u.disabled else "Hoạt động",
        "Tạo lúc": _when(u.created_at),
        "Sửa lúc": _when(u.updated_at),
    } for u in sorted(users.values(), key=lambda u: u.username)]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")


def _when(stamp: str) -> str:
    """'2026-11-22T17:09:09' → '17:09 22/11/2026'."""
    if len(stamp) < 16:
        return stamp
    return f"{stamp[11:16]} {stamp[8:10]}/{stamp[5:7]}/{stamp[:4]}"


def audit_table(rows: list[tuple]) -> None:
    st.dataframe(pl.DataFrame(rows, schema=list(HEADERS), orient="row"),
                 hide_index=True, width="stretch", height=min(560, 38 + 35 * len(rows)),
                 column_config={"Chi tiết": st.column_config.TextColumn(width="large")})
