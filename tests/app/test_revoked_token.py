"""A token revoked mid-session opens the setup screen (once), not a crash.

The sandbox's control API cannot revoke a token, and every sandbox in the process shares one
token table, so the test removes the demo token from that table while the app runs: the next
calls get a real 401 over HTTP. monkeypatch puts the token back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.app.conftest import SIZE, wait_until
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox import easypromos as sandbox_api
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.setup import SetupScreen
from tui.widgets.status_bar import StatusBar


async def test_revoked_token_mid_session_opens_the_setup_screen(
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await wait_until(pilot, lambda: screen.promotions_tree.promotions)

        monkeypatch.delitem(sandbox_api.TOKENS, credentials.DEMO_TOKEN)
        screen.collection.show(str(credentials.ACTIVE_PROMOTION_ID), Collection.USERS, "Users")
        screen.action_reload_account()  # a second worker meets the same 401
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        await wait_until(pilot, lambda: screen.collection.state == "failed")
        await pilot.pause(0.3)
        assert app.is_running
        assert sum(isinstance(s, SetupScreen) for s in app.screen_stack) == 1
        assert "refused the access token" in screen.query_one(StatusBar).last_error
