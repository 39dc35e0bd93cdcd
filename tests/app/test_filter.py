"""The collection's table and filter box: what is typed is searched while the typing pause is
awaited; a cache read that fails is said, and the app goes on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app.conftest import browsing, wait_until
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.widgets.row_source import Record
from tui.widgets.store_source import StoreRowSource
from tui.widgets.virtual_table import VirtualTable

APPLIED = "-- the filter is applied"
PROMOTION = str(credentials.ACTIVE_PROMOTION_ID)


def querying(table: VirtualTable) -> bool:
    return any(
        w.node is table and w.group == "virtual-table-query" and not w.is_finished
        for w in table.app.workers
    )


@asynccontextmanager
async def users_shown(
    settings: Settings,
) -> AsyncIterator[tuple[PromoTuiApp, BrowserScreen, VirtualTable, Pilot[None]]]:
    """The app with the small promotion's users loaded into its table."""
    async with browsing(settings) as (app, screen, pilot):
        view, table = screen.collection, screen.query_one(VirtualTable)
        view.show(PROMOTION, Collection.USERS, "Users")
        await wait_until(pilot, lambda: view.state == "idle" and table.highlighted is not None)
        yield app, screen, table, pilot


async def test_a_typed_filter_is_searched_before_the_typing_pause_ends(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with users_shown(settings_for(sandbox)) as (app, _, table, pilot):
        users = [table.record_at(i) for i in range(min(table.row_count, 40))]
        name = str(table.highlighted["first_name"]).lower()  # type: ignore[index]
        expected = app.session.store.count(Collection.USERS, PROMOTION, name)
        assert 0 < expected < table.row_count
        statements: list[str] = []  # SQL as the store runs it, and when the filter applies

        def traced(sql: str) -> None:  # (not the filter's order, built in the background)
            if threading.current_thread().name != "store-orders":
                statements.append(sql)

        app.session.store._db.conn.set_trace_callback(traced)
        source = table.source
        assert source is not None
        apply = source.set_filter
        source.set_filter = lambda text: (statements.append(APPLIED), apply(text))[1]  # type: ignore[method-assign]

        table.focus()
        await pilot.press("slash", *name)
        await wait_until(pilot, lambda: table.row_count == expected and not querying(table))

        searches = [i for i, sql in enumerate(statements) if " MATCH " in sql]
        last_applied = max(i for i, sql in enumerate(statements) if sql == APPLIED)
        assert searches, "the filter was never searched"
        assert max(searches) < last_applied, "the filter was searched after it was applied"
        shown = [table.record_at(i) for i in range(min(expected, 40))]
        assert all(user is not None and name in str(user).lower() for user in shown)
        assert users[: len(shown)] != shown


async def test_a_failed_cache_read_is_said_and_the_next_good_read_clears_it(
    sandbox: SandboxServer, settings_for: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with users_shown(settings_for(sandbox)) as (_, screen, table, pilot):
        shown = table.highlighted
        status = screen.query_one("#view-status", Static)
        read = StoreRowSource.rows

        def failing(self: StoreRowSource, offset: int, limit: int) -> Sequence[Record]:
            # Injected: the sandbox cannot make the cache's disk fail on cue.
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(StoreRowSource, "rows", failing)
        table.focus()
        await pilot.press("s")
        problem = "the cache could not be read: disk I/O error"
        await wait_until(pilot, lambda: problem in str(status.render()))
        assert table.highlighted == shown  # the rows shown stay
        monkeypatch.setattr(StoreRowSource, "rows", read)
        await pilot.press("s")
        await wait_until(pilot, lambda: problem not in str(status.render()))
        assert "rows" in str(status.render())


async def test_while_rows_stream_in_a_filtered_view_says_how_many_are_loaded(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    sandbox = sandbox_factory(rate_limit=None)
    promotion = credentials.ACTIVE_PROMOTION_ID
    sandbox.state.add_records(promotion, "users", 3_000)
    # Paced at 10 pages a second: the load outlasts the filter.
    settings = settings_for(sandbox, rate_limit=10, rate_window_seconds=1.0)
    async with browsing(settings) as (_, screen, pilot):
        view, table = screen.collection, screen.query_one(VirtualTable)
        view.show(str(promotion), Collection.USERS, "Users")
        await wait_until(pilot, lambda: table.row_count >= 300)
        table.focus()
        await pilot.press("slash", "a")
        await wait_until(pilot, lambda: 0 < table.row_count < table.total_count)
        status = str(screen.query_one("#view-status", Static).render())
        assert view.state == "loading", "the load finished first: not a mid-load check"
        loaded = int(status.split(" of ")[0].replace(",", ""))
        assert loaded >= 300  # (was the count cached before the load: 0)
        assert f"{table.row_count:,} match" in status
