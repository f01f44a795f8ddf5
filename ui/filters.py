"""UI shared filters: the sidebar (period, units, fields), kept in session state and in the URL.

The frame (dashboard.py) renders the sidebar on every run, so the choices survive switching
pages; they are written to the query string on every run, so a link opens the same view.
URL keys: ky (period kind), tu / den (ISO dates), dv (unit codes), lv (field codes).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

import streamlit as st

from queries.filters import Filters, Scope
from queries.periods import KINDS, Period, last_complete, period_containing
from queries.reference import fields as field_list
from queries.reference import units as unit_list
from ui.cache import cached
from ui.session import WITHOUT_FRAME

HISTORY = {"week": 104, "month": 36, "quarter": 12, "year": 5, "report_month": 36, "report_quarter": 12,
           "report_year": 5}
_STATE = "_view"


@dataclass(frozen=True)
class View:
    period: Period
    filters: Filters
    unit_names: tuple[str, ...]  # empty = every unit in scope
    field_names: tuple[str, ...]

    def unit_label(self) -> str:
        if not self.unit_names:
            scope = self.filters.scope
            return "toàn tỉnh" if scope.unit_codes is None else (scope.label or "các đơn vị được xem")
        return ", ".join(self.unit_names[:3]) + (f" và {len(self.unit_names) - 3} đơn vị khác"
                                                  if len(self.unit_names) > 3 else "")

    def with_period(self, period: Period) -> "View":
        f = self.filters
        return View(period, Filters(f.scope, period.start, period.end, f.unit_codes, f.field_codes, f.as_of),
                    self.unit_names, self.field_names)


def today() -> date:
    """Today, or $CCHC_TODAY (ISO date) to replay a past Monday or to pin tests and demos."""
    pinned = os.environ.get("CCHC_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


def sidebar_view(scope: Scope) -> View:
    """Render the shared filters in the sidebar and return the view they describe."""
    units = cached(unit_list, scope)
    fields = cached(field_list, scope)
    unit_names = dict(zip(units["unit_code"].to_list(), units["unit_name"].to_list()))
    field_names = dict(zip(fields["field_code"].to_list(), fields["field_name"].to_list()))
    if not st.session_state.get("_view_init"):
        _state_from_url(unit_names, field_names)
        st.session_state["_view_init"] = True
    with st.sidebar:
        st.markdown("##### Bộ lọc")
        period = _period_picker()
        chosen_units = st.multiselect("Đơn vị", list(unit_names), format_func=unit_names.get, key="f_units",
                                      placeholder="Toàn tỉnh (gõ để tìm xã, phường, sở…)" if scope.unit_codes is None
                                      else scope.label or "Các đơn vị được xem")
        chosen_fields = st.multiselect("Lĩnh vực", list(field_names), format_func=field_names.get, key="f_fields",
                                       placeholder="Tất cả lĩnh vực")
    view = View(period, Filters(scope, period.start, period.end, frozenset(chosen_units), frozenset(chosen_fields),
                                as_of=today()),
                tuple(unit_names[c] for c in chosen_units), tuple(field_names[c] for c in chosen_fields))
    _state_to_url(view)
    st.session_state[_STATE] = view
    return view


def keep_alive() -> None:
    """Keep filter choices while a page without the sidebar filters is shown; forget the view,
    so that a page reading it without the sidebar having run fails loudly, not with stale data."""
    st.session_state.pop(_STATE, None)
    for key in ("f_kind", "f_period", "f_range", "f_units", "f_fields"):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current_view() -> View:
    """The view the sidebar set up in this run (pages call this); without the frame, only a message."""
    view = st.session_state.get(_STATE)
    if view is None:
        st.error(WITHOUT_FRAME, icon=":material/block:")
        st.stop()
    return view


def _period_picker() -> Period:
    kind = st.selectbox("Kỳ", list(KINDS), format_func=KINDS.get, key="f_kind")
    if kind == "custom":
        default = last_complete("week", today())
        if not isinstance(st.session_state.get("f_range"), (tuple, list)):
            st.session_state["f_range"] = (default.start, default.end)
        picked = st.date_input("Từ ngày – đến ngày", key="f_range", format="DD/MM/YYYY")
        start, end = (picked[0], picked[-1]) if isinstance(picked, (tuple, list)) and picked else (default.start, default.end)
        return Period("custom", start, end)
    options = _recent_periods(kind)
    by_start = {p.start.isoformat(): p for p in options}
    if st.session_state.get("f_period") not in by_start:
        st.session_state["f_period"] = last_complete(kind, today()).start.isoformat()
    chosen = st.selectbox("Chọn kỳ", list(by_start), key="f_period", format_func=lambda s: _label(by_start[s]))
    return by_start[chosen]


def _label(period: Period) -> str:
    return period.label() + (" (đang diễn ra)" if period.end >= today() else "")


def _recent_periods(kind: str) -> list[Period]:
    current = period_containing(kind, today())
    periods = [current]
    for _ in range(HISTORY[kind] - 1):
        periods.append(periods[-1].previous())
    return periods


def _state_from_url(unit_names: dict, field_names: dict) -> None:
    params = st.query_params
    kind = params.get("ky")
    if kind in KINDS:
        st.session_state["f_kind"] = kind
        start, end = _iso(params.get("tu")), _iso(params.get("den"))
        if kind == "custom" and start and end and start <= end:
            st.session_state["f_range"] = (start, end)
        elif start:
            st.session_state["f_period"] = period_containing(kind, start).start.isoformat()
    else:
        st.session_state.setdefault("f_kind", "week")
    # Codes outside the viewer's scope are dropped here; the query layer enforces scope anyway.
    st.session_state["f_units"] = [c for c in _codes(params.get("dv")) if c in unit_names]
    st.session_state["f_fields"] = [c for c in _codes(params.get("lv")) if c in field_names]


def _url_params(view: View) -> dict[str, str]:
    params = {"ky": view.period.kind, "tu": view.period.start.isoformat(), "den": view.period.end.isoformat()}
    if view.filters.unit_codes:
        params["dv"] = ",".join(sorted(view.filters.unit_codes))
    if view.filters.field_codes:
        params["lv"] = ",".join(sorted(view.filters.field_codes))
    return params


# URL keys a page owns, kept when the shared filters rewrite the URL (hs: late page, dossier code).
PAGE_KEYS = ("hs",)


def _state_to_url(view: View) -> None:
    wanted = _url_params(view)
    wanted.update({k: st.query_params[k] for k in PAGE_KEYS if k in st.query_params})
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def _iso(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def go_to(page_file: str, view: View, **overrides: str) -> NoReturn:
    """Open another page in this tab and this session — no second sign-in — with this view's filters
    plus `overrides` (dv=…, hs=…) in its URL, as a link in a table would. (A LinkColumn of
    st.dataframe always opens a new tab, and a new tab is a new session.) The next run reads the
    filters from that URL, as a link opened afresh would."""
    st.session_state.pop("_view_init", None)
    st.switch_page(page_file, query_params={**_url_params(view), **overrides})


def clicked_row(key: str) -> int | None:
    """The row whose ButtonColumn button (column_config key `key`) was clicked in this run, if any:
    its position in the frame given to st.dataframe, whatever sort the viewer applied."""
    click = st.session_state.get(key)
    return click["row"] if click else None
