"""A table that renders only its visible rows, read from a `RowSource` (Textual's Line API).

Holding 100,000 rows costs nothing here: the table keeps one window of records around the viewport
and asks its source for another window (in a worker thread) when the view moves or the data changes.
Rows not yet fetched render as a dim placeholder for a frame. Cell text is cleaned of control
characters and never parsed as markup.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from tui.widgets import tcss_beside, textual_seam
from tui.widgets.row_source import Column, Record, RowSource
from tui.widgets.safe_text import clean
from tui.widgets.table_window import (
    WINDOW_SCREENS,
    Anchor,
    RowWindow,
    Shown,
    Snapshot,
    lines_to_repaint,
    read_around,
    read_window,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

GAP = 1
"""Cells between two columns."""
MOVED_REREADS = 3
"""Reads a query repeats, at most, when the cursor moves while one runs."""


def format_cell(text: str, width: int, *, numeric: bool = False) -> str:
    """`text` cleaned and fitted to exactly `width` cells, with an ellipsis when cut."""
    text = clean(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 0 else ""
    padding = " " * (width - cell_len(text))
    return padding + text if numeric else text + padding


class TableMessage(Message):
    """A message from a virtual table (its `control`)."""

    def __init__(self, table: VirtualTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> VirtualTable:
        return self.table


class VirtualTable(ScrollView, can_focus=True):
    """A read-only table over a row source; one cursor row; sortable columns."""

    DEFAULT_CSS = tcss_beside(__file__)

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("left,h", "columns(-1)", "Columns left", show=False),
        Binding("right,l", "columns(1)", "Columns right", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse"),
    ]

    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--sorted",
        "virtual-table--cursor",
        "virtual-table--odd",
        "virtual-table--placeholder",
    }

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted row in the current order and filter."""

    row_count: reactive[int] = reactive(0, repaint=False)
    """Rows that match the filter (as of the last query); a change repaints only the lines it
    changes (`_refresh_changed`)."""

    class RowHighlighted(TableMessage):
        """The cursor moved to a row (its record, if already fetched)."""

        def __init__(self, table: VirtualTable, index: int, record: Record | None) -> None:
            super().__init__(table)
            self.index = index
            self.record = record

    class RowSelected(RowHighlighted):
        """Enter or a double click on a row."""

    class QueryFailed(TableMessage):
        """The source failed a query (e.g. the cache file is damaged): the rows shown stay."""

        def __init__(self, table: VirtualTable, error: BaseException) -> None:
            super().__init__(table)
            self.error = error

    class Reloaded(TableMessage):
        """A query finished: the row count is current."""

        def __init__(self, table: VirtualTable, count: int) -> None:
            super().__init__(table)
            self.count = count

    def __init__(
        self,
        columns: Sequence[Column] = (),
        source: RowSource | None = None,
        *,
        executor: Executor | None = None,
        empty_text: str = "No rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._declared: tuple[Column, ...] = tuple(columns)
        self._columns = self._declared
        self._filled: set[Column] = set()
        self._source = source
        self._executor = executor
        self._own_executor = False
        self._window = RowWindow()
        self._sort: tuple[str | None, bool] = (None, False)
        self._applying = False
        self._warming: str | None = None
        self.total_count = 0
        """Rows of the source before its filter (as of the last query)."""
        self._styles: dict[tuple[str, ...], Style] = {}
        self._texts: dict[int, tuple[Record, str]] = {}
        self._empty_text = empty_text

    # ---- public API -------------------------------------------------------------------------

    @property
    def empty_text(self) -> str:
        """What the body says while no row matches."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            if self.is_mounted and not self.row_count:
                self.refresh_line(1)

    @property
    def source(self) -> RowSource | None:
        """The row source shown."""
        return self._source

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns shown: those with a value in some row read since the source was set (all
        of them before the first row)."""
        return self._columns

    @property
    def sort(self) -> tuple[str | None, bool]:
        """(column key, descending) of the current order; key None is the source's own."""
        return self._sort

    def set_source(self, source: RowSource | None, columns: Sequence[Column]) -> None:
        """Show another source from its first row."""
        self._window.reset()
        self._source = source
        self._declared = self._columns = tuple(columns)
        self._filled = set()
        self._sort = (None, False)
        self._texts.clear()
        self.row_count = self.total_count = 0
        self.refresh()
        self.cursor = 0
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._update_virtual_size()
        self.reload(keep_selection=False)

    @property
    def highlighted(self) -> Record | None:
        """The record under the cursor, if fetched."""
        return self.record_at(self.cursor)

    def record_at(self, index: int) -> Record | None:
        """The record at `index` if it is in the fetched window."""
        return self._window.record_at(index)

    def reload(self, *, keep_selection: bool = True) -> None:
        """Query the source again (count and visible window), keeping the highlighted record."""
        anchor = self._anchor() if keep_selection else Anchor(None, self.cursor, 0)
        self._query(anchor, self._window.generation)

    def _anchor(self) -> Anchor:
        """The highlighted record's id, the cursor and its line in the view, as they are now."""
        record, source = self.highlighted, self._source
        key = source.key_of(record) if record is not None and source is not None else None
        return Anchor(key, self.cursor, self.cursor - round(self.scroll_y))

    def set_filter(self, text: str) -> None:
        """Filter the rows (the source filters; this re-queries)."""
        if self._source is not None:
            self._run_then_reload(self._source.set_filter, text)

    def warm_filter(self, text: str) -> None:
        """Let the source prepare a filter being typed (on the query thread, before the table's
        next query), so that `set_filter(text)` shows its rows sooner."""
        self._warming = text
        if self._source is not None:
            self._warm(self._source, text)

    def sort_by(self, key: str | None, descending: bool = False) -> None:
        """Order rows by the source's sort `key` (a column's `sort`)."""
        self._sort = (key, descending)
        if self._source is not None:
            self._run_then_reload(self._source.set_sort, key, descending)
        self.refresh()

    # ---- querying ---------------------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(self.size.height - 1, 1)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run a source call on the table's query thread (one thread keeps calls in order)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="virtual-table")
            self._own_executor = True
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    def on_unmount(self) -> None:
        if self._own_executor and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    @work(exclusive=True, group="virtual-table-query", exit_on_error=False)
    async def _run_then_reload(self, function: Callable[..., object], *args: Any) -> None:
        """Change the source (its filter or order), then show it from its first row; the rows
        shown stay until the new ones are read (one trip to the query thread).

        The change is made even if a reload cancels this worker meanwhile (shielded): cancelled
        while it waited for the busy thread, a filter typed during a load was never applied.
        """
        source, generation, height = self._source, self._window.generation, self._body_height
        if source is None:
            return

        def run_and_read() -> Snapshot:
            function(*args)
            return read_around(source, Anchor(None, 0, 0), 0, height)

        snapshot = await asyncio.shield(self._in_thread(run_and_read))
        if self._window.is_current(generation):
            self._apply(replace(snapshot, cursor=0), 0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read is reported (a warm-up's too: the filter it prepares would fail);
        the window it was for may be asked for again."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.node is not self:
            return
        event.stop()
        if worker.group == "virtual-table-window":
            self._window.read_done()
        if worker.error is not None:
            log.warning("table query failed: %r", worker.error)
            self.post_message(self.QueryFailed(self, worker.error))

    @work(exclusive=True, group="virtual-table-warm", exit_on_error=False)
    async def _warm(self, source: RowSource, text: str) -> None:
        limit = self._body_height * WINDOW_SCREENS

        def stale() -> bool:
            return text != self._warming

        def warm() -> None:
            if not stale():  # not typed over while it waited for the thread
                source.warm_filter(text, limit, stale)

        await self._in_thread(warm)

    @work(exclusive=True, group="virtual-table-query", exit_on_error=False)
    async def _query(self, anchor: Anchor, generation: int) -> None:
        await self._requery(anchor, generation)

    async def _requery(self, anchor: Anchor, generation: int) -> None:
        """Re-read count and window, the cursor following the anchor's record. If the cursor
        moves while a read runs, the record it moved to is the anchor of another read (rows may
        have moved since): a few times, then the cursor just stays where the user put it."""
        source = self._source
        if source is None:
            return
        for _ in range(MOVED_REREADS + 1):
            top, height = round(self.scroll_y), self._body_height
            snapshot = await self._in_thread(read_around, source, anchor, top, height)
            if not self._window.is_current(generation):
                return
            if self.cursor == anchor.cursor:
                break
            anchor = self._anchor()
        else:
            snapshot = replace(snapshot, cursor=None)
        self._apply(snapshot, anchor.offset)

    def _apply(self, snapshot: Snapshot, anchor_offset: int) -> None:
        """Show a query's result; the scrolls it makes ask for no window (it brings one)."""
        before, shown = self.highlighted, self._shown_rows()
        self._applying = True
        try:
            self._set_window(snapshot.start, snapshot.rows)
            self._window.version = snapshot.version
            self.total_count = snapshot.total
            self.row_count = snapshot.count
            self._update_virtual_size()
            cursor = snapshot.cursor
            if cursor is not None:
                top = max(cursor - anchor_offset, 0)
                if cursor != self.cursor or top != round(self.scroll_y):
                    self.scroll_to(y=top, animate=False, immediate=True)
                    self.cursor = cursor
            elif self.cursor >= snapshot.count:
                self.cursor = max(snapshot.count - 1, 0)
        finally:
            self._applying = False
        self._want_visible()
        self._refresh_changed(shown)
        self.post_message(self.Reloaded(self, snapshot.count))
        if before is None or self.highlighted != before:  # not for the same record read again
            self.post_message(self.RowHighlighted(self, self.cursor, self.highlighted))

    def _set_window(self, start: int, rows: Sequence[Record]) -> None:
        """Hold `rows` from `start` (the records that did not change keep their cached row
        texts); show the columns they fill."""
        self._hide_blank_columns(self._window.hold(start, rows))

    def _hide_blank_columns(self, rows: Sequence[Record]) -> None:
        """Show only the columns with a value in some row read so far (a field this API never
        fills would be a blank column)."""
        blank = [column for column in self._declared if column not in self._filled]
        filled = {column for column in blank if any(column.cell(row) for row in rows)}
        if not rows or (not filled and self._columns != self._declared):
            return
        self._filled |= filled
        shown = tuple(column for column in self._declared if column in self._filled)
        if shown and shown != self._columns:
            self._columns = shown
            self._texts.clear()
            self._update_virtual_size()
            self.refresh()

    def _shown_rows(self) -> Shown:
        """What the body shows now."""
        return self._window.shown(round(self.scroll_y), self._body_height, self.row_count)

    def _refresh_changed(self, shown: Shown) -> None:
        """Repaint the body lines that differ from `shown` (all of them if the view moved)."""
        lines = lines_to_repaint(shown, self._shown_rows())
        if lines is None:
            self.refresh()
            return
        for line in lines:
            self.refresh_line(shown.top + line + 1)

    @work(exclusive=True, group="virtual-table-window", exit_on_error=False)
    async def _fetch_window(self, start: int, generation: int) -> None:
        source = self._source
        if source is None:
            return
        version, rows = await self._in_thread(read_window, source, start, self._body_height)
        self._window.read_done()
        if not self._window.is_current(generation):
            return
        if self._window.is_stale(version):  # rows arrived since the last query: indexes moved
            self.reload()  # so the window is read again around the highlighted record
            return
        shown = self._shown_rows()
        self._set_window(start, rows)
        self._refresh_changed(shown)
        if self.record_at(self.cursor) is not None:
            self.post_message(self.RowHighlighted(self, self.cursor, self.highlighted))

    def _want_row(self, index: int) -> None:
        """Ask for a window around `index` (once per window)."""
        start = self._window.want(index, self._body_height)
        if start is not None:
            self._fetch_window(start, self._window.generation)

    # ---- geometry and rendering ---------------------------------------------------------------

    @property
    def allow_horizontal_scroll(self) -> bool:
        """Sideways scrolling (keys, shift+wheel) without a horizontal scrollbar."""
        return not textual_seam.is_disabled(self) and self.max_scroll_x > 0

    @property
    def _row_width(self) -> int:
        return sum(column.width + GAP for column in self._columns)

    def _update_virtual_size(self) -> None:
        """Set the scrollable size without a layout pass: the table's own size stays the same.

        (Setting `virtual_size` would lay the whole screen out again on every re-query while
        rows stream in; the scrollbars are updated as Textual does for a layout-free resize,
        and not repainted when their thumb would not move.)
        """
        old, size = self.virtual_size, Size(self._row_width, self.row_count + 1)
        if size == old:
            return
        if self.is_mounted and size.width == old.width:
            position = self.vertical_scrollbar.position
            thumb = textual_seam.vertical_thumb
            same_thumb = thumb(self, old.height, position) == thumb(self, size.height, position)
            if same_thumb and min(old.height, size.height) > self.container_size.height:
                textual_seam.set_virtual_height_quietly(self, size)
                return
        textual_seam.set_virtual_size(self, size)

    def on_resize(self) -> None:
        self._update_virtual_size()

    def _header_text(self, scroll_x: int, width: int) -> str:
        """The header as seen from `scroll_x` in `width` cells, from the line's start: `◂` / `▸`
        at the visible ends when columns are out of view (← → scroll). A title the view or a
        marker cuts is fitted to the cells left (with an ellipsis), never overwritten."""
        key, descending = self._sort
        left = scroll_x > 0
        right = self._row_width > scroll_x + width
        low = scroll_x + left
        high = scroll_x + width - right if width >= 2 else scroll_x + width
        text, start = [" " * low], 0
        for column in self._columns:
            title = column.title
            if column.sort is not None and column.sort == key:
                title = f"{title} {'▼' if descending else '▲'}"
            first, last = max(start, low), min(start + column.width, high)
            if last > first:
                gap = first - sum(len(part) for part in text)
                text += [" " * gap, format_cell(title, last - first, numeric=column.numeric)]
            start += column.width + GAP
        line = "".join(text).ljust(scroll_x + width)
        if width >= 2 and left:
            line = line[:scroll_x] + "◂" + line[scroll_x + 1 :]
        if width >= 2 and right:
            line = line[: scroll_x + width - 1] + "▸"
        return line

    def _row_text(self, record: Record) -> str:
        cells = [
            format_cell(column.cell(record), column.width, numeric=column.numeric)
            for column in self._columns
        ]
        return (" " * GAP).join(cells) + " " * GAP

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, *names: str) -> Style:
        """The table's style plus its component classes `names` (cached until styles change)."""
        style = self._styles.get(names)
        if style is None:
            style = self.rich_style
            for name in names:
                style += self.get_component_rich_style(name)
            self._styles[names] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            text = self._header_text(scroll_x, self.scrollable_content_region.width)
            style = self._style("virtual-table--header")
            return self._strip(text, style, scroll_x, width)
        index = scroll_y + y - 1
        record = self.record_at(index)
        if record is None or not self.row_count:
            return self._strip(*self._body_line(index), scroll_x, width)
        cached = self._texts.get(index)
        if cached is None or cached[0] is not record:
            if len(self._texts) > 4 * self._body_height:
                self._texts.clear()
            cached = self._texts[index] = (record, self._row_text(record))
        return self._strip(cached[1], self._row_style(index), scroll_x, width)

    @staticmethod
    def _strip(text: str, style: Style, scroll_x: int, width: int) -> Strip:
        strip = Strip([Segment(text, style)], cell_len(text))
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _row_style(self, index: int, *extra: str) -> Style:
        if index == self.cursor:
            return self._style("virtual-table--cursor", *extra)
        return self._style("virtual-table--odd", *extra) if index % 2 else self._style(*extra)

    def _body_line(self, index: int) -> tuple[str, Style]:
        """Text and style of a body line without a fetched record."""
        placeholder = "virtual-table--placeholder"
        if self.row_count == 0:
            return (self._empty_text if index == 0 else ""), self._style(placeholder)
        if index >= self.row_count:
            return "", self._style()
        self._want_row(index)
        return "…", self._row_style(index, placeholder)

    # ---- cursor and input ---------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return min(max(cursor, 0), max(self.row_count - 1, 0))

    def watch_cursor(self, old: int, new: int) -> None:
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= self.scroll_y + self._body_height:
            self.scroll_to(y=new - self._body_height + 1, animate=False, immediate=True)
        else:  # the view stays: only the two rows change
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        if old != new and self.row_count:
            self.post_message(self.RowHighlighted(self, new, self.record_at(new)))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """As Textual's, but the scrollbar is repainted only if its thumb moves (one row of
        100,000 does not move it); rows not fetched yet are asked for at once."""
        if self.show_vertical_scrollbar:
            textual_seam.move_vertical_scrollbar(self, new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
        if not self._applying:
            self._want_visible()  # now rather than when the placeholders are painted

    def _want_visible(self) -> None:
        """Ask for a window if the view shows rows not fetched."""
        top = round(self.scroll_y)
        if self._window.missing(top, self._body_height, self.row_count):
            self._want_row(top)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * self._body_height

    def action_columns(self, direction: int) -> None:
        """Scroll sideways to the previous or next column's left edge."""
        edges, edge = [0], 0
        for column in self._columns:
            edge += column.width + GAP
            edges.append(edge)
        x = round(self.scroll_x)
        if direction > 0:
            target = next((e for e in edges if e > x), x)
        else:
            target = next((e for e in reversed(edges) if e < x), 0)
        self.scroll_to(x=min(target, self.max_scroll_x), animate=False, immediate=True, force=True)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.row_count - 1

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.RowSelected(self, self.cursor, self.highlighted))

    def action_sort_next(self) -> None:
        keys = [column.sort for column in self._columns if column.sort is not None]
        if not keys:
            return
        current = self._sort[0]
        following = keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]
        self.sort_by(following)

    def action_sort_reverse(self) -> None:
        key, descending = self._sort
        if key is None:
            key = next((column.sort for column in self._columns if column.sort), None)
        if key is not None:
            self.sort_by(key, not descending)

    def _column_at(self, x: int) -> Column | None:
        edge = 0
        for column in self._columns:
            edge += column.width + GAP
            if x < edge:
                return column
        return None

    async def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x + round(self.scroll_x))
            if column is not None and column.sort is not None:
                key, descending = self._sort
                self.sort_by(column.sort, not descending if key == column.sort else False)
            return
        index = round(self.scroll_y) + event.y - 1
        if index < self.row_count:
            self.cursor = index
            if event.chain == 2:
                self.action_select()
