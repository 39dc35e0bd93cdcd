"""The virtual table over an in-memory row source: windowing, cursor, sort, filter, safe text."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.app.conftest import wait_until
from tui.widgets.row_source import Column, ListRowSource, Record
from tui.widgets.virtual_table import VirtualTable, format_cell

COLUMNS = (
    Column("id", "Id", 8, numeric=True, sort="id"),
    Column("nickname", "Nickname", 20, sort="nickname"),
)


class TableApp(App[None]):
    def __init__(self, source: ListRowSource) -> None:
        super().__init__()
        self.source = source
        self.highlighted: list[int] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, self.source)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).reload()

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.highlighted.append(event.index)


def records(n: int) -> list[dict[str, object]]:
    return [{"id": str(i), "nickname": f"player{i}"} for i in range(n)]


@asynccontextmanager
async def shown(source: ListRowSource) -> AsyncIterator[tuple[VirtualTable, Pilot[None]]]:
    """The table over `source` in a running app, its first query done."""
    app = TableApp(source)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        yield app.query_one(VirtualTable), pilot


async def test_large_source_renders_window_only() -> None:
    source = ListRowSource(records(100_000))
    async with shown(source) as (table, pilot):
        assert table.row_count == 100_000
        assert len(table._window.rows) < 100
        await pilot.press("end")
        await pilot.pause()
        await pilot.pause()
        assert table.cursor == 99_999
        assert table.highlighted == {"id": "99999", "nickname": "player99999"}


async def test_sort_filter_and_keep_selection() -> None:
    source = ListRowSource(records(50), search_keys=("nickname",))
    async with shown(source) as (table, pilot):
        await pilot.press("down", "down")
        assert table.highlighted == {"id": "2", "nickname": "player2"}
        source.extend([{"id": "100", "nickname": "new"}])
        table.reload()
        await pilot.pause()
        assert table.highlighted is not None and table.highlighted["id"] == "2"
        table.sort_by("id", descending=True)
        await pilot.pause()
        await pilot.pause()
        assert table.record_at(0) == {"id": "100", "nickname": "new"}
        table.set_filter("player4")
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == 11


async def test_a_move_made_while_a_requery_is_queued_wins_over_its_anchor() -> None:
    source = ListRowSource(records(50))
    async with shown(source) as (table, pilot):
        table.reload()  # anchored on row 0; its worker has not run yet
        table.cursor = 3  # the user moves before it does
        await pilot.pause()
        await pilot.pause()
        assert table.cursor == 3
        assert table.highlighted == {"id": "3", "nickname": "player3"}


async def test_a_move_made_while_rows_arrive_keeps_the_record_moved_to() -> None:
    source = ListRowSource(records(50))
    source.set_sort("id", True)  # 49 .. 0: new (higher) ids arrive above the cursor
    async with shown(source) as (table, pilot):
        table.reload()  # anchored on row 0 (id 49); its worker has not run yet
        table.cursor = 3  # the user moves to id 46 ...
        source.extend([{"id": str(i), "nickname": f"player{i}"} for i in range(50, 60)])
        await pilot.pause()  # ... and ten rows land above it before the query reads them
        await pilot.pause()
        assert table.highlighted == {"id": "46", "nickname": "player46"}
        assert table.cursor == 13


class CountingSource(ListRowSource):
    """Notes the windows the table reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[tuple[int, int]] = []

    def rows(self, offset: int, limit: int) -> Sequence[Record]:
        self.reads.append((offset, limit))
        return super().rows(offset, limit)


async def test_a_filter_made_at_the_end_shows_its_first_rows_in_one_read() -> None:
    source = CountingSource(records(10_000), search_keys=("nickname",))
    async with shown(source) as (table, pilot):
        table.action_last()
        await pilot.pause()
        await pilot.pause()
        assert table.highlighted == {"id": "9999", "nickname": "player9999"}
        source.reads.clear()
        table.set_filter("player1")
        for _ in range(5):
            await pilot.pause()
        assert (table.row_count, table.cursor, table.scroll_y) == (1_111, 0, 0)
        assert table.highlighted == {"id": "1", "nickname": "player1"}
        assert source.reads == [(0, 3 * (table.size.height - 1))]  # no window read for the end


class HeldSource(ListRowSource):
    """Its reads wait while `gate` is closed: the table's query thread stays busy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.gate.set()

    def rows(self, offset: int, limit: int) -> Sequence[Record]:
        assert self.gate.wait(timeout=20), "the test never opened the gate"
        return super().rows(offset, limit)


async def test_a_filter_waiting_for_the_busy_thread_survives_a_reload() -> None:
    source = HeldSource(records(50), search_keys=("nickname",))
    async with shown(source) as (table, pilot):
        source.gate.clear()
        table.reload()  # a read holds the query thread (as a long load's re-queries do)
        await pilot.pause()
        table.set_filter("player4")  # queued behind it
        await pilot.pause()
        table.reload()  # a tick's re-query while the filter still waits: it cancels its worker
        await pilot.pause()
        source.gate.set()
        await wait_until(pilot, lambda: table.row_count == 11)  # it was lost: 50 rows
        assert table.highlighted == {"id": "4", "nickname": "player4"}


def test_cells_are_cleaned_and_fitted() -> None:
    assert format_cell("\x1b]52;c;ZXZpbA==\x07bob\x1b[31m", 5) == "\ufffdbob\ufffd"
    assert format_cell("abcdefgh", 5) == "abcd…"
    assert format_cell("42", 5, numeric=True) == "   42"


async def test_rows_gone_from_a_requery_are_painted_away() -> None:
    source = ListRowSource(records(5))
    async with shown(source) as (table, pilot):
        assert "player4" in table.render_line(5).text
        source.set_filter("player1")  # the source now holds one row; the table re-queries
        table.reload()
        await pilot.pause()
        await pilot.pause()
        painted = [line.text for line in pilot.app.screen._compositor.render_strips()]
        assert sum("player" in line for line in painted) == 1
