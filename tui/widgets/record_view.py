"""A raw API record as a two-column grid (`field  value`, nested objects indented), safe to show."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from tui.widgets.safe_text import clean


def _rows(value: Any, key: str, depth: int) -> Iterator[tuple[Text, Text]]:
    label = Text("  " * depth + clean(key), style="dim")
    nested = isinstance(value, Mapping) or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    )
    if nested and not value:
        yield label, Text("{}" if isinstance(value, Mapping) else "[]", style="dim")
    elif isinstance(value, Mapping):
        yield label, Text()
        for child_key, child in value.items():
            yield from _rows(child, str(child_key), depth + 1)
    elif nested:
        yield label, Text()
        for index, item in enumerate(value):
            yield from _rows(item, f"[{index}]", depth + 1)
    elif value is None:
        yield label, Text("—", style="dim")
    else:
        yield label, Text(clean(value, single_line=False))


def record_table(record: Mapping[str, Any]) -> Table:
    """Every field of `record`, in the API's order; long values wrap under their column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=22)
    table.add_column(overflow="fold")
    for key, value in record.items():
        for label, text in _rows(value, str(key), 0):
            table.add_row(label, text)
    return table
