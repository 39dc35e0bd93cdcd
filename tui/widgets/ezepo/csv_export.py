"""CSV export of generated links, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
spreadsheet programs (CSV injection); affiliate names come from the API, so such cells are
prefixed with a `'`. The file holds links that embed affiliate keys: it is written 0600.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from tui.config import write_private
from tui.inert import csv_escaped

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> str:
    """The cell as text that no spreadsheet evaluates (controls as visible escapes)."""
    text = "" if cell is None else csv_escaped(str(cell))
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write `rows` under `header` to `path` (atomically, 0600); returns the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(cell) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    write_private(path.expanduser(), buffer.getvalue())
    return count
