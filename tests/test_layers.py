"""The layers import downwards only: core/ is the bottom and imports no other package of the project;
queries/, scoring/, access/ and reports/ depend on core/, never on etl/ (the pipeline) or ui/ (Streamlit).
Read from the source (every import statement, top level or inside a function)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"core", "etl", "queries", "ui", "scoring", "access", "reports", "pages"}
FORBIDDEN = {
    "core": PROJECT - {"core"},
    "queries": {"etl", "ui", "pages", "scoring", "reports", "access"},
    "scoring": {"etl", "ui", "pages", "reports", "access"},
    "access": {"etl", "ui", "pages", "scoring", "reports"},
    "reports": {"etl", "ui", "pages", "access"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & PROJECT


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_never_imports_a_layer_above_it(package):
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in (ROOT / package).rglob("*.py")
             for name in imported_packages(path) & FORBIDDEN[package]}
    assert not wrong, sorted(wrong)
