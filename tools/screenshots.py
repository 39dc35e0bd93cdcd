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


async def shoot(out: Path) -> None:
    from tui.api.endpoints import Collection
    from tui.app import PromoTuiApp
    from tui.launch import demo_settings
    from tui.sandbox import credentials
    from tui.sandbox.server import SandboxServer
    from tui.screens.browser import BrowserScreen
    from tui.screens.coins import CoinDialog
    from tui.screens.ezepo import EzepoScreen
    from tui.screens.insights import InsightsScreen
    from tui.screens.setup import SetupScreen

    with SandboxServer(port=0) as sandbox, tempfile.TemporaryDirectory() as cache:
        settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, Path(cache))
        app = PromoTuiApp(settings, demo=True)
        async with app.run_test(size=SIZE) as pilot:

            def save(name: str) -> None:
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
            browser.open_promotion(small)
            promotions = browser.promotions_tree.promotions
            title = next(p.get("title") for p in promotions if str(p.get("id")) == small)
            view.show(small, Collection.USERS, f"{title} · Users")
            view.table.focus()
            await until(pilot, lambda: view.state == "idle" and view.table.row_count > 0)
            await pilot.press("down", "down")
            await until(pilot, lambda: "Coin balance" in browser.detail.related_text)
            await pilot.pause(0.5)
            save("main")

            big = str(credentials.BIG_PROMOTION_ID)
            view.show(big, Collection.PARTICIPATIONS, "Participations")
            view.table.focus()
            await until(pilot, lambda: view._progress is not None and view._progress.pages >= 5)
            await pilot.press("down", "down")
            await pilot.pause(0.3)
            save("table-loading")
            view.action_stop()

            view.show(str(credentials.ACTIVE_PROMOTION_ID), Collection.USERS, "Users")
            await until(pilot, lambda: view.state == "idle" and view.table.row_count > 0)
            await pilot.press("down")
            await pilot.pause(1.5)
            save("detail")

            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CoinDialog))
            await pilot.pause(0.3)
            await pilot.press(*"+50", "tab", *"Goodwill", "enter")
            await pilot.pause(1.5)
            save("coin-dialog")
            await pilot.press("escape")
            await pilot.pause(0.2)

            await pilot.press("question_mark")
            await pilot.pause(0.5)
            save("help")
            await pilot.press("escape")
            await pilot.pause(0.2)

            closed = str(credentials.CLOSED_PROMOTION_ID)
            tree = browser.promotions_tree
            browser.open_insights(next(p for p in tree.promotions if str(p["id"]) == closed))
            await until(pilot, lambda: isinstance(app.screen, InsightsScreen))
            insights = app.screen
            assert isinstance(insights, InsightsScreen)
            await until(pilot, lambda: insights.found is not None)
            await pilot.press("l")
            await until(pilot, lambda: insights.found and not insights.found.partial)
            await until(pilot, lambda: not insights.reading and insights.found.people)
            await pilot.pause(0.5)
            save("insights")
            await pilot.press("escape")
            await pilot.pause(0.2)

            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EzepoScreen))
            ezepo = app.screen
            assert isinstance(ezepo, EzepoScreen)
            await until(pilot, lambda: ezepo.role is not None and ezepo.lists)
            await pilot.pause(1.0)
            save("ezepo")
            await pilot.press("escape")
            await pilot.pause(0.2)

            # A typical path rather than this run's temporary one (nothing is saved).
            config = Path("/home/you/.config/promo-tui/config.toml")
            await app.push_screen(SetupScreen(config, "work"))
            await until(pilot, lambda: isinstance(app.screen, SetupScreen))
            await pilot.pause(0.5)
            save("setup")


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
