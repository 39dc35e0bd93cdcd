"""A raw API record as a two-column grid (`field  value`, nested objects indented), safe to show.

Timestamps show in a short local form (`2024-04-18 13:29 CEST`) unless asked for the API's ISO
text; a pane too narrow for two columns puts each value under its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from tui.widgets.safe_text import clean

VALUE_CELLS = 20
"""Cells a value needs beside its field (a local timestamp) for the two-column layout."""
LABEL_CELLS = 22
"""Widest field column."""
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def local_time(value: str) -> str | None:
    """An ISO-8601 timestamp as `YYYY-MM-DD HH:MM TZ` in local time; None if it is not one."""
    if not _ISO.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _value(value: Any, iso: bool) -> Text:
    if isinstance(value, str) and not iso and (short := local_time(value)) is not None:
        return Text(short)
    return Text(clean(value, single_line=False))


def _rows(value: Any, key: str, depth: int, iso: bool) -> Iterator[tuple[Text, Text | None]]:
    """(label, value) pairs; value None for the heading of a nested object or list."""
    label = Text("  " * depth + clean(key), style="dim")
    nested = isinstance(value, Mapping) or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    )
    if nested and not value:
        yield label, Text("{}" if isinstance(value, Mapping) else "[]", style="dim")
    elif isinstance(value, Mapping):
        yield label, None
        for child_key, child in value.items():
            yield from _rows(child, str(child_key), depth + 1, iso)
    elif nested:
        yield label, None
        for index, item in enumerate(value):
            yield from _rows(item, f"[{index}]", depth + 1, iso)
    elif value is None:
        yield label, Text("—", style="dim")
    else:
        yield label, _value(value, iso)


def record_table(
    record: Mapping[str, Any], *, width: int | None = None, iso: bool = False
) -> RenderableType:
    """Every field of `record`, in the API's order; values wrap at word boundaries.

    When `width` leaves less than `VALUE_CELLS` beside the fields, each value goes on the line
    under its field.
    """
    rows = [row for key, value in record.items() for row in _rows(value, str(key), 0, iso)]
    labels = min(max((label.cell_len for label, _ in rows), default=0), LABEL_CELLS)
    if width is not None and width - labels - 1 < VALUE_CELLS:
        stacked = Table.grid()
        stacked.add_column(overflow="fold")
        for label, text in rows:
            stacked.add_row(label)
            if text is not None:
                depth = len(label.plain) - len(label.plain.lstrip(" "))
                stacked.add_row(Text(" " * (depth + 2)) + text)
        return stacked
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=LABEL_CELLS)
    table.add_column(overflow="fold")
    for label, text in rows:
        table.add_row(label, text or Text())
    return table
