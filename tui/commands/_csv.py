"""CSV output: nested objects flattened to dotted columns, cells safe to open in a spreadsheet.

Flattening: `{"user": {"id": 1}}` -> column `user.id`; lists are kept as compact JSON in one
cell; `true`/`false` for booleans; empty for null. Columns are the union over all records in
first-seen order, which needs every record before the header can be written: records are
spooled as JSON lines (the export's partial file, or a temporary file) and read twice, so
memory stays constant whatever the number of rows.

Cells are made safe for spreadsheets and terminals by `tui.csv_cells.neutralise`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from tui.csv_cells import neutralise

HELP = (
    "CSV: nested objects become dotted columns (user.id), lists stay JSON in one cell; columns "
    "are the union over all records in first-seen order. Cells starting with = + - @, a tab or "
    "a carriage return are prefixed with ' so spreadsheets do not run them as formulas "
    "(plain numbers such as -50 are left as they are). Control characters other than tab and "
    "newline (ESC, CR, C1 controls, bidi overrides) are written as visible escapes such as \\x1b "
    "or \\u202e, so the CSV is safe to print to a terminal; JSONL escapes them as \\uXXXX, "
    "losslessly."
)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    """Nested mappings as dotted keys; other values as they are."""
    flat: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = None if isinstance(value, Mapping) else value
    return flat


def read_jsonl(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines spool (blank lines skipped)."""
    for line in lines:
        if line.strip():
            yield json.loads(line)


def columns_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The union of the flattened columns, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        for name in flatten(record):
            seen.setdefault(name, None)
    return list(seen)


def write_rows(out: IO[str], columns: list[str], records: Iterable[Mapping[str, Any]]) -> int:
    """The header and one row per record; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(name) for name in columns])
    count = 0
    for record in records:
        flat = flatten(record)
        writer.writerow([neutralise(flat.get(name)) for name in columns])
        count += 1
    return count


def spool_to_csv(spool: IO[str], out: IO[str]) -> int:
    """Convert a JSON-lines spool to CSV in two passes; returns the number of rows."""
    spool.seek(0)
    columns = columns_of(read_jsonl(spool))
    spool.seek(0)
    return write_rows(out, columns, read_jsonl(spool))
