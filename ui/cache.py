"""UI query cache: runs a query-layer function once per (data version, arguments)."""
from __future__ import annotations

import importlib
from typing import Any, Callable

import streamlit as st

from ui.data import connection, data_version


def cached(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(con, *args) through st.cache_data; a new load (new file version) misses the cache.

    The arguments are frozen dataclasses and plain values, so they hash by content.
    """
    return _run(f"{fn.__module__}:{fn.__qualname__}", data_version(), args)


@st.cache_data(max_entries=512, show_spinner=False)
def _run(target: str, version_key: Any, args: tuple) -> Any:
    module, name = target.split(":")
    fn = getattr(importlib.import_module(module), name)
    return fn(connection(), *args)
