"""The table streams a collection page by page while keys keep working; Esc stops, r resumes;
a 429 shows the countdown and the load carries on."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.app.conftest import SIZE, browser_ready, wait_until
from tests.held_pages import pages_held
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

BIG = str(credentials.BIG_PROMOTION_ID)


async def start(  # type: ignore[no-untyped-def]
    app: PromoTuiApp, pilot, collection: Collection, promotion_id: str = BIG
) -> BrowserScreen:
    screen = await browser_ready(app, pilot)
    screen.collection.show(promotion_id, collection, "Streaming")
    screen.query_one(VirtualTable).focus()
    return screen


async def test_keys_work_mid_load_and_esc_stops_r_resumes(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    sandbox = sandbox_factory(rate_limit=None)
    promotion = credentials.ACTIVE_PROMOTION_ID
    sandbox.state.add_records(promotion, "users", 4_000)
    total = sandbox.state.count(promotion, "users")
    app = PromoTuiApp(settings_for(sandbox))
    # The fourth page is held in the sandbox until the keys are checked: the load is in flight.
    with pages_held(sandbox, after=3) as gate:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(app, pilot, Collection.USERS, str(promotion))
            view, table = screen.collection, screen.query_one(VirtualTable)
            await wait_until(pilot, lambda: gate.reached.is_set() and table.row_count >= 300)
            first = table.highlighted
            await pilot.press("down", "down", "down")
            assert view.state == "loading"
            selected = table.highlighted
            assert selected is not None and selected != first
            await pilot.press("escape")
            assert view.state == "stopped"
            stopped_at = table.row_count
            assert stopped_at < total
            gate.open()
            await pilot.press("r")
            await wait_until(pilot, lambda: view.state == "idle", timeout=60)
            await wait_until(pilot, lambda: table.row_count == total)
            await wait_until(pilot, lambda: table.highlighted == selected)  # selection kept


@pytest.mark.slow
async def test_more_than_a_thousand_pages_stream_without_blocking_keys(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    sandbox = sandbox_factory(rate_limit=None)
    sandbox.state.add_records(credentials.BIG_PROMOTION_ID, "participations", 100)
    total = credentials.BIG_PARTICIPATIONS + 100  # 1,001 pages
    app = PromoTuiApp(settings_for(sandbox, rate_limit=100_000))
    # Page 51 is held in the sandbox until the keys are checked: the load is in flight.
    with pages_held(sandbox, after=50) as gate:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(app, pilot, Collection.PARTICIPATIONS)
            view, table = screen.collection, screen.query_one(VirtualTable)
            await wait_until(
                pilot, lambda: gate.reached.is_set() and table.row_count >= 5_000, timeout=60
            )
            await pilot.press("end")
            await pilot.press("home", "down")
            assert view.state == "loading" and table.cursor == 1
            gate.open()
            await wait_until(pilot, lambda: view.state == "idle", timeout=400)
            assert view._progress is not None and view._progress.pages > 1_000
            table.reload()
            await wait_until(pilot, lambda: table.row_count == total)


async def test_rate_limit_shows_countdown_and_load_resumes(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    minute = 3.0
    sandbox = sandbox_factory(minute_seconds=minute)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot, Collection.PARTICIPATIONS)
        status = screen.query_one(StatusBar)
        await wait_until(pilot, lambda: screen.collection.state == "loading")
        # The 429 is injected just after a (wall-clock aligned) minute boundary, so that the wait
        # for the next one is long enough to be seen: a 429 late in a window waits a few ms.
        while time.time() % minute > 0.3:
            await pilot.pause(0.01)
        rules = [{"kind": "429", "nth": [1], "path": f"/v2/participations/{BIG}"}]
        httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
        await wait_until(pilot, lambda: "rate-limited · resumes in" in str(status.render()))
        view = screen.collection
        pages_when_limited = view._progress.pages if view._progress else 0
        await wait_until(
            pilot,
            lambda: view._progress is not None and view._progress.pages > pages_when_limited + 2,
        )
        assert "rate-limited" not in str(status.render())
        view.action_stop()
