"""Servers' error messages are shown as text, never run: on every screen that shows errors.

The sandbox answers chosen endpoints with a 'hostile' error: markup (`[/b]` raises in a markup
parser, `[link=...]` would be clickable), an OSC 52 clipboard write, a clear-screen, a C1 CSI
(U+009B) and a bidi override. The app must stay up, show the message literally (the brackets
visible), paint none of its controls and carry no link of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Button, Input, Select

from tests.reliability._app import SIZE, app_settings, paint, until
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PID = cr.ACTIVE_PROMOTION_ID
SHOWN = "[link='https://evil.example']click[/link]"  # a piece of the message, shown literally


def hostile(sandbox: SandboxServer, *paths: str, method: str | None = None) -> None:
    """Every request under one of `paths` gets the hostile error (the session sandbox resets
    faults after each test)."""
    rules = [{"kind": "hostile", "path": path, "method": method} for path in paths]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()


def settings(sandbox: SandboxServer, home: Path, **changes: Any) -> Any:
    return app_settings(
        sandbox.easypromos_url,
        home,
        ezepo_endpoint=sandbox.ezepo_endpoint,
        ezepo_key=Secret(cr.EZEPO_ADMIN_KEY),
        **changes,
    )


def assert_inert(app: Any, where: str) -> str:
    """The screen as painted: no foreign control, no link of the message; its text."""
    painted = paint(app)
    assert not painted.foreign_sequences(), f"{where}: {painted.foreign_sequences()}"
    assert not [link for link in painted.links if "evil" in link or "app.quit" in link], where
    assert app.is_running and app.return_code in (None, 0), where
    assert app.clipboard == "", where
    return "\n".join(painted.lines)


def shown(app: Any, text: str) -> bool:
    """`text` is on screen, toasts included (they wrap: compared without line ends)."""
    return text in "".join(line.strip() for line in paint(app).lines)


@pytest.mark.parametrize(
    ("paths", "what"),
    [(("/v2/organizing_brands",), "the account"), ((f"/v2/users/{PID}",), "a collection")],
)
async def test_browser_shows_hostile_errors_inert(
    sandbox: SandboxServer, tmp_path: Path, paths: tuple[str, ...], what: str
) -> None:
    from tui.app import PromoTuiApp
    from tui.screens.browser import BrowserScreen
    from tui.widgets.status_bar import StatusBar

    hostile(sandbox, *paths)
    app = PromoTuiApp(settings(sandbox, tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        screen = app.screen
        status = screen.query_one(StatusBar)
        if what == "a collection":
            await until(pilot, lambda: screen.promotions_tree.promotions)
            assert screen.open_promotion(str(PID))
            await pilot.pause()
            await pilot.press(*["down"] * 5, "enter")  # its users
        await until(pilot, lambda: "[/b]" in status.last_error)
        await until(pilot, lambda: shown(app, SHOWN))
        assert_inert(app, what)


async def test_ezepo_key_check_shows_a_hostile_error_inert(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tui.app import PromoTuiApp
    from tui.screens.ezepo import EzepoScreen

    hostile(sandbox, "/api/test")
    app = PromoTuiApp(settings(sandbox, tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.screen.query("PromotionsTree"))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EzepoScreen))
        status = app.screen.query_one("#ezepo-status")
        await until(pilot, lambda: "[/b]" in str(status.render()))
        assert "Checking the Ezepo key failed" in str(status.render())
        assert_inert(app, "the Ezepo key check")


async def test_ezepo_tabs_show_hostile_errors_inert(sandbox: SandboxServer, tmp_path: Path) -> None:
    """Lists and affiliates fail to load; then, with them loaded, every action of the other
    tabs meets a hostile error: link builder, bulk links, fetch job, new list."""
    from tui.app import PromoTuiApp
    from tui.screens.ezepo import EzepoScreen
    from tui.widgets.ezepo.affiliates import AffiliatesPane
    from tui.widgets.ezepo.base import ErrorLine
    from tui.widgets.ezepo.bulk import BulkLinks
    from tui.widgets.ezepo.jobs import FetchJobs
    from tui.widgets.ezepo.link_builder import LinkBuilder
    from tui.widgets.ezepo.lists import ListsPane
    from tui.widgets.ezepo.new_list import NewListForm

    def error_of(pane: Any) -> str:
        return str(pane.query_one(ErrorLine).render())

    hostile(sandbox, "/api/lists/", "/api/affiliates/")
    app = PromoTuiApp(settings(sandbox, tmp_path, ezepo_poll_seconds=0.2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.screen.query("PromotionsTree"))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EzepoScreen))
        screen = app.screen
        lists = screen.query_one(ListsPane)
        await until(pilot, lambda: "[/b]" in error_of(lists))
        await until(pilot, lambda: shown(app, SHOWN))
        assert_inert(app, "lists and affiliates")

        hostile(sandbox, "/api/links/", "/api/lists/fetch/", "/api/newlist/")
        lists.reload()
        screen.query_one(AffiliatesPane).reload()
        await until(pilot, lambda: screen.lists and screen.affiliates)

        await pilot.press("3")
        builder = screen.query_one(LinkBuilder)
        builder.query_one("#link-affiliate", Select).value = cr.DEMO_AFFILIATE_ID
        builder.query_one("#link-list", Select).value = cr.DEMO_LIST_ID
        await until(pilot, lambda: "[/b]" in error_of(builder))
        assert_inert(app, "link builder")

        await pilot.press("4")
        bulk = screen.query_one(BulkLinks)
        bulk.query_one("#bulk-list", Select).value = cr.DEMO_LIST_ID
        bulk.query_one("#bulk-generate", Button).press()
        await until(pilot, lambda: bulk.rows and len(bulk.rows) == len(screen.affiliates))
        assert all("[/b]" in row.error for row in bulk.rows)
        assert_inert(app, "bulk links")

        await pilot.press("5")
        jobs = screen.query_one(FetchJobs)
        jobs.query_one("#jobs-list", Select).value = cr.DEMO_LIST_ID
        jobs.query_one("#jobs-dir", Input).value = str(tmp_path / "lists")
        jobs.query_one("#jobs-start", Button).press()
        await until(pilot, lambda: jobs.jobs and not jobs.jobs[1].running)
        assert "[/b]" in (jobs.jobs[1].error or "")
        assert_inert(app, "fetch job")

        await pilot.press("6")
        form = screen.query_one(NewListForm)
        form.listid_field.input.value = "9902"
        form.name_field.input.value = "Hostile answer"
        await pilot.pause()
        form.query_one("#new-create", Button).press()
        await until(pilot, lambda: "[/b]" in error_of(form))
        text = assert_inert(app, "new list")
        assert "Creating the list failed" in text


async def test_setup_shows_hostile_errors_inert(sandbox: SandboxServer, tmp_path: Path) -> None:
    from tui.app import PromoTuiApp
    from tui.screens.setup import SetupScreen

    hostile(sandbox, "/v2/organizing_brands", "/api/test")
    app = PromoTuiApp(settings(sandbox, tmp_path, easypromos_token=None))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SetupScreen))
        screen = app.screen
        screen.ep_url.input.value = sandbox.easypromos_url
        screen.ep_token.input.value = cr.DEMO_TOKEN
        screen.ez_endpoint.input.value = sandbox.ezepo_endpoint
        screen.ez_key.input.value = cr.EZEPO_ADMIN_KEY
        await pilot.pause()
        screen.query_one("#test", Button).press()
        for service in ("easypromos", "ezepo"):
            result = screen.query_one(f"#{service}-result")
            await until(pilot, lambda result=result: "[/b]" in str(result.render()))
        assert_inert(app, "setup")


@asynccontextmanager
async def refusing_coins(sandbox: SandboxServer, home: Path) -> AsyncIterator[tuple[Any, Any, str]]:
    """The app, its pilot and a user, once its session started; coin POSTs get the hostile
    error."""
    from tui.app import PromoTuiApp

    records, _ = sandbox.state.page(PID, "users", True, None)
    hostile(sandbox, "/v2/coin_transactions", method="POST")
    app = PromoTuiApp(settings(sandbox, home))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.session.has_store)  # the account is loaded (a coin
        yield app, pilot, str(records[0]["id"])  # dialog's reads need it, as a user's do)


async def test_journal_shows_a_hostile_refusal_inert(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A coin POST refused with a hostile message: the journal keeps it as the entry's note."""
    from tui.api.errors import ApiError
    from tui.screens.journal import JournalScreen

    async with refusing_coins(sandbox, tmp_path) as (app, pilot, user_id):
        session = app.session
        entry = await session.prepare_coins(str(PID), user_id, 5, "refused")
        with pytest.raises(ApiError):
            await session.send_coins(entry)
        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await until(pilot, lambda: shown(app, "Easypromos refused POST"))
        assert_inert(app, "journal")  # the note is shown whole, under the table
        [entry] = app.session.journal_entries()
        assert "[/b]" in entry.note and "\x1b]52;" in entry.note  # kept whole in the journal


async def test_coin_dialog_shows_a_hostile_refusal_inert(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tui.screens.coins import CoinDialog

    async with refusing_coins(sandbox, tmp_path) as (app, pilot, user_id):
        app.open_coin_dialog(str(PID), user_id)
        await until(pilot, lambda: isinstance(app.screen, CoinDialog))
        dialog = app.screen
        await until(pilot, lambda: dialog.query("#coin-amount"))
        dialog.query_one("#coin-amount", Input).value = "+5"
        dialog.query_one("#coin-concept", Input).value = "refused"
        dialog.query_one("#coin-review", Button).press()
        send = dialog.query_one("#coin-send", Button)
        await until(pilot, lambda: not send.disabled)
        send.press()
        summary = dialog.query_one("#coin-summary")
        await until(pilot, lambda: "[/b]" in str(summary.render()))
        assert_inert(app, "coin dialog")
