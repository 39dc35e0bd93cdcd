"""The coin dialog against the sandbox: validation, confirm with balances, result, code 42."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from textual.widgets import Button, Input, Static

from tests.app.conftest import SIZE, wait_until
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.coins import CoinDialog, check_amount


def first_user_id(sandbox: SandboxServer, promotion_id: int) -> str:
    response = httpx.get(
        f"{sandbox.easypromos_url}/users/{promotion_id}",
        headers={"Authorization": f"Bearer {credentials.DEMO_TOKEN}"},
    )
    return str(response.json()["items"][0]["id"])


def text_of(dialog: CoinDialog, selector: str) -> str:
    return str(dialog.query_one(selector, Static).render())


async def open_dialog(app: PromoTuiApp, pilot, promotion_id: int, user_id: str) -> CoinDialog:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
    app.open_coin_dialog(str(promotion_id), user_id)
    await wait_until(pilot, lambda: isinstance(app.screen, CoinDialog))
    await pilot.pause()
    assert isinstance(app.screen, CoinDialog)
    return app.screen


async def fill(pilot, dialog: CoinDialog, amount: str, concept: str) -> None:  # type: ignore[no-untyped-def]
    dialog.query_one("#coin-amount", Input).value = amount
    dialog.query_one("#coin-concept", Input).value = concept
    await pilot.click("#coin-review")


def test_amount_rules() -> None:
    assert check_amount("+50") is None and check_amount("-20") is None
    assert check_amount("50") and check_amount("+0") and check_amount("+1.5") and check_amount("")


async def test_add_coins_and_see_the_new_balance(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    promotion = credentials.ACTIVE_PROMOTION_ID
    user_id = first_user_id(sandbox, promotion)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, promotion, user_id)
        await fill(pilot, dialog, "+25", "Goodwill for ticket 881")
        send = dialog.query_one("#coin-send", Button)
        await wait_until(pilot, lambda: not send.disabled)
        summary = text_of(dialog, "#coin-summary")
        current = int(summary.split("Current balance")[1].split()[0])
        assert f"New balance     {current + 25}" in summary
        await pilot.click("#coin-send")
        await wait_until(pilot, lambda: "Done" in text_of(dialog, "#coin-summary"))
        assert f"new balance {current + 25}" in text_of(dialog, "#coin-summary")
        assert "transaction #" in text_of(dialog, "#coin-summary")
        await pilot.click("#coin-close")
        await pilot.press("J")
        await pilot.pause()
        assert "1 entries" in str(app.screen.query_one("#journal-title", Static).render())


async def test_bad_inputs_are_rejected_with_a_message(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, credentials.ACTIVE_PROMOTION_ID, "x1")
        await fill(pilot, dialog, "25", "")
        assert "digits only" in text_of(dialog, "#coin-user-error")
        assert "sign" in text_of(dialog, "#coin-amount-error")
        assert "say why" in text_of(dialog, "#coin-concept-error")
        await fill(pilot, dialog, "+0", "x")
        assert "zero" in text_of(dialog, "#coin-amount-error")
        assert dialog.request is None and dialog.query_one("#coin-send", Button).disabled


async def test_closed_promotion_refusal_is_explained(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    promotion = credentials.CLOSED_PROMOTION_ID
    user_id = first_user_id(sandbox, promotion)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, promotion, user_id)
        await fill(pilot, dialog, "-5", "Correction")
        send = dialog.query_one("#coin-send", Button)
        await wait_until(pilot, lambda: not send.disabled)
        await pilot.click("#coin-send")
        await wait_until(pilot, lambda: "Not added" in text_of(dialog, "#coin-summary"))
        assert "not open" in text_of(dialog, "#coin-summary")
        assert "code 42" in text_of(dialog, "#coin-summary")
