"""Disclosure control for the tables of counts the dashboard, the reports and the export show.

Primary suppression withholds every count from 1 to ``minimum - 1``. That alone leaks: a withheld cell
is the total minus the cells beside it. Secondary (complementary) suppression withholds more cells until
no withheld cell can be worked out from what is shown:

1. Each table declares its sums (``Relation``: a total and its parts, e.g. a row total, a column total,
   an organisation's figure as the sum of its services'). Cells never shown (a part with no column of
   its own) are declared ``unshown`` and count as unknown.
2. Whenever a sum has exactly one withheld cell, the smallest shown non-zero part (else the total) of
   that sum is withheld too.
3. Then a check that would defeat any mix of additions and subtractions: with the shown cells known,
   each withheld cell is tested for being fixed by the sums (linear algebra over the rationals). A cell
   that is fixed gets another cell of one of its sums withheld, and the check runs again.

Zeros are shown (nobody is singled out by a zero) and are never chosen as the complement while a
non-zero cell is available.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

Cell = Hashable
MIN_CELL = 5  # the smallest count shown, on screen and in the export


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``, as anyone reading the table can tell."""

    total: Cell
    parts: tuple[Cell, ...]

    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


@dataclass
class Table:
    """Counts by cell, the sums between them, and which cells are never shown."""

    values: dict[Cell, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    unshown: set[Cell] = field(default_factory=set)

    def add(self, cell: Cell, value: int) -> Cell:
        self.values[cell] = int(value)
        return cell

    def sums(self, total: Cell, parts: Iterable[Cell]) -> None:
        """Declare that ``total`` = the sum of ``parts`` (each already added)."""
        parts = tuple(parts)
        if parts:
            self.relations.append(Relation(total, parts))


@dataclass
class Protected:
    """What may be shown: ``shown(cell)`` is the count, or None when it is withheld."""

    values: dict[Cell, int]
    withheld: set[Cell]
    primary: set[Cell]

    def shown(self, cell: Cell) -> int | None:
        return None if cell in self.withheld else self.values[cell]


def _determined(table: Table, unknown: set[Cell]) -> list[Cell]:
    """The unknown cells the sums fix exactly, given every other cell.

    The sums are split into groups that share no unknown cell, and each group is solved on its own: the
    tables are many small blocks (a row, an organisation's services), so this stays quick.
    """
    parent: dict[Cell, Cell] = {cell: cell for cell in unknown}

    def root(cell: Cell) -> Cell:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    groups: dict[Cell, list[Relation]] = {}
    for relation in table.relations:
        inside = [c for c in relation.cells() if c in parent]
        for other in inside[1:]:
            parent[root(other)] = root(inside[0])
    for relation in table.relations:
        inside = [c for c in relation.cells() if c in parent]
        if inside:
            groups.setdefault(root(inside[0]), []).append(relation)
    fixed: list[Cell] = []
    for relations in groups.values():
        cells = {c for relation in relations for c in relation.cells() if c in parent}
        fixed.extend(_solve(relations, cells))
    return fixed


def _solve(relations: list[Relation], unknown: set[Cell]) -> list[Cell]:
    """The cells of ``unknown`` that ``relations`` fix exactly (Gaussian elimination over the rationals)."""
    columns = sorted(unknown, key=repr)
    index = {cell: i for i, cell in enumerate(columns)}
    rows: list[list[Fraction]] = []
    for relation in relations:
        row = [Fraction(0)] * len(columns)
        touched = False
        for cell, sign in ((relation.total, -1), *((part, 1) for part in relation.parts)):
            if cell in index:
                row[index[cell]] += sign
                touched = True
        if touched:
            rows.append(row)
    # Reduced row echelon form; a cell is fixed when a row has a single non-zero entry in its column.
    pivot_row = 0
    pivots = []
    for col in range(len(columns)):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [v / lead for v in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivots.append((pivot_row, col))
        pivot_row += 1
    fixed = []
    for r, col in pivots:
        if all(v == 0 for c, v in enumerate(rows[r]) if c != col):
            fixed.append(columns[col])
    return fixed


def _complement(table: Table, relation: Relation, withheld: set[Cell]) -> Cell | None:
    """The cell of ``relation`` to withhold next: its smallest shown non-zero part, else its total, else a zero."""
    shown_parts = [p for p in relation.parts if p not in withheld]
    non_zero = [p for p in shown_parts if table.values[p] != 0]
    if non_zero:
        return min(non_zero, key=lambda p: (table.values[p], repr(p)))
    if relation.total not in withheld:
        return relation.total
    return min(shown_parts, key=repr) if shown_parts else None


def protect(table: Table, minimum: int) -> Protected:
    """Withhold the small counts, then enough others that none of them can be worked out from the sums."""
    primary = {cell for cell, value in table.values.items() if 0 < value < minimum and cell not in table.unshown}
    withheld = set(primary)
    if not primary:
        return Protected(values=table.values, withheld=withheld, primary=primary)
    unknown = lambda: withheld | table.unshown  # noqa: E731 - recomputed as cells are withheld
    for _round in range(len(table.values) + 1):
        changed = False
        for relation in table.relations:
            hidden = [c for c in relation.cells() if c in unknown()]
            if len(hidden) == 1 and hidden[0] in withheld:
                extra = _complement(table, relation, unknown())
                if extra is not None:
                    withheld.add(extra)
                    changed = True
        if changed:
            continue
        exposed = [cell for cell in _determined(table, unknown()) if cell in withheld and table.values[cell] != 0]
        if not exposed:
            break
        cell = exposed[0]
        for relation in table.relations:
            if cell in relation.cells():
                extra = _complement(table, relation, unknown())
                if extra is not None:
                    withheld.add(extra)
                    break
        else:  # pragma: no cover - a withheld cell in no sum cannot be fixed by the sums
            break
    return Protected(values=table.values, withheld=withheld, primary=primary)


def recoverable(table: Table, protected: Protected) -> set[Cell]:
    """The withheld cells someone could work out from the shown cells and the sums (used by the tests, and as a
    last check before anything is shown)."""
    return {cell for cell in _determined(table, protected.withheld | table.unshown) if cell in protected.withheld}
