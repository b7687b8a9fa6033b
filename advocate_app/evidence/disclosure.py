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

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

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
    """The cells of ``unknown`` that ``relations`` fix exactly, in the order of their ``repr``.

    A cell is fixed when its unit vector lies in the span of the sums (over the rationals). The sums become
    integer rows, kept fully reduced as each is added (Gauss-Jordan without fractions: rows are scaled by
    whole numbers and divided by their common factor): then a cell is fixed exactly when it leads a row with no
    other non-zero entry.
    """
    columns = sorted(unknown, key=repr)
    index = {cell: i for i, cell in enumerate(columns)}
    pivots: dict[int, dict[int, int]] = {}  # column → the reduced row it leads
    for relation in relations:
        row: dict[int, int] = {}
        for cell, sign in ((relation.total, -1), *((part, 1) for part in relation.parts)):
            i = index.get(cell)
            if i is not None:
                row[i] = row.get(i, 0) + sign
        for col in [c for c in row if c in pivots]:
            row = _eliminate(row, col, pivots[col])
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        row = _normalised(row, col)
        for other, pivot_row in pivots.items():
            if col in pivot_row:
                pivots[other] = _normalised(_eliminate(pivot_row, col, row), other)
        pivots[col] = row
    return [columns[col] for col in sorted(pivots) if len(pivots[col]) == 1]


def _eliminate(row: dict[int, int], col: int, pivot_row: dict[int, int]) -> dict[int, int]:
    """``row`` less a multiple of ``pivot_row`` (both scaled by whole numbers) so that ``col`` becomes zero."""
    lead, factor = pivot_row[col], row.get(col, 0)
    if not factor:
        return row
    result = {c: v * lead for c, v in row.items()}
    for c, v in pivot_row.items():
        result[c] = result.get(c, 0) - factor * v
    return {c: v for c, v in result.items() if v}


def _normalised(row: dict[int, int], col: int) -> dict[int, int]:
    """``row`` divided by the common factor of its entries, with a positive entry at ``col``."""
    divisor = math.gcd(*row.values())
    if row[col] < 0:
        divisor = -divisor
    return {c: v // divisor for c, v in row.items()}


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
    unknown = withheld | table.unshown  # kept up to date as cells are withheld
    relations = [(relation, relation.cells()) for relation in table.relations]

    def withhold(cell: Cell) -> None:
        withheld.add(cell)
        unknown.add(cell)

    for _round in range(len(table.values) + 1):
        changed = False
        for relation, cells in relations:
            hidden = [c for c in cells if c in unknown]
            if len(hidden) == 1 and hidden[0] in withheld:
                extra = _complement(table, relation, unknown)
                if extra is not None:
                    withhold(extra)
                    changed = True
        if changed:
            continue
        exposed = [cell for cell in _determined(table, unknown) if cell in withheld and table.values[cell] != 0]
        if not exposed:
            break
        cell = exposed[0]
        for relation, cells in relations:
            if cell in cells:
                extra = _complement(table, relation, unknown)
                if extra is not None:
                    withhold(extra)
                    break
        else:  # pragma: no cover - a withheld cell in no sum cannot be fixed by the sums
            break
    return Protected(values=table.values, withheld=withheld, primary=primary)


def recoverable(table: Table, protected: Protected) -> set[Cell]:
    """The withheld cells someone could work out from the shown cells and the sums (used by the tests, and as a
    last check before anything is shown)."""
    return {cell for cell in _determined(table, protected.withheld | table.unshown) if cell in protected.withheld}
