"""Browsing against the sandbox over real HTTP: tree, table, detail, locked, hostile strings."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from textual.widgets import Static

from tests.app.conftest import SIZE, browser_ready, browsing, wait_until
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.memory import FULL_EVERY
from tui.redact import Secret
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.widgets.detail_pane import DetailPane
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

USERS_OFFSET = 5  # Stages, Prize types, Prizes, Ranking, Users


def static_text(widget: Static) -> str:
    return str(widget.render())


async def test_browse_brand_promotion_users(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        assert screen.open_promotion(str(credentials.ACTIVE_PROMOTION_ID))
        await pilot.pause()
        await pilot.press(*["down"] * USERS_OFFSET, "enter")
        table = screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: screen.collection.state == "idle" and table.row_count)
        assert table.has_focus
        await pilot.press("down")
        detail = screen.query_one(DetailPane)
        await wait_until(  # the detail follows once the cursor rests
            pilot,
            lambda: detail.shown is not None and detail.shown.record == table.highlighted,
        )
        await wait_until(pilot, lambda: "Coin balance" in detail.related_text)
        assert "rows" in static_text(screen.query_one("#view-status", Static))


async def test_promotion_outside_scope_is_locked_not_an_error(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(sandbox, easypromos_token=Secret(credentials.SCOPED_TOKEN))
    async with browsing(settings) as (_, screen, pilot):
        locked = str(credentials.LOCKED_PROMOTION_ID)
        assert screen.open_promotion(locked)
        await wait_until(pilot, lambda: locked in screen.promotions_tree.locked)
        node = screen.promotions_tree.cursor_node
        assert node is not None and "locked" in str(node.label)
        assert not node.children
        assert screen.query_one(StatusBar).last_error == ""
        assert "1 locked" in static_text(screen.query_one("#account", Static))


async def test_hostile_strings_are_shown_literally(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        assert screen.open_promotion(str(credentials.HOSTILE_PROMOTION_ID))
        await pilot.pause()
        await pilot.press(*["down"] * USERS_OFFSET, "enter")
        table = screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: screen.collection.state == "idle" and table.row_count)
        assert table.source is not None
        rows = [table._row_text(r) for r in table.source.rows(0, table.row_count)]
        text = "\n".join(rows)
        assert not any(c in text for c in "\x1b\x07\u202e"), "a control character is shown"
        assert "[bold]x[/]" in text and "[@click=app.quit]" in text
        painted = "".join(table.render_line(y).text for y in range(table.size.height))
        assert "\x1b" not in painted
        assert app.is_running  # the [@click=app.quit] string did not run
        detail = screen.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.shown is not None)
        assert detail.text and "\x1b" not in detail.text


async def test_expand_opens_the_promotion_asked_for_not_the_one_under_the_cursor(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        tree = (await browser_ready(app, pilot)).promotions_tree
        # The promotion's GET (the 403 check) is held until the keys below were handled.
        answer = asyncio.Event()
        read = app.session.promotion

        async def held(promotion_id: str) -> dict[str, Any]:
            await answer.wait()
            return await read(promotion_id)

        app.session.promotion = held  # type: ignore[method-assign]
        nodes = list(tree._promotion_nodes())[:4]
        tree.focus()
        tree.call_after_refresh(tree.move_cursor, nodes[0])  # once its lines are built
        await wait_until(pilot, lambda: tree.has_focus and tree.cursor_node is nodes[0])
        await pilot.press("right", "down", "down", "down")
        assert not nodes[0].is_expanded and tree.cursor_node is nodes[3]
        answer.set()
        await wait_until(pilot, lambda: nodes[0].is_expanded)
        await pilot.pause()
        assert [node.is_expanded for node in nodes] == [True, False, False, False]
        assert tree.cursor_node is nodes[3]


async def test_objects_alive_once_the_account_is_shown_are_frozen(
    sandbox: SandboxServer, settings_for: Callable[..., Settings], monkeypatch: Any
) -> None:
    from tui.screens import browser

    app = PromoTuiApp(settings_for(sandbox))
    promotions_when_frozen: list[int] = []
    monkeypatch.setattr(
        browser,
        "freeze_long_lived",
        lambda: promotions_when_frozen.append(len(app.screen.promotions_tree.promotions)),
    )
    async with app.run_test(size=SIZE) as pilot:
        await browser_ready(app, pilot)
        await wait_until(pilot, lambda: promotions_when_frozen)
        assert promotions_when_frozen[0] > 0  # after the tree was filled
        assert gc.get_threshold()[2] > 1_000  # full collections wait for an input pause
        before = app.idle_collector._last_input
        await pilot.press("down")
        assert app.idle_collector._last_input > before
    assert gc.get_threshold()[2] == FULL_EVERY


async def test_a_promotion_id_typed_fast_on_the_tree_filters_it_and_enter_opens_it(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    from textual import events
    from textual.widgets import Input

    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        screen.promotions_tree.focus()
        await pilot.pause()
        for key in "480101":  # all queued before the filter takes the focus; 1 is a binding
            app.post_message(events.Key(key, key))
        field = screen.query_one("#tree-filter", Input)
        await wait_until(pilot, lambda: field.value == "480101")
        assert field.has_focus
        tree = screen.promotions_tree
        await wait_until(pilot, lambda: len(tree.root.children) == 1)  # empty brands hidden
        (brand,) = tree.root.children
        assert [str(node.label) for node in brand.children] == [
            "● Big Wheel of Summer 2025 #480101"
        ]
        await pilot.press("enter")  # the filter done: the cursor is on the first match
        await wait_until(pilot, lambda: tree.has_focus and tree.cursor_node is brand.children[0])
        await pilot.press("enter")
        await wait_until(pilot, lambda: brand.children[0].is_expanded)


async def test_a_long_email_breaks_after_its_at_sign(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """At 140x40 a user of the table (the list's summary) has a value column narrower than a
    long email: it breaks after the `@`, the domain whole on the next line (it was cut
    mid-word: `...@mail.ex` / `ample.net`)."""
    pid = credentials.ACTIVE_PROMOTION_ID
    users, _ = sandbox.state.page(pid, "users", False, None, brief=True)
    user = max(users, key=lambda u: len(u["email"]))
    local, domain = user["email"].split("@")
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        detail = screen.detail
        detail.show(str(pid), Collection.USERS, user)  # as the table does on a row
        await wait_until(pilot, lambda: "Coin balance" in detail.related_text)
        lines = [line.strip() for line in detail.text.splitlines()]
        at = next(i for i, line in enumerate(lines) if line.startswith("email"))
        assert lines[at].split() == ["email", f"{local}@"]
        assert lines[at + 1] == domain
