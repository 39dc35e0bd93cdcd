"""CSV cells that no spreadsheet evaluates and no terminal obeys: the one rule for every CSV
promo-tui writes (exports, bulk links).

Formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
read as a formula by spreadsheet programs, so it is prefixed with a single quote `'`. Plain
numbers (`-50`, `+3.5`) cannot be formulas and are written unchanged.

Terminals: control characters other than tab and newline (ESC, CR, C1 controls, bidi overrides)
are written as visible escapes (`\\x1b`, `\\u202e`), so a CSV printed to a terminal cannot drive it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from tui.inert import csv_escaped, json_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def neutralise(value: object) -> str:
    """A cell as text that no spreadsheet evaluates and no terminal obeys."""
    text = csv_escaped(cell_text(value))
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: object) -> str:
    """A scalar as CSV text; lists as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json_text(value, separators=(",", ":"))
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write `rows` under `header` to `path`, atomically and readable by its owner only (it may
    hold links that embed affiliate keys); returns the number of rows."""
    from tui.config import write_private

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(cell) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    write_private(path.expanduser(), buffer.getvalue())
    return count
