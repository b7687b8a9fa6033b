"""How the package hangs together, read from its source: the text messages follow the record through events,
no modules import each other in a circle, and an import inside a function says why it cannot be at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "advocate_app"

# Who may import the text messages (``advocate_app.sms``): the app factory and the command line build and drive
# them; the model registry names every table. Everything else announces what happened (``advocate_app.events``).
MAY_IMPORT_SMS = {
    "advocate_app": "the app factory",
    "advocate_app.cli": "the command line",
    "advocate_app.models": "the model registry: every table, for Alembic and the tests",
    "advocate_app.metrics": "the outbox figures operators scrape (read-only counts of sms.models)",
}

# Modules whose imports inside functions are not checked (yet): the factory wires everything at start-up, the
# command line loads a command's needs only when it runs, and the route modules are being reshaped.
IMPORTS_IN_FUNCTIONS_UNCHECKED = {
    "modules": {"advocate_app", "advocate_app.cli", "advocate_app.evidence.cli", "advocate_app.sms.commands"},
    "name_endings": ("routes",),
}
REASON = "# start-up order:"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of ours an import statement runs (``from package import submodule`` runs the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if node.module else package
    submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return submodules if len(submodules) == len(node.names) else [base, *submodules]


def _imports(module: str) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement of ``module``, and whether it is inside a function."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child, in_function))
            # Imports only for type checkers never run.
            elif isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                continue
            else:
                visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")), False)
    return found


def _module_level_graph() -> dict[str, set[str]]:
    """Which of our modules each module runs when it is imported (a package runs before its modules)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for node, in_function in _imports(module):
            if in_function:
                continue
            for target in _imported(module, node):
                while target in MODULES and target != "advocate_app":
                    # A module inside a package needs that package started, which Python does first.
                    if target != module and not module.startswith(target + "."):
                        graph[module].add(target)
                    target = target.rpartition(".")[0]
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import one another in a circle (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_only_the_factory_and_the_command_line_import_the_text_messages():
    offenders = [
        f"{module} line {node.lineno}"
        for module in MODULES
        if module not in MAY_IMPORT_SMS and not module.startswith("advocate_app.sms")
        for node, _ in _imports(module)
        for target in _imported(module, node)
        if target == "advocate_app.sms" or target.startswith("advocate_app.sms.")
    ]
    assert offenders == [], "announce it in advocate_app.events and let the sms package subscribe"


def test_no_two_modules_import_each_other_in_a_circle():
    assert _cycles(_module_level_graph()) == []


def test_the_cycle_check_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _checked(module: str) -> bool:
    unchecked = IMPORTS_IN_FUNCTIONS_UNCHECKED
    return module not in unchecked["modules"] and not module.endswith(unchecked["name_endings"])


@pytest.mark.parametrize("module", [module for module in MODULES if _checked(module)])
def test_an_import_inside_a_function_says_why_it_cannot_be_at_the_top(module):
    lines = MODULES[module].read_text(encoding="utf-8").splitlines()
    unexplained = [
        f"line {node.lineno}: {lines[node.lineno - 1].strip()}"
        for node, in_function in _imports(module)
        if in_function and not any(REASON in line for line in lines[max(0, node.lineno - 4) : node.end_lineno])
    ]
    assert unexplained == [], f"move to the top of {module}, or give the reason in a '{REASON} ...' comment"
