"""A raw API record as a two-column grid (`field  value`, nested objects indented), safe to show.

Timestamps show in a short local form (`2024-04-18 13:29 CEST`) unless asked for the API's ISO
text; a pane too narrow for two columns puts each value under its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size
from textual.content import Content

from tui.widgets.safe_text import clean

VALUE_CELLS = 20
"""Cells a value needs beside its field (a local timestamp) for the two-column layout."""
LABEL_CELLS = 22
"""Widest field column."""
STRONG = "@/"
"""Where a long word breaks first: an email's domain, a URL's path stay whole."""
WEAK = "@/-_&=?#,;:+|\\"
"""Where else it breaks (and before a dot)."""
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


def _value(value: Any, iso: bool) -> str:
    if isinstance(value, str) and not iso and (short := local_time(value)) is not None:
        return short
    return clean(value, single_line=False)


def _rows(value: Any, key: str, depth: int, iso: bool) -> Iterator[tuple[str, Content | None]]:
    """(label, value) pairs; value None for the heading of a nested object or list."""
    label = "  " * depth + clean(key)
    nested = isinstance(value, Mapping) or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    )
    if nested and not value:
        yield label, Content.styled("{}" if isinstance(value, Mapping) else "[]", "dim")
    elif isinstance(value, Mapping):
        yield label, None
        for child_key, child in value.items():
            yield from _rows(child, str(child_key), depth + 1, iso)
    elif nested:
        yield label, None
        for index, item in enumerate(value):
            yield from _rows(item, f"[{index}]", depth + 1, iso)
    elif value is None:
        yield label, Content.styled("—", "dim")
    else:
        yield label, Content(_value(value, iso))


def _fit(text: str, width: int) -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` cells."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _breaks(word: str, width: int) -> Iterator[int]:
    """Where a word wider than `width` cells breaks: after its last `@` or `/` that fits (if it
    fills half the line), else at its last separator that fits (before a dot, after `-`, `_`,
    `@`, `/`...), else at the width. An email breaks after its `@`, a URL after its slashes."""
    start = 0
    while cell_len(word[start:]) > width:
        end, cells = start, 0
        while end < len(word) and cells + cell_len(word[end]) <= width:
            cells += cell_len(word[end])
            end += 1
        end = max(end, start + 1)
        spots = range(end, start, -1)
        strong = next((i for i in spots if word[i - 1] in STRONG), start)
        weak = next((i for i in spots if word[i - 1] in WEAK or word[i : i + 1] == "."), start)
        start = (
            strong if 2 * cell_len(word[start:strong]) >= width else weak if weak > start else end
        )
        yield start


def _wrapped(value: Content, width: int) -> list[Content]:
    """`value` wrapped at word boundaries to `width` cells, a word wider than that broken at its
    separators (`_breaks`)."""
    width = max(width, 1)
    lines: list[Content] = []
    for part in value.split("\n"):
        cuts = [
            word.start() + offset
            for word in re.finditer(r"\S+", part.plain)
            for offset in _breaks(word.group(), width)
        ]
        for piece in part.divide(cuts) if cuts else [part]:
            lines += piece.wrap(width)
    return lines or [value]


def record_table(record: Mapping[str, Any], *, width: int = 60, iso: bool = False) -> Content:
    """Every field of `record`, in the API's order, as lines of `width` cells at most: fields in
    one column, values beside them, wrapped at word boundaries.

    When `width` leaves less than `VALUE_CELLS` beside the fields, each value goes on the line
    under its field.
    """
    rows = [row for key, value in record.items() for row in _rows(value, str(key), 0, iso)]
    labels = min(max((cell_len(label) for label, _ in rows), default=0), LABEL_CELLS)
    lines: list[Content] = []
    if width - labels - 1 < VALUE_CELLS:
        for label, value in rows:
            lines += _wrapped(Content.styled(label, "dim"), width)
            if value is not None:
                indent = len(label) - len(label.lstrip(" ")) + 2
                lines += [" " * indent + line for line in _wrapped(value, width - indent)]
    else:
        gap = " " * (labels + 1)
        for label, value in rows:
            first, *rest = _wrapped(value or Content(), width - labels - 1)
            lines.append(Content.styled(_fit(label, labels) + " ", "dim") + first)
            lines += [gap + line for line in rest]
    return Content("\n").join(lines)
