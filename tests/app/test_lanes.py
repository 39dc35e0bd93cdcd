"""What the user waits on goes before the collection loading in the background (issue 15)."""

from __future__ import annotations

from collections.abc import Callable

from tests.app.conftest import browsing, wait_until
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.session import session_of
from tui.widgets.virtual_table import VirtualTable

LIMIT, WINDOW = 20, 3.0  # bulk pages 150 ms apart; a burst of 20 would take ~1 s


async def test_a_user_opened_during_a_paced_load_is_read_before_the_load_moves_on(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    sandbox = sandbox_factory(minute_seconds=WINDOW, rate_limit=LIMIT)
    settings = settings_for(sandbox, rate_limit=LIMIT, rate_window_seconds=WINDOW)
    async with browsing(settings) as (_, screen, pilot):
        view, detail = screen.collection, screen.detail
        view.show(str(credentials.BIG_PROMOTION_ID), Collection.PARTICIPATIONS, "Paced")
        screen.query_one(VirtualTable).focus()

        def pages() -> int:
            return view._progress.pages if view._progress else 0

        # Nearly two windows of pages: the budget is in use. Had the load taken a window's budget
        # in a burst, as it could, it would now wait for the next window, and so would the user.
        await wait_until(pilot, lambda: pages() >= 2 * LIMIT - 5 and detail.shown, timeout=30)
        session, waits = session_of(screen), []

        def user_shown() -> bool:
            waits.append(session.budget_wait())
            return "Coin balance" in detail.related_text

        detail.action_open_user()  # two calls: the user, then their coin transactions
        await wait_until(pilot, user_shown, timeout=30)
        # Neither call waited for the budget for a second (the session says so after one).
        assert waits and set(waits) == {None}
        assert view.state == "loading" and pages() < 1000
        view.action_stop()
