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


def current_viewer() -> Viewer:
    """The viewer the frame recorded in this run; a page run without the frame fails loudly."""
    return st.session_state[_VIEWER]


def current_scope() -> Scope:
    return current_viewer().scope
