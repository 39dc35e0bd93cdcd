"""The first frame is complete before the browser starts its work: the footer's keys are painted
first (the panes' imports and the session's thread would delay them), and the footer is not
rebuilt for bindings that did not change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.app.conftest import SIZE, browser_ready, wait_until
from tui import app as app_module
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.help import HelpScreen
from tui.widgets.footer import BrowserFooter


def footer_keys(app: PromoTuiApp) -> list[str]:
    return [str(key.description) for key in app.screen.query_one(BrowserFooter).children]


async def test_the_browser_starts_once_the_footer_is_painted(
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys_at_start: list[list[str]] = []
    start = BrowserScreen.start

    async def noted_start(self: BrowserScreen) -> None:
        keys_at_start.append(footer_keys(self.app))  # type: ignore[arg-type]
        await start(self)

    monkeypatch.setattr(BrowserScreen, "start", noted_start)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await browser_ready(app, pilot)
        assert len(keys_at_start) == 1 and "Quit" in keys_at_start[0]


async def never_filled(self: BrowserFooter) -> None:
    """Textual fills a footer only while the terminal has the focus."""


async def test_without_the_footer_the_browser_starts_anyway(
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(BrowserFooter, "recompose", never_filled)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await browser_ready(app, pilot)
        assert footer_keys(app) == []


async def test_a_screen_opened_over_the_browser_at_once_starts_it(
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(BrowserFooter, "recompose", never_filled)
    monkeypatch.setattr(app_module, "FOOTER_WAIT", 600.0)  # only the covering can start it
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        app.push_screen(HelpScreen())
        await wait_until(pilot, lambda: browser.promotions_tree.promotions)


async def test_the_footer_is_rebuilt_only_when_its_keys_change(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        screen = await browser_ready(app, pilot)
        footer = screen.query_one(BrowserFooter)
        keys = list(footer.children)
        screen.refresh_bindings()  # the same bindings: the same keys stay
        await pilot.pause()
        await pilot.pause()
        assert list(footer.children) == keys
        screen.query_one("#tree-filter").focus()  # the filter box has bindings of its own
        await wait_until(pilot, lambda: list(footer.children) != keys)
