"""UI session: who is viewing (name, role, scope), set once per run by the frame, read by pages."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from queries.filters import Scope

_VIEWER = "_viewer"


@dataclass(frozen=True)
class Viewer:
    username: str
    display_name: str
    role: str
    scope: Scope


def set_viewer(viewer: Viewer) -> None:
    st.session_state[_VIEWER] = viewer


WITHOUT_FRAME = ("Trang này chỉ mở được qua bảng điều hành (đăng nhập, phạm vi đơn vị): chạy `python3 dev.py app` "
                 "rồi mở địa chỉ lệnh đó in ra.")


def current_viewer() -> Viewer:
    """The viewer the frame recorded in this run. A page run without the frame (a page file run on
    its own, or `streamlit run` in Streamlit's legacy pages/ mode — see ui/server.py) shows nothing
    but that message: no viewer, no scope, no data."""
    viewer = st.session_state.get(_VIEWER)
    if viewer is None:
        st.error(WITHOUT_FRAME, icon=":material/block:")
        st.stop()
    return viewer


def current_scope() -> Scope:
    return current_viewer().scope
