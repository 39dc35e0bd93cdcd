"""Every screen's footer shows each key whole or not at all, Help kept, from 80 columns up; and
the focused widget's keys, also after it loaded."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer

from tests.app.conftest import browsing, wait_until
from tests.app.test_ezepo import host
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.messages import FirstFrameShown
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.ezepo import EzepoScreen
from tui.screens.journal import JournalScreen
from tui.widgets import footer as footer_module

SIZES = [(80, 24), (100, 30), (120, 30), (140, 40), (80, 24)]  # narrower again at the end


def shown(app: PromoTuiApp) -> list[Widget]:
    """The footer's keys that are on screen (not the palette's, docked on the right)."""
    footer = app.screen.query_one(Footer)
    return [k for k in footer.children if k.display and not k.has_class("-command-palette")]


def keys_of(screen: Screen[object]) -> list[str]:
    """What the screen's footer shows, key by key."""
    return [str(getattr(key, "description", "")) for key in screen.query_one(Footer).children]


def all_whole(app: PromoTuiApp, width: int) -> bool:
    """The footer is laid out at `width`, and every key it shows ends before the palette's."""
    footer = app.screen.query_one(Footer)
    palette = footer.query_one(".-command-palette")
    keys = shown(app)
    return (
        footer.region.width == width
        and bool(keys)
        and all(key.region.width and key.region.right <= palette.region.x for key in keys)
    )


def descriptions(app: PromoTuiApp) -> list[str]:
    return [str(getattr(key, "description", "")) for key in shown(app)]


async def walk_sizes(pilot: Pilot[Any], app: PromoTuiApp, first: str) -> None:
    """At each size, wait for a footer of whole keys that keeps Help and `first` (the
    focused widget's first key)."""
    for width, height in SIZES:
        await pilot.resize_terminal(width, height)
        await wait_until(pilot, functools.partial(all_whole, app, width))
        assert "Help" in descriptions(app) and first in descriptions(app), (
            width,
            descriptions(app),
        )


async def test_footer_keys_are_whole_or_left_out_on_every_screen(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, _, pilot):
        await walk_sizes(pilot, app, "Status filter")  # the tree has the focus
        await pilot.press("J")
        await wait_until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await walk_sizes(pilot, app, "Sort")
        await pilot.resize_terminal(140, 40)
        await wait_until(pilot, lambda: "Ezepo" in descriptions(app))  # all fit: none left out
        assert "Journal" not in descriptions(app)  # but the key of the screen shown
        await pilot.press("J")  # does nothing here (it stacked a second journal)
        assert [type(s) for s in app.screen_stack[1:]] == [JournalScreen]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EzepoScreen))
        await walk_sizes(pilot, app, "Reload lists")
        await pilot.resize_terminal(140, 40)
        await wait_until(pilot, lambda: "Journal" in descriptions(app))
        assert "Ezepo" not in descriptions(app)


async def test_the_first_frame_has_the_footer_keys(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """The footer is filled before its first layout, 0 columns wide: fitted to that, every key
    was hidden, the first frame went out without them (and announced itself complete), and a
    second frame brought them ~20 ms later."""
    app = PromoTuiApp(settings_for(sandbox))
    announced: list[list[str]] = []

    def first_frame_shown() -> FirstFrameShown:
        announced.append(descriptions(app))  # the keys of the frame being painted
        return FirstFrameShown()

    monkeypatch.setattr(footer_module, "FirstFrameShown", first_frame_shown)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: announced)
        assert "Help" in announced[0] and "Status filter" in announced[0], announced


async def test_a_tables_keys_show_once_it_has_loaded(sandbox: SandboxServer) -> None:
    """The lists table has the focus while its lists load, and the footer is filled then (the
    terminal got the focus back): Textual leaves a loading widget out of the bindings, so the
    pane's keys are missing until the load ends, and then back."""
    rules = [{"kind": "slow", "path": "/api/lists/", "seconds": 1.0}]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    app = host(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#lists-table"))
        screen = app.screen
        table = screen.query_one("#lists-table", DataTable)
        await wait_until(pilot, lambda: table.loading)
        table.focus()
        app.post_message(events.AppFocus())
        await wait_until(pilot, lambda: "Reload lists" not in keys_of(screen))
        await wait_until(pilot, lambda: not table.loading)
        await wait_until(pilot, lambda: "Reload lists" in keys_of(screen))
