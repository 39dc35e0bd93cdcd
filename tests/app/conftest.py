"""App fixtures: settings pointing at a sandbox, and wait helpers for Pilot tests."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import PromoTuiApp
from tui.config import Settings
from tui.redact import Secret
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen

SIZE = (140, 40)


def app_settings(sandbox: SandboxServer, tmp_path: Path, **changes: Any) -> Settings:
    """Settings for the app against `sandbox` (demo token, admin Ezepo key)."""
    values: dict[str, Any] = {
        "profile": "test",
        "easypromos_url": sandbox.easypromos_url,
        "easypromos_token": Secret(credentials.DEMO_TOKEN),
        "ezepo_endpoint": sandbox.ezepo_endpoint,
        "ezepo_key": Secret(credentials.EZEPO_ADMIN_KEY),
        "rate_window_seconds": sandbox.state.limiter.minute_seconds,
        "config_path": tmp_path / "config.toml",
    }
    return Settings(**{**values, **changes})


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 20.0
) -> None:
    """Let the app run until `condition()` holds (fails after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


async def browser_ready(app: PromoTuiApp, pilot: Pilot[Any]) -> BrowserScreen:
    """Wait for the browser screen and its promotions tree, and return the screen."""
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    await wait_until(pilot, lambda: screen.promotions_tree.promotions)
    return screen


@asynccontextmanager
async def browsing(
    settings: Settings,
) -> AsyncIterator[tuple[PromoTuiApp, BrowserScreen, Pilot[None]]]:
    """The app on `settings` in a test run, its browser ready (`browser_ready`)."""
    app = PromoTuiApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        yield app, await browser_ready(app, pilot), pilot


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    def make(sandbox: SandboxServer, **changes: Any) -> Settings:
        return app_settings(sandbox, tmp_path, **changes)

    return make


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's `snap_compare`, with the text cursor shown steadily in the shot:
    it blinks every 0.5 s, and a shot taken later than usual (a loaded machine) caught it off."""

    def compare(app: Any, *args: Any, run_before: Any = None, **kwargs: Any) -> bool:
        async def steady_cursor(pilot: Pilot[Any]) -> None:
            if run_before is not None and inspect.isawaitable(result := run_before(pilot)):
                await result
            for field in pilot.app.screen.query(Input):
                field.cursor_blink = False  # shown, and stays so

        return snap_compare(app, *args, run_before=steady_cursor, **kwargs)

    return compare
