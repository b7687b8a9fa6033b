"""One door: who may do what is decided in ``advocate_app/policy.py`` and nowhere else.

A role compared in a view, a service or a template is an access rule someone will forget to change in the
next place. These tests read the code itself: outside policy.py no module compares a role (``user.role is
Role.X``, ``role in (...)``, ``Role.X == ...``) and no template compares ``current_user``'s role; views and
templates ask policy (``policy.requires``, ``policy.can``, ``may(...)`` in templates) instead.

Comparisons inside SQL (``.where(User.role == Role.X)``) choose rows, not who may act, and are not counted.
Role-derived wording (who a sentence is addressed to, the voice an entry is written in) lives in the two
helpers allowed below.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "advocate_app"
TEMPLATES = ROOT / "templates"

# (module, function): the only places outside policy.py that may look at a role, and why.
WORDING_HELPERS = {
    # Which reader a sentence is worded for: the person, their advocate, an organisation's worker.
    ("advocate_app/wording.py", "reader_of"),
    # The voice an entry is written in: the person's own words or their advocate's.
    ("advocate_app/plans/services.py", "voice_of"),
    # What a role is: staff are every role but the person's own login; a worker belongs to an organisation.
    ("advocate_app/accounts/models.py", "is_staff"),
    ("advocate_app/accounts/models.py", "works_for_organisation"),
}
# Not part of the running app's decisions: demo data and command-line tools set roles up.
NOT_APP = {"advocate_app/demo.py", "advocate_app/cli.py", "advocate_app/benchmark.py"}
# Calls whose arguments are SQL: a role compared there selects rows.
SQL_CALLS = {"where", "filter", "filter_by", "and_", "or_", "having", "case", "exists", "select"}


def _is_role(node: ast.AST) -> bool:
    """``x.role``, ``x.role.value``, ``Role.X`` or ``Role.X.value``."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "role":
        return True
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def role_comparisons(source: str, path: str) -> list[str]:
    """Where ``source`` compares a role, outside SQL and the allowed wording helpers: ``path:line (function)``."""
    found = []

    def visit(node: ast.AST, function: str, in_sql: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call) and _call_name(node) in SQL_CALLS:
            in_sql = True
        if isinstance(node, ast.Compare) and not in_sql:
            operands = [node.left, *node.comparators]
            if any(_is_role(operand) for operand in operands) and (path, function) not in WORDING_HELPERS:
                found.append(f"{path}:{node.lineno} ({function})")
        for child in ast.iter_child_nodes(node):
            visit(child, function, in_sql)

    visit(ast.parse(source), "<module>", False)
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "advocate_app/policy.py" or relative in NOT_APP:
            continue
        yield relative, path


def test_no_module_outside_policy_compares_roles():
    found = [hit for relative, path in _modules() for hit in role_comparisons(path.read_text(), relative)]
    assert found == [], "Ask policy.py (can, requires, a may_… function) instead of comparing roles:\n" + "\n".join(
        found
    )


TEMPLATE_ROLE = re.compile(r"\{[%{][^}]*(current_user\.(role|is_staff)|\.role\s*(==|!=|\bis\b|\bin\b))")


def test_no_template_decides_by_role():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TEMPLATE_ROLE.search(line)
    ]
    assert found == [], "Templates ask may(action, record) instead of reading the role:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "def view(user):\n    return user.role is Role.COORDINATOR\n",
        "def view(user):\n    if user.role in (Role.ADVOCATE, Role.COORDINATOR):\n        pass\n",
        "def view(user, side):\n    return side == user.role.value\n",
        "def view(user):\n    return Role.INDIVIDUAL != user.role\n",
    ],
)
def test_the_check_sees_a_role_compared_in_a_view(source):
    assert role_comparisons(source, "advocate_app/example/routes.py")


@pytest.mark.parametrize(
    "source",
    [
        "def staff():\n    return select(User).where(User.role != Role.INDIVIDUAL)\n",
        "def voice(user):\n    return user.role.value\n",
        "def allowed(user):\n    return policy.can(user, Action.PLAN_WRITE)\n",
    ],
)
def test_the_check_leaves_sql_and_plain_reads_alone(source):
    assert role_comparisons(source, "advocate_app/example/services.py") == []


def test_the_template_check_sees_a_role_decision():
    assert TEMPLATE_ROLE.search("{% if not current_user.is_staff %}")
    assert TEMPLATE_ROLE.search('{% if user.role == "advocate" %}')
    assert not TEMPLATE_ROLE.search('{% if may("two_factor.off") %}')
