"""The Insights screen: opened from the tree and the palette, labelled when the cache holds a
collection in part, loading it on `l` with the figures following the pages; snapshots on fixed
data at 140x40 and 80x24."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot

from tests.app.conftest import browsing, wait_until
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.insights import InsightsScreen
from tui.store import Store
from tui.store import insights as figures
from tui.widgets.promotions_tree import InsightsData

CLOSED = str(credentials.CLOSED_PROMOTION_ID)
BIG = str(credentials.BIG_PROMOTION_ID)


def status_text(screen: InsightsScreen) -> str:
    return str(screen.query_one("#insights-status").render())


async def insights_opened(app: Any, pilot: Pilot[None]) -> InsightsScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
    screen = app.screen
    await wait_until(pilot, lambda: screen.found is not None)
    return screen


async def test_the_tree_node_opens_insights_and_l_loads(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, browser, pilot):
        assert browser.open_promotion(CLOSED)
        tree = browser.promotions_tree
        await wait_until(pilot, lambda: tree.cursor_node and tree.cursor_node.children)
        node = tree.cursor_node
        assert node is not None and isinstance(node.children[-1].data, InsightsData)
        await pilot.press(*["down"] * len(node.children), "enter")
        screen = await insights_opened(app, pilot)
        assert screen.found is not None
        assert "participations: not cached" in status_text(screen)
        assert "l loads the rest" in status_text(screen)
        timezone = sandbox.state.promotion(int(CLOSED))["timezone"]
        assert f"Days in {timezone}" in status_text(screen)
        await pilot.press("l")
        count = sandbox.state.count(int(CLOSED), "participations")
        await wait_until(
            pilot,
            lambda: not screen.reading and not screen.found.partial,
        )
        found = screen.found
        assert found.participations == count
        assert sum(p.participations for p in found.periods) == count
        assert found.users == sandbox.state.count(int(CLOSED), "users")
        assert "participations: 300 (all cached)" in status_text(screen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is browser)


async def test_partly_cached_is_said_and_pages_arriving_update_the_figures(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, browser, pilot):
        store: Store = app.session.store
        async for page in app.session.client.pages(Collection.PARTICIPATIONS, BIG):
            store.write_page(Collection.PARTICIPATIONS, BIG, page.items)
            break
        assert browser.open_promotion(BIG)
        await wait_until(pilot, lambda: browser.current_promotion_id == BIG)
        app.action_insights()  # the palette's command: the tree's promotion
        screen = await insights_opened(app, pilot)
        assert "participations cached: 100 of ~?" in status_text(screen)
        assert screen.found is not None and screen.found.participations == 100
        await pilot.press("l")
        total = credentials.BIG_PARTICIPATIONS
        await wait_until(pilot, lambda: 100 < screen.found.participations < total, timeout=60)
        assert "loading participations" in status_text(screen)
        assert sum(p.participations for p in screen.found.periods) == screen.found.participations
        await pilot.press("escape")  # leaving stops the load
        await wait_until(pilot, lambda: app.screen is browser)


# -- snapshots on fixed data --------------------------------------------------------------------

DAY = 86_400
START = 1_767_225_600  # 2026-01-01T00:00:00Z
PROMOTION = {
    "id": "480199",
    "title": "Spring [b]Wheel[/b] 2026",
    "timezone": "Europe/Madrid",
    "start_date": "2026-01-03T09:00:00+00:00",
    "end_date": "2026-01-20T23:00:00+00:00",
}


def iso(moment: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(moment))


def fixed_store(*, complete: bool = True) -> Store:
    """Eighteen days of a promotion: users, participations and coins from a fixed formula
    (not `complete`: the server said it has 100,000 participations)."""
    store = Store.open("t", "http://x", "b", enabled=False)
    pid = PROMOTION["id"]
    countries = ("ES", "FR", "PT", "\x1b[31mXX", None)
    users = [
        {
            "id": str(100 + n),
            "first_name": ("Ana", "Olga", "Wei", "[b]Bo[/b]", "Lucía")[n % 5],
            "last_name": ("Puig", "Smith", "Chen", "Rossi")[n % 4],
            "status": ("validated", "validated", "pending", "blocked")[n % 4],
            "country": countries[n % 5],
            "created": iso(START + 2 * DAY + n * 7_000),
        }
        for n in range(200)
    ]
    store.write_page("users", pid, users)
    participations = [
        {
            "id": str(n),
            "user_id": str(100 + (n * 7) % 200),
            "created": iso(START + 2 * DAY + (n * 2_531) % (17 * DAY) + (n % 3) * 3_600),
        }
        for n in range(1_500)
    ]
    store.write_page("participations", pid, participations)
    coins = [
        {
            "transaction": {
                "id": str(n),
                "user_id": str(100 + n % 200),
                "amount": 50 if n % 3 else -20,
                "balance": 50 + (n * 13) % 400,
                "created": iso(START + 3 * DAY + n * 3_000),
            }
        }
        for n in range(400)
    ]
    store.write_page("coin_transactions", pid, coins)
    for name in ("users", "participations", "coin_transactions"):
        store.mark_refreshed(name, pid, complete=True, total_items=None)
    if not complete:
        store.mark_refreshed("participations", pid, complete=False, total_items=100_000)
    return store


class FixedSession:
    offline = True

    def __init__(self, *, complete: bool = True) -> None:
        self.store = fixed_store(complete=complete)


class InsightsHost(App[None]):
    CSS_PATH = "../../tui/app.tcss"

    def __init__(self, *, complete: bool = True) -> None:
        super().__init__()
        self.session = FixedSession(complete=complete)

    def on_mount(self) -> None:
        self.push_screen(InsightsScreen(PROMOTION))


async def _counted(pilot: Any) -> None:
    await insights_opened(pilot.app, pilot)
    await pilot.pause(0.2)


def test_snapshot_insights_140x40(snap_compare: Any) -> None:
    assert snap_compare(InsightsHost(), terminal_size=(140, 40), run_before=_counted)


def test_snapshot_insights_80x24(snap_compare: Any) -> None:
    assert snap_compare(InsightsHost(), terminal_size=(80, 24), run_before=_counted)


@pytest.mark.parametrize(
    ("complete", "size", "said"),
    [
        (True, (140, 40), "Days in Europe/Madrid · participations: 1,500 (all cached) · users"),
        (True, (100, 30), "Days in Europe/Madrid (the promotion's timezone) · all cached"),
        (True, (80, 24), "Days in Europe/Madrid (the promotion's timezone) · all cached"),
        (False, (140, 40), "participations cached: 1,500 of ~100,000 · l loads the rest"),
        (False, (100, 30), "participations cached: 1,500 of ~100,000 · l loads the rest"),
        (False, (80, 24), "Days in Europe/Madrid · partly cached · l loads the rest"),
    ],
)
async def test_the_status_is_one_line_at_every_size(
    complete: bool, size: tuple[int, int], said: str
) -> None:
    """The status keeps to one line, dropping what matters least, and fits again on a resize
    (it wrapped onto a second line at 140 columns)."""
    app = InsightsHost(complete=complete)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await insights_opened(app, pilot)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        status = screen.query_one("#insights-status")
        text = str(status.render())
        assert status.size.height == 1
        assert cell_len(text) <= status.content_size.width, text
        assert said in text
        assert screen.query_one("#insights-title").region.bottom == status.region.y


async def test_a_first_count_that_fails_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """The problem is shown when no figures were ever read (it stayed 'Counting…'). The fault is
    injected: a store of ours cannot be damaged on cue."""

    def damaged(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(figures, "read", damaged)
    app = InsightsHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        screen = app.screen
        await wait_until(pilot, lambda: "malformed" in status_text(screen))
        assert status_text(screen) == "⚠ database disk image is malformed"
