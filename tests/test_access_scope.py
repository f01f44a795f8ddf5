"""Scope is enforced in the query layer: every query function takes a Filters or a Scope, and a
viewer scoped to unit A who selects unit B (URL ?dv=B, a crafted Filters) gets nothing from B."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

import queries
from queries.filters import SCOPE_SQL, SELECTION_SQL, Filters, Scope

# Modules of queries/ that run no query of their own: the executor helpers (frame, one_row …) and
# the filter / period value objects. Every other module's public functions are checked.
EXEMPT_MODULES = {"queries.connection", "queries.filters", "queries.periods"}


def query_modules() -> list[str]:
    """Every module of queries/ and of scoring/ (the ranking runs its own queries)."""
    import scoring

    names = [f"queries.{m.name}" for m in pkgutil.iter_modules(queries.__path__)]
    names += [f"scoring.{m.name}" for m in pkgutil.iter_modules(scoring.__path__)]
    return sorted(n for n in names if n not in EXEMPT_MODULES)


def public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("_") and fn.__module__ == module_name:
            yield name, fn


def takes_connection(fn) -> bool:
    params = list(inspect.signature(fn).parameters.values())
    return bool(params) and (params[0].name == "con" or "DuckDBPyConnection" in str(params[0].annotation))


def annotation_name(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))


def test_query_modules_are_found():
    # Guard against the introspection silently checking nothing.
    assert {"queries.briefing", "queries.dossiers", "queries.status", "queries.reference"} <= set(query_modules())


@pytest.mark.parametrize("module_name", query_modules())
def test_every_query_function_takes_a_filters_or_scope_second(module_name):
    offenders = []
    for name, fn in public_functions(module_name):
        if not takes_connection(fn):
            continue  # pure helpers (period arithmetic, settings, SQL fragments) query nothing
        params = list(inspect.signature(fn).parameters.values())
        if len(params) < 2 or annotation_name(params[1]) not in ("Filters", "Scope"):
            offenders.append(f"{module_name}.{name}{inspect.signature(fn)}")
    assert not offenders, ("these query functions must take `filters: Filters` or `scope: Scope` as their second "
                           "parameter and apply SCOPE_SQL: " + "; ".join(offenders))


@pytest.mark.parametrize("module_name", query_modules())
def test_a_function_taking_a_connection_cannot_be_called_without_a_scope(module_name):
    # No default for the scope argument: forgetting it is a TypeError, never the whole province.
    for name, fn in public_functions(module_name):
        if takes_connection(fn):
            second = list(inspect.signature(fn).parameters.values())[1]
            assert second.default is inspect.Parameter.empty, f"{module_name}.{name}: scope has a default"


def test_selection_is_always_anded_with_the_scope_in_the_sql_text():
    # Wherever a query applies the unit selection, the scope is applied in the same WHERE clause.
    root = Path(queries.__file__).parent
    sources = [(p, "{SELECTION_SQL}", "{SCOPE_SQL}") for p in root.glob("*.py")]
    sources += [(p, "{selection_sql}", "{scope_sql}") for p in root.glob("sql/*.sql")]
    checked = 0
    for path, selection, scope in sources:
        text = path.read_text(encoding="utf-8")
        start = text.find(selection)
        while start != -1:
            assert scope in text[max(0, start - 200):start], f"{path.name}: selection without scope near {start}"
            checked += 1
            start = text.find(selection, start + 1)
    assert checked >= 5


def test_scope_and_selection_fragments_are_separate_conditions():
    # The unit selection narrows within the scope; it is never an alternative to it (ANDed in SQL).
    assert "$scope_units" in SCOPE_SQL and "$scope_all" in SCOPE_SQL
    assert "$sel_units" in SELECTION_SQL and "scope" not in SELECTION_SQL
    with duckdb.connect() as con:
        con.execute("CREATE TABLE d AS SELECT * FROM (VALUES ('A', 'F'), ('B', 'F')) t(unit_code, field_code)")
        sql = f"SELECT d.unit_code FROM d WHERE {SCOPE_SQL} AND {SELECTION_SQL} ORDER BY 1"
        scoped = Filters(Scope.units({"A"}), date(2026, 1, 1), date(2026, 1, 31), frozenset({"B"}))
        params = {k: v for k, v in scoped.params().items() if f"${k}" in sql}
        assert con.execute(sql, params).fetchall() == []
        own = Filters(Scope.units({"A"}), date(2026, 1, 1), date(2026, 1, 31), frozenset({"A", "B"}))
        params = {k: v for k, v in own.params().items() if f"${k}" in sql}
        assert con.execute(sql, params).fetchall() == [("A",)]


# --- behaviour on the demo province ---------------------------------------------------------------

START, END, AS_OF = date(2026, 8, 15), date(2026, 11, 14), date(2026, 11, 21)


def weight(result) -> int:
    """How much a result holds: rows × their counts for frames, the counts of a dataclass."""
    if isinstance(result, (int, float)):
        return int(result)
    if isinstance(result, pl.DataFrame):
        if result.height == 0:
            return 0
        numeric = [c for c, t in result.schema.items() if t.is_integer()]
        if not numeric:
            return result.height
        # Rows with a non-zero count (a series or a form keeps zero rows), and the counts themselves.
        nonzero = result.filter(pl.any_horizontal(pl.col(c).fill_null(0) != 0 for c in numeric)).height
        return nonzero + sum(int(result[c].fill_null(0).abs().sum()) for c in numeric)
    if hasattr(result, "rows") and isinstance(result.rows, pl.DataFrame):
        return weight(result.rows.drop("grouping_id", strict=False))
    if is_dataclass(result):
        return sum(int(getattr(result, f.name)) for f in fields(result)
                   if isinstance(getattr(result, f.name), int) and not isinstance(getattr(result, f.name), bool))
    raise TypeError(type(result))


def calls():
    """(label, call(con, filters)) for the figures, lists and exports of the pages."""
    from queries import briefing, dossiers, form06, volumes

    table = [
        ("dossiers.period_counts", lambda c, f: dossiers.period_counts(c, f, by="unit")),
        ("briefing.kpis", briefing.kpis),
        ("volumes.totals", volumes.totals),
        ("volumes.by_unit", volumes.by_unit),
        ("volumes.by_field", volumes.by_field),
        ("volumes.series", lambda c, f: volumes.series(c, f, "week")),
        ("volumes.top_procedures", volumes.top_procedures),
        ("form06.form06", form06.form06),
    ]
    from queries import late, satisfaction

    table += [("satisfaction.by_unit", satisfaction.by_unit), ("satisfaction.by_field", satisfaction.by_field),
              ("late.summary", late.summary),
              ("late.units_to_act_on", late.units_to_act_on),
              ("late.who_holds", lambda c, f: late.who_holds(c, f, "overdue")),
              ("late.late_list", lambda c, f: late.late_list(c, f, "late")),
              ("late.late_count", lambda c, f: late.late_count(c, f, "late"))]
    return table


@pytest.fixture(scope="module")
def demo(demo_db):
    from queries.connection import open_database

    con = open_database(demo_db)
    # B: the commune with most dossiers overdue now (so every figure has something of B to leak);
    # A: the busiest other commune.
    [(b,)] = con.execute(
        "SELECT d.unit_code FROM dossiers d JOIN units u USING (unit_code) WHERE u.unit_level = 'xa' "
        "AND NOT d.is_resolved AND d.status_code NOT IN (1, 3, 7, 8) AND d.due_date < $t "
        "AND d.received_date BETWEEN $s AND $e GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1",
        {"s": START, "e": END, "t": AS_OF}).fetchall()
    [(a,)] = con.execute(
        "SELECT d.unit_code FROM dossiers d JOIN units u USING (unit_code) WHERE u.unit_level = 'xa' "
        "AND d.unit_code <> $b AND d.received_date BETWEEN $s AND $e GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1",
        {"s": START, "e": END, "b": b}).fetchall()
    yield con, a, b
    con.close()


@pytest.mark.parametrize("label,call", calls(), ids=[label for label, _ in calls()])
def test_viewer_of_a_asking_for_b_gets_nothing(demo, label, call):
    con, a, b = demo
    crafted = Filters(Scope.units({a}), START, END, frozenset({b}), as_of=AS_OF)  # ?dv=B from a viewer of A
    assert weight(call(con, crafted)) == 0, f"{label} leaked unit {b} to a viewer of unit {a}"
    # The same call for a viewer of B does return B's data, so the zero above means something.
    assert weight(call(con, Filters(Scope.units({b}), START, END, frozenset({b}), as_of=AS_OF))) > 0


@pytest.mark.parametrize("label,call", calls(), ids=[label for label, _ in calls()])
def test_viewer_of_a_sees_only_a(demo, label, call):
    con, a, b = demo
    mine = call(con, Filters(Scope.units({a}), START, END, as_of=AS_OF))
    if isinstance(mine, pl.DataFrame) and "unit_code" in mine.columns:
        assert set(mine["unit_code"].drop_nulls().to_list()) <= {a}
    both = call(con, Filters(Scope.units({a, b}), START, END, as_of=AS_OF))
    assert weight(mine) <= weight(both)


def scope_calls():
    """Functions that take only a Scope (no unit selection): what they return is the viewer's own."""
    from queries import reference, status

    return [
        ("reference.units", reference.units),
        ("reference.fields", reference.fields),
        ("status.database_summary", status.database_summary),
        ("status.unit_counts", lambda c, s: status.unit_counts(c, s, AS_OF)),
        ("status.weekly_volume", status.weekly_volume),
        ("status.load_history", lambda c, s: status.load_history(c, s, 1000)),
    ]


@pytest.mark.parametrize("label,call", scope_calls(), ids=[label for label, _ in scope_calls()])
def test_scope_only_functions_return_the_viewers_units(demo, label, call):
    con, a, b = demo
    mine, both = call(con, Scope.units({a})), call(con, Scope.units({a, b}))
    for frame in (mine,) if isinstance(mine, pl.DataFrame) else ():
        if "unit_code" in frame.columns:
            assert set(frame["unit_code"].drop_nulls().to_list()) <= {a}
    assert 0 < weight(mine) <= weight(both)
    # A scope of a unit with no data at all gets nothing, not the province.
    nothing = call(con, Scope.units({"KHONG-CO"}))
    assert weight(nothing) == 0 or (isinstance(nothing, pl.DataFrame) and "dossiers" in nothing.columns
                                    and nothing.height == 0)


def test_summary_counts_only_the_viewers_dossiers(demo):
    from queries.status import database_summary

    con, a, _ = demo
    [(own,)] = con.execute("SELECT count(*) FROM dossiers WHERE unit_code = $a", {"a": a}).fetchall()
    assert database_summary(con, Scope.units({a})).dossiers == own
    assert database_summary(con, Scope.units({a})).units_with_data == 1
