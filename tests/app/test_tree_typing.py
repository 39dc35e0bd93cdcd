"""Typing on the promotions tree: every letter and space reaches the filter box, whether keys
come one at a time (each handled before the next) or all at once (a fast typist)."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Input

from tests.app.conftest import browsing, wait_until
from tui.config import Settings
from tui.sandbox.server import SandboxServer
from tui.widgets.promotions_tree import PromotionData


def send_at_once(app: object, text: str) -> None:
    """Queue every key before the app handles the first (as a terminal delivers fast typing)."""
    driver = app._driver  # type: ignore[attr-defined]
    for character in text:
        key = {" ": "space", "\r": "enter"}.get(character, character)
        event = events.Key(key, character)
        event.set_sender(app)  # type: ignore[arg-type]
        driver.send_message(event)


async def test_typing_on_the_tree_keeps_every_letter_key_by_key(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        field = screen.query_one("#tree-filter", Input)
        for word in ("summer", "photo"):
            screen.promotions_tree.focus()
            field.value = ""
            await pilot.pause()
            for character in word:
                await pilot.press(character)
                await pilot.pause(0.1)
            assert field.value == word
            assert field.has_focus


async def test_typing_fast_on_the_tree_keeps_spaces(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        field = screen.query_one("#tree-filter", Input)
        title = str(screen.promotions_tree.promotions[0]["title"])
        assert " " in title
        send_at_once(app, title)
        await wait_until(pilot, lambda: field.value == title)
        await wait_until(pilot, lambda: screen.promotions_tree.text_filter == title)
        shown = [
            node.data.id  # type: ignore[union-attr]
            for brand in screen.promotions_tree.root.children
            for node in brand.children
        ]
        assert str(screen.promotions_tree.promotions[0]["id"]) in shown


async def test_typing_an_id_and_enter_fast_opens_it(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        tree, field = screen.promotions_tree, screen.query_one("#tree-filter", Input)
        promotion_id = str(tree.promotions[-1]["id"])
        send_at_once(app, promotion_id + "\r")
        await wait_until(pilot, lambda: tree.has_focus and field.value == promotion_id)
        await wait_until(
            pilot,
            lambda: (
                isinstance(tree.cursor_node and tree.cursor_node.data, PromotionData)
                and tree.cursor_node.data.id == promotion_id
            ),  # type: ignore[union-attr]
        )
