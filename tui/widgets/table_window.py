"""What the virtual table reads and holds, without Textual: the window of records around the
viewport, which window to read when the view moves, and which results are stale.

A read sees one data version of its source (`RowSource.snapshot`). A window read at another
version than the last query's is stale (rows arrived since: indexes moved), and a result for an
earlier source (`generation`) is dropped. `tests/app/test_table_window.py` tests it all over an
in-memory source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.widgets.row_source import Record, RowSource

WINDOW_SCREENS = 3
"""Screens of rows a read fetches: the view's, and one above and below it."""


@dataclass(frozen=True)
class Snapshot:
    """What one query returned: row count (and before the filter), a window of rows from
    `start`, the data version, and the anchor's row (None: not looked up, or gone)."""

    count: int
    total: int
    start: int
    rows: Sequence[Record]
    version: int
    cursor: int | None


@dataclass(frozen=True)
class Anchor:
    """Where a query keeps the cursor: on the record `key` (None: at its index), `offset` lines
    below the view's top; `cursor` is the cursor when the anchor was taken."""

    key: str | None
    cursor: int
    offset: int


@dataclass(frozen=True)
class Shown:
    """What the body shows: its first row, the row count, and the records on its lines (None
    where not fetched)."""

    top: int
    count: int
    records: Sequence[Record | None]


def window_start(index: int, height: int) -> int:
    """The first row of the window read for row `index`: one screen above it."""
    return max(index - height, 0)


def read_around(source: RowSource, anchor: Anchor, first_visible: int, height: int) -> Snapshot:
    """Count, the anchor's row and a window around it, all of one data version."""
    with source.snapshot():
        version, count, total = source.version(), source.count(), source.total()
        cursor = source.index_of(anchor.key) if anchor.key is not None else None
        top = first_visible if cursor is None else max(cursor - anchor.offset, 0)
        start = window_start(top, height)
        rows = source.rows(start, height * WINDOW_SCREENS)
        return Snapshot(count, total, start, rows, version, cursor)


def read_window(source: RowSource, start: int, height: int) -> tuple[int, Sequence[Record]]:
    """The data version and the window of rows from `start`, of one version."""
    with source.snapshot():
        return source.version(), source.rows(start, height * WINDOW_SCREENS)


def lines_to_repaint(before: Shown, after: Shown) -> list[int] | None:
    """The body lines (0: the first) whose record changed from `before` to `after`; None when
    the whole body is to be repainted (the view moved, or no row was or is shown)."""
    if before.top != after.top or not before.count or not after.count:
        return None
    old, new = before.records, after.records
    return [
        line
        for line in range(max(len(old), len(new)))
        if line >= len(old) or line >= len(new) or old[line] is not new[line]
    ]


class RowWindow:
    """The records held (a window of the source's rows from `start`), the data version they
    were read at, the window being read, and the source's generation."""

    def __init__(self) -> None:
        self.start = 0
        self.rows: Sequence[Record] = ()
        self.version = -1
        """The data version of the last query (-1: none yet)."""
        self.generation = 0
        """Bumped when the table shows another source: results read for an earlier one are
        dropped."""
        self.pending: int | None = None
        """The start of the window being read, if one is."""

    def reset(self) -> None:
        """Another source: nothing held, no version, a new generation."""
        self.generation += 1
        self.start, self.rows, self.version = 0, (), -1

    def is_current(self, generation: int) -> bool:
        """Whether a result read in `generation` is for the source shown now."""
        return generation == self.generation

    def record_at(self, index: int) -> Record | None:
        """The record at `index` if it is held."""
        offset = index - self.start
        return self.rows[offset] if 0 <= offset < len(self.rows) else None

    def hold(self, start: int, rows: Sequence[Record]) -> list[Record]:
        """Hold `rows` from `start`, keeping the records already held that did not change (the
        same objects: their row texts stay cached); returns what is held."""
        kept = list(rows)
        for offset, row in enumerate(kept):
            held = self.record_at(start + offset)
            if held is not None and held == row:
                kept[offset] = held
        self.start, self.rows = start, kept
        return kept

    def missing(self, top: int, height: int, count: int) -> bool:
        """Whether a view from row `top`, `height` lines high, shows rows not held."""
        bottom = min(top + height, count) - 1
        return bool(count) and (self.record_at(top) is None or self.record_at(bottom) is None)

    def want(self, index: int, height: int) -> int | None:
        """The start of a window to read for row `index`, now marked as being read; None when a
        window being read already starts less than a screen away from it."""
        start = window_start(index, height)
        if self.pending is not None and abs(self.pending - start) < height:
            return None
        self.pending = start
        return start

    def read_done(self) -> None:
        """The window being read arrived (or failed): another may be asked for."""
        self.pending = None

    def is_stale(self, version: int) -> bool:
        """Whether rows read at `version` are from other data than the last query's (rows came
        or went since: their indexes moved)."""
        return version != self.version

    def shown(self, top: int, height: int, count: int) -> Shown:
        """What a view from row `top`, `height` lines high, shows of `count` rows."""
        last = min(top + height, count)
        return Shown(top, count, [self.record_at(index) for index in range(top, last)])
