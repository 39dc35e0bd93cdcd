"""A new session (another profile, or the first one from the setup screen) shows in the one
browser: its account, its profile, no pane of the previous session left."""

from __future__ import annotations

from collections.abc import Callable

from tests.app.conftest import SIZE, browser_ready, browsing, wait_until
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.redact import Secret
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.setup import SetupScreen
from tui.widgets.status_bar import StatusBar


async def test_another_profile_replaces_the_browsers_content(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        first_account = {p["id"] for p in screen.promotions_tree.promotions}
        screen.collection.show(str(credentials.ACTIVE_PROMOTION_ID), Collection.USERS, "Users")
        await wait_until(pilot, lambda: screen.table.row_count > 0)

        other = settings_for(
            sandbox, profile="other", easypromos_token=Secret(credentials.OTHER_ACCOUNT_TOKEN)
        )
        await app.start_session(other)
        await wait_until(pilot, lambda: screen.promotions_tree.promotions)
        assert app.screen is screen and app.screen_stack == [screen]
        assert screen.query_one(StatusBar).profile == "other"
        assert screen.collection.showing is None  # the previous collection is gone
        assert first_account.isdisjoint(p["id"] for p in screen.promotions_tree.promotions)
        assert app.session.settings.profile == "other"


async def test_the_setup_screens_settings_open_the_browser(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox, easypromos_token=Secret("")))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        app.screen.dismiss(settings_for(sandbox, profile="fresh"))
        screen = await browser_ready(app, pilot)
        assert sum(isinstance(s, BrowserScreen) for s in app.screen_stack) == 1
        assert screen.query_one(StatusBar).profile == "fresh"
