"""Thin views: a route module parses, asks policy, calls a service and renders; the shape that keeps it so.

Queries live in each feature's services (or queries.py), never in a route module; the signed-in user comes
from one helper; route modules do not import one another (what two of them share lives in a module of its
own, such as plans/pages.py); imports sit at the top of the module; no route module grows much past 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROUTE_MODULES = sorted(
    path
    for path in (ROOT / "advocate_app").rglob("*.py")
    if path.name == "routes.py" or path.name.endswith("_routes.py")
)
LONGEST = 450


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


ROUTE_MODULE_NAMES = {_module_of(path) for path in ROUTE_MODULES}


def test_there_are_route_modules_to_check():
    assert len(ROUTE_MODULES) >= 10


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=_name)
def test_a_route_module_builds_no_query(path):
    """``select(`` belongs in services.py or queries.py, where the next view can use the same query."""
    lines = [number for number, line in enumerate(path.read_text().splitlines(), 1) if "select(" in line]
    assert lines == [], f"{_name(path)} builds a query on lines {lines}: move it to the feature's services or queries"


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=_name)
def test_a_route_module_keeps_its_imports_at_the_top_and_imports_no_other_route_module(path):
    tree = ast.parse(path.read_text())
    inside = [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert inside == [], f"{_name(path)} imports inside a function on lines {inside}"
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    assert imported & ROUTE_MODULE_NAMES == set(), f"{_name(path)} imports another route module"


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=_name)
def test_a_route_module_asks_for_the_signed_in_user_through_the_one_helper(path):
    tree = ast.parse(path.read_text())
    own = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == "_me"]
    assert own == [], f"{_name(path)} defines its own _me(); use accounts.auth.signed_in_user()"
    assert "_get_current_object()" not in path.read_text()


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=_name)
def test_a_route_module_stays_small(path):
    assert len(path.read_text().splitlines()) <= LONGEST, f"{_name(path)} holds more than one idea: split it"


def test_every_view_is_gated_by_policy_or_open_on_purpose():
    """No view uses a role list of its own: the old ``roles_required`` and ``_require`` are gone."""
    for path in ROUTE_MODULES:
        text = path.read_text()
        assert "roles_required" not in text and "_require(" not in text, _name(path)
