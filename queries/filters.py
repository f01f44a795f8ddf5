"""Query layer filters: the frozen scope and filter objects every query function takes."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date


@dataclass(frozen=True)
class Scope:
    """The units a viewer may see. There is no default: every query needs one, explicitly.

    `unit_codes=None` is province-wide (all units), granted only by `Scope.province()`.
    """

    unit_codes: frozenset[str] | None
    label: str = ""
    # May this viewer read applicants' names, phones, addresses and ID numbers unmasked?
    # Query functions that return personal data mask it in SQL unless this is True.
    personal_data: bool = False
    # A rank means something only within a whole group, so rankings (emulation, late rate,
    # satisfaction) are computed over every unit of the group whatever the scope. May this viewer
    # read the other units' names and figures in them (access/roles.toml `see_peers`)? Without it a
    # ranking returns only the viewer's own units by name, plus anonymous aggregates of the group
    # (rank, group size, median, best, distribution). A province-wide scope sees every unit anyway.
    peer_names: bool = False

    @classmethod
    def province(cls, personal_data: bool = False) -> "Scope":
        return cls(None, "Toàn tỉnh", personal_data, True)

    @classmethod
    def units(cls, codes, personal_data: bool = False, peer_names: bool = False) -> "Scope":
        return cls(frozenset(codes), "", personal_data, peer_names)

    @property
    def sees_peers(self) -> bool:
        """Rankings may show this viewer every unit of the group by name."""
        return self.unit_codes is None or self.peer_names

    def params(self) -> dict:
        """Bound parameters of SCOPE_SQL."""
        return {"scope_all": self.unit_codes is None, "scope_units": sorted(self.unit_codes or [])}

    def allows(self, unit_code: str) -> bool:
        return self.unit_codes is None or unit_code in self.unit_codes


@dataclass(frozen=True)
class Filters:
    """What the viewer selected, always within `scope`."""

    scope: Scope
    start: date
    end: date  # inclusive
    unit_codes: frozenset[str] = field(default_factory=frozenset)  # empty = every unit in scope
    field_codes: frozenset[str] = field(default_factory=frozenset)  # empty = every field
    # "Today" for a period still running: in progress is judged overdue against the earlier of
    # the period end and this date, not against an end that has not come yet. None = period end.
    as_of: date | None = None

    def __post_init__(self):
        if not isinstance(self.scope, Scope):
            raise TypeError("Filters needs a Scope")
        if self.end < self.start:
            raise ValueError("end before start")

    def params(self) -> dict:
        """Bound parameters for the standard WHERE fragment (see `where_clause`)."""
        return {
            **self.scope.params(),
            "sel_units": sorted(self.unit_codes),
            "sel_fields": sorted(self.field_codes),
            "start": self.start,
            "end": self.end,
            "cut": min(self.end, self.as_of) if self.as_of else self.end,
        }


    def group(self) -> "Filters":
        """The same period and fields over every unit of the province: the group a ranking is computed
        in. Only for rankings, which then cut their result to `visible_params` (see queries/standing.py)."""
        return replace(self, scope=Scope.province(), unit_codes=frozenset())

    def visible_params(self) -> dict:
        """Bound parameters of VISIBLE_SQL: which units of a group-wide ranking this viewer reads by name."""
        return {"peers": self.scope.sees_peers, "view_all": self.scope.unit_codes is None,
                "view_units": sorted(self.scope.unit_codes or []), "view_sel": sorted(self.unit_codes)}


# The one place a viewer's scope is applied to dossier rows (alias d). Values are bound.
SCOPE_SQL = "($scope_all OR list_contains($scope_units::VARCHAR[], d.unit_code))"
# The rows of a group-wide ranking the viewer may read by name ({col}: the unit code column): his
# scope (or every unit, when he may see peers), narrowed to his unit selection. Values are bound.
VISIBLE_SQL = ("(($peers OR $view_all OR list_contains($view_units::VARCHAR[], {col}))"
               " AND (len($view_sel::VARCHAR[]) = 0 OR list_contains($view_sel::VARCHAR[], {col})))")
SELECTION_SQL = (
    "(len($sel_units::VARCHAR[]) = 0 OR list_contains($sel_units::VARCHAR[], d.unit_code))"
    " AND (len($sel_fields::VARCHAR[]) = 0 OR list_contains($sel_fields::VARCHAR[], d.field_code))"
)
