"""Regenerate screenshots/*.svg from the app running against a private sandbox.

    .venv/bin/python tools/screenshots.py [OUTPUT_DIR]

Nothing is read from or written to the user's config: the cache and journal go to a temporary
directory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (140, 40)


async def until(pilot: Any, condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Run the app until `condition()` holds."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise TimeoutError(f"screenshot step timed out: {condition}")


def record_id(record: dict[str, Any] | None) -> object:
    return None if record is None else record.get("id")


def shown_id(browser: Any) -> object:
    """The id of the record the detail pane shows."""
    shown = browser.detail.shown
    return None if shown is None else record_id(shown.record)


def detail_settled(browser: Any) -> bool:
    """The detail pane shows the highlighted user with all that relates to them (balance,
    transactions, participations: its last line, the keys, comes last), no work is left
    running and the status bar says so (it counts the jobs twice a second)."""
    from tui.widgets.status_bar import StatusBar

    highlighted = browser.collection.table.highlighted
    related = browser.detail.related_text
    return (
        shown_id(browser) == record_id(highlighted)
        and "c adds coins" in related
        and not any(worker.is_running for worker in browser.app.workers)
        and browser.query_one(StatusBar).jobs == 0
    )


async def open_collection(pilot: Any, browser: Any, promotion_id: str, collection: Any) -> None:
    """Choose a promotion's collection in the tree, as a user does: that promotion alone
    open, the collection's leaf under the cursor, the table titled by both."""
    from tui.widgets.promotions_tree import CollectionData, PromotionData

    tree = browser.promotions_tree
    for node in tree._promotion_nodes():
        if isinstance(node.data, PromotionData) and node.data.id != promotion_id:
            node.collapse()
    browser.open_promotion(promotion_id)

    def leaf() -> Any:
        opened = tree._promotion_node(promotion_id)
        return next(
            (
                node
                for node in (opened.children if opened is not None else [])
                if isinstance(node.data, CollectionData) and node.data.collection is collection
            ),
            None,
        )

    await until(pilot, leaf)
    await pilot.pause()  # the tree has scrolled its opened promotion into view
    tree.select_node(leaf())
    view = browser.collection

    def shown() -> bool:
        showing = view.showing
        return showing is not None and (showing.promotion_id, showing.collection) == (
            promotion_id,
            collection,
        )

    await until(pilot, shown)


def insights_settled(insights: Any) -> bool:
    """Every collection loaded and counted, the status line saying so."""
    found = insights.found
    status = str(insights.query_one("#insights-status").render())
    return not insights.reading and not found.partial and "loading" not in status


async def shoot(out: Path) -> None:
    from textual.widgets import DataTable

    from tui.api.endpoints import Collection
    from tui.app import PromoTuiApp
    from tui.launch import demo_settings
    from tui.sandbox import credentials
    from tui.sandbox.ezepo_state import HOSTILE_LIST_ID
    from tui.sandbox.server import SandboxServer
    from tui.screens.browser import BrowserScreen
    from tui.screens.coins import CoinDialog
    from tui.screens.ezepo import EzepoScreen
    from tui.screens.help import HelpScreen
    from tui.screens.insights import InsightsScreen
    from tui.screens.setup import SetupScreen
    from tui.widgets.ezepo.lists import ListsPane

    with SandboxServer(port=0) as sandbox, tempfile.TemporaryDirectory() as cache:
        # What the sandbox holds to test inert text (a promotion beside the big one, a list) is
        # no scene for the README: this private sandbox goes without it (tests rely on it).
        del sandbox.state.dataset.specs[credentials.HOSTILE_PROMOTION_ID]
        del sandbox.state.ezepo.lists[HOSTILE_LIST_ID]
        settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, Path(cache))
        app = PromoTuiApp(settings, demo=True)
        async with app.run_test(size=SIZE) as pilot:

            async def save(name: str) -> None:
                await pilot.pause()  # what the last step changed is laid out and drawn
                app.save_screenshot(str(out / f"{name}.svg"))
                print(f"wrote {out / name}.svg")

            await until(pilot, lambda: isinstance(app.screen, BrowserScreen))
            browser = app.screen
            assert isinstance(browser, BrowserScreen)
            await until(pilot, lambda: browser.promotions_tree.promotions)
            await until(pilot, lambda: browser.query("#collection").first().is_mounted)
            view = browser.collection

            # The main shot: a collection with data, a user in the detail pane, the budget.
            small = str(credentials.ACTIVE_PROMOTION_ID)
            await open_collection(pilot, browser, small, Collection.USERS)
            await until(pilot, lambda: view.state == "idle" and view.table.row_count > 0)
            await pilot.press("down", "down")
            await until(pilot, lambda: detail_settled(browser))
            await save("main")

            # A big collection streaming in, stopped once a few pages are on screen.
            big = str(credentials.BIG_PROMOTION_ID)
            await open_collection(pilot, browser, big, Collection.PARTICIPATIONS)
            await until(pilot, lambda: view.table.row_count >= 500)
            await pilot.press("down", "down")
            await until(pilot, lambda: shown_id(browser) == record_id(view.table.record_at(2)))
            await save("table-loading")
            view.action_stop()

            await open_collection(pilot, browser, small, Collection.USERS)
            await until(pilot, lambda: view.state == "idle" and view.table.row_count > 0)
            await pilot.press("down")
            await until(pilot, lambda: detail_settled(browser))
            await save("detail")

            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CoinDialog))
            dialog = app.screen
            assert isinstance(dialog, CoinDialog)
            await pilot.press(*"+50", "tab", *"Goodwill", "enter")
            await until(pilot, lambda: dialog.step == "confirm" and dialog.confirm_seen)
            await save("coin-dialog")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is browser)

            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await save("help")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is browser)

            closed = str(credentials.CLOSED_PROMOTION_ID)
            tree = browser.promotions_tree
            browser.open_insights(next(p for p in tree.promotions if str(p["id"]) == closed))
            await until(pilot, lambda: isinstance(app.screen, InsightsScreen))
            insights = app.screen
            assert isinstance(insights, InsightsScreen)
            await until(pilot, lambda: insights.found is not None)
            await pilot.press("l")
            await until(pilot, lambda: insights_settled(insights))
            await save("insights")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is browser)

            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EzepoScreen))
            ezepo = app.screen
            assert isinstance(ezepo, EzepoScreen)
            lists = ezepo.query_one(ListsPane).query_one(DataTable)
            await until(pilot, lambda: ezepo.role is not None and lists.row_count > 0)
            await save("ezepo")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is browser)

            # A typical path rather than this run's temporary one (nothing is saved).
            config = Path("/home/you/.config/promo-tui/config.toml")
            await app.push_screen(SetupScreen(config, "work"))
            await until(pilot, lambda: isinstance(app.screen, SetupScreen))
            await save("setup")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = os.path.join(home, name.lower())
        asyncio.run(shoot(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
