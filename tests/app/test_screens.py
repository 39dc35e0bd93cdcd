"""SVG snapshots of the app's screens at 80x24 and 140x40, against the sandbox, in each state a
user meets: browsing, a collection with data, empty, loading, an error and its full text,
locked, offline, help, Ezepo. The status bar's live parts (calls this minute, running jobs)
are fixed before the shot; times show in UTC."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.app.conftest import browser_ready, wait_until
from tests.app.test_snapshots import FixedBudget
from tests.notified import notified
from tui import clients
from tui.api.endpoints import Collection
from tui.api.retry import RetryPolicy
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.redact import Secret
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.error import ErrorScreen
from tui.screens.ezepo import EzepoScreen
from tui.screens.help import HelpScreen
from tui.widgets.status_bar import StatusBar

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((140, 40), id="140x40")]
SMALL = str(credentials.ACTIVE_PROMOTION_ID)
Step = Callable[[PromoTuiApp, BrowserScreen, Any], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")  # timestamps show in local time
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def freeze_status(screen: BrowserScreen) -> None:
    """Fix what changes from run to run in the status bar (its other parts stay live)."""
    screen._sync_status()
    assert screen._status_timer is not None
    screen._status_timer.pause()
    status = screen.query_one(StatusBar)
    status.budget = lambda: FixedBudget()
    status.jobs = 0
    status.refresh()  # the budget is read when the bar renders


def shot(snap_compare: Any, settings: Settings, size: tuple[int, int], step: Step) -> bool:
    app = PromoTuiApp(settings)

    async def run_before(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.screen.query("#tree"))  # composed
        screen = await browser_ready(app, pilot)
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        await step(app, screen, pilot)
        freeze_status(screen)
        await pilot.pause(0.3)

    return bool(snap_compare(app, terminal_size=size, run_before=run_before))


async def tree_settled(
    pilot: Any, screen: BrowserScreen, promotion_id: str, *, expanded: bool = True
) -> None:
    """Wait for the tree's cursor on a promotion opened (expanded unless locked), and for the
    scroll that follows a refresh: the promotion and its last collection on screen (if the
    tree is: a narrow screen hides it while the table has the focus)."""
    tree = screen.promotions_tree

    def settled() -> bool:
        node = tree._promotion_node(promotion_id)
        if node is None or tree.cursor_node is not node or node.is_expanded != expanded:
            return False
        if expanded and not node.children:  # its collections are added as it expands
            return False
        if not screen.query_one("#sidebar").display:
            return True
        last = node.children[-1] if expanded else node
        top, height = tree.scroll_offset.y, tree.scrollable_content_region.height
        return top <= node.line and 0 <= last.line < top + height

    await wait_until(pilot, settled)


async def show(screen: BrowserScreen, pilot: Any, promotion_id: str, state: str) -> None:
    """Open a promotion's users in the table and wait for `state` and the tree (if the account
    has that promotion)."""
    in_tree = screen.open_promotion(promotion_id)
    screen.collection.show(promotion_id, Collection.USERS, f"{promotion_id} · Users")
    screen.table.focus()
    await wait_until(pilot, lambda: screen.collection.state == state)
    if in_tree:
        await tree_settled(pilot, screen, promotion_id)


async def browsing(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    screen.open_promotion(SMALL)
    await tree_settled(pilot, screen, SMALL)
    listed = screen.promotions_tree.promotions
    summary = next(p for p in listed if str(p.get("id")) == SMALL)
    detail = screen.detail  # the promotion read in full, not the list's summary
    await wait_until(pilot, lambda: detail.shown and detail.shown.record.keys() > summary.keys())


async def with_data(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await show(screen, pilot, SMALL, "idle")
    await wait_until(pilot, lambda: screen.table.highlighted is not None)
    await pilot.press("down")
    detail = screen.detail
    await wait_until(
        pilot, lambda: detail.shown and detail.shown.record == screen.table.highlighted
    )
    await wait_until(pilot, lambda: "Coin balance" in detail.related_text)


async def empty(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await show(screen, pilot, str(credentials.DRAFT_PROMOTION_ID), "idle")


async def loading(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    sandbox_url = app.settings.easypromos_url.rsplit("/v2", 1)[0]
    rules = [{"kind": "hang", "path": f"/v2/users/{SMALL}"}]  # the first page never comes
    httpx.put(f"{sandbox_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    await show(screen, pilot, SMALL, "loading")


async def failed(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await show(screen, pilot, str(credentials.OTHER_PROMOTION_ID), "failed")
    await wait_until(pilot, lambda: screen.query_one(StatusBar).last_error)


async def error_in_full(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await failed(app, screen, pilot)
    await pilot.press("exclamation_mark")
    await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))


async def help_screen(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))


async def ezepo(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, EzepoScreen))
    ezepo_screen = app.screen
    assert isinstance(ezepo_screen, EzepoScreen)
    await wait_until(pilot, lambda: ezepo_screen.role is not None and ezepo_screen.lists)


STATES = {
    "browsing": browsing,
    "data": with_data,
    "empty": empty,
    "loading": loading,
    "error": failed,
    "error-in-full": error_in_full,
    "help": help_screen,
    "ezepo": ezepo,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(STATES))
def test_screen(
    state: str,
    size: tuple[int, int],
    snap_compare: Any,
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
) -> None:
    assert shot(snap_compare, settings_for(sandbox), size, STATES[state])


@pytest.mark.parametrize("size", SIZES)
def test_screen_locked(
    size: tuple[int, int],
    snap_compare: Any,
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
) -> None:
    async def locked(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
        locked_id = str(credentials.LOCKED_PROMOTION_ID)
        screen.open_promotion(locked_id)
        await wait_until(pilot, lambda: locked_id in screen.promotions_tree.locked)
        await tree_settled(pilot, screen, locked_id, expanded=False)

    settings = settings_for(sandbox, easypromos_token=Secret(credentials.SCOPED_TOKEN))
    assert shot(snap_compare, settings, size, locked)


@pytest.mark.parametrize("size", SIZES)
def test_screen_offline(
    size: tuple[int, int],
    snap_compare: Any,
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = sandbox_factory(seed=1)
    settings = settings_for(private)

    async def fill_the_cache() -> None:
        app = PromoTuiApp(settings)
        async with app.run_test(size=size) as pilot:
            screen = await browser_ready(app, pilot)
            await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
            await show(screen, pilot, SMALL, "idle")

    asyncio.run(fill_the_cache())
    private.stop()
    # A refused connection is not retried here, so the shot need not sit through the backoff.
    quick = functools.partial(clients.EasypromosClient, retry=RetryPolicy(attempts=1))
    monkeypatch.setattr(clients, "EasypromosClient", quick)

    async def offline(app: PromoTuiApp, screen: BrowserScreen, pilot: Any) -> None:
        await show(screen, pilot, SMALL, "offline")
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        detail = screen.detail  # a user's balance needs the API: said, not an error
        await wait_until(pilot, lambda: "not available offline" in detail.related_text)
        assert not notified(app, "Transactions")

    assert shot(snap_compare, settings, size, offline)
