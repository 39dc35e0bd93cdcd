"""Empty states say what is true: nothing chosen yet, a collection with no records, a filter
that matches none; and counts and pages are said in the right number."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from tests.app.conftest import browsing, wait_until
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.widgets.virtual_table import VirtualTable
from tui.widgets.words import counted


def body(table: VirtualTable) -> str:
    return table.render_line(1).text.strip()


async def test_empty_states_say_what_is_true(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        view, table = screen.collection, screen.table
        title = str(view.query_one("#view-title", Static).render())
        assert title == "Choose a collection in the tree"
        assert "cached" not in body(table)

        view.show(str(credentials.DRAFT_PROMOTION_ID), Collection.USERS, "Draft · Users")
        await wait_until(pilot, lambda: view.state == "idle")
        await wait_until(pilot, lambda: body(table) == "No users in this promotion")
        status = str(view.query_one("#view-status", Static).render())
        assert status.startswith("0 rows") and "pages" not in status

        view.show(str(credentials.ACTIVE_PROMOTION_ID), Collection.USERS, "Small · Users")
        await wait_until(pilot, lambda: view.state == "idle" and table.row_count > 0)
        view.query_one("#view-filter", Input).value = "zzzzqqq"
        await wait_until(pilot, lambda: table.row_count == 0)
        await wait_until(pilot, lambda: body(table) == "No users match the filter")


def test_counted_words_agree_with_their_number() -> None:
    assert counted(1, "row") == "1 row"
    assert counted(0, "row") == "0 rows"
    assert counted(1200, "entry", "entries") == "1,200 entries"
