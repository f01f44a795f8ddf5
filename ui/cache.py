"""UI query cache: runs a query-layer function once per (data version, arguments)."""
from __future__ import annotations

import importlib
from typing import Any, Callable

import streamlit as st

from queries.filters import Filters
from ui.data import connection, data_version, period_version

# Figures read only from dossiers with a day on or before the period's end and from the reference
# tables: a load whose dossier versions all lie after that end leaves them as they were, so they
# stay cached across it (ui.data.period_version). Every other figure follows the file's version.
# tests/test_cache.py checks each against a load of later dossiers.
UNTIL_PERIOD_END = frozenset({
    "queries.form06:form06", "queries.volumes:cube", "queries.volumes:series", "queries.volumes:matrix",
    "queries.volumes:top_procedures",
})


def cached(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(con, *args) through st.cache_data; a new load (new file version) misses the cache, but
    for the figures of UNTIL_PERIOD_END only when it touched a day up to their period's end.

    The arguments are frozen dataclasses and plain values, so they hash by content.
    """
    target = f"{fn.__module__}:{fn.__qualname__}"
    return _run(target, version_for(target, args), args)


def version_for(target: str, args: tuple) -> Any:
    ends = [a.end for a in args if isinstance(a, Filters)]
    if target in UNTIL_PERIOD_END and ends:
        return period_version(max(ends))
    return data_version()


@st.cache_data(max_entries=512, show_spinner=False)
def _run(target: str, version_key: Any, args: tuple) -> Any:
    module, name = target.split(":")
    fn = getattr(importlib.import_module(module), name)
    return fn(connection(), *args)
