"""The coin dialog against the sandbox: validation, confirm with balances, result, code 42; the
confirm step always seen before Send, a transaction outliving its dialog, the journal checked."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from tests.app.conftest import SIZE, wait_until
from tests.notified import notified
from tui import paths
from tui.api.journal import CoinOutcome, EntryState, Journal
from tui.app import PromoTuiApp
from tui.coin_sender import CoinResult
from tui.config import Settings
from tui.launch import demo_settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.coins import CoinDialog, check_amount, fully_visible
from tui.screens.confirm import ConfirmScreen
from tui.widgets.status_bar import StatusBar

PROMOTION = credentials.ACTIVE_PROMOTION_ID


def first_user_id(sandbox: SandboxServer, promotion_id: int) -> str:
    response = httpx.get(
        f"{sandbox.easypromos_url}/users/{promotion_id}",
        headers={"Authorization": f"Bearer {credentials.DEMO_TOKEN}"},
    )
    return str(response.json()["items"][0]["id"])


def text_of(dialog: CoinDialog, selector: str) -> str:
    return str(dialog.query_one(selector, Static).render())


def posts(sandbox: SandboxServer) -> int:
    """Coin transactions the sandbox applied."""
    return len(sandbox.state.journal)


def faults(sandbox: SandboxServer, *rules: dict[str, Any]) -> None:
    url = f"{sandbox.base_url}/_sandbox/faults"
    httpx.put(url, json={"rules": list(rules)}).raise_for_status()


def slow(method: str, path: str, seconds: float, phase: str = "before") -> dict[str, Any]:
    return {"kind": "slow", "method": method, "path": path, "seconds": seconds, "phase": phase}


async def open_dialog(
    app: PromoTuiApp, pilot: Pilot[None], user_id: str, promotion: int = PROMOTION
) -> CoinDialog:
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
    await wait_until(pilot, lambda: app.session.has_store)  # (the account is loaded)
    app.open_coin_dialog(str(promotion), user_id)
    await wait_until(
        pilot, lambda: isinstance(app.screen, CoinDialog) and app.screen.query("#coin-amount")
    )
    assert isinstance(app.screen, CoinDialog)
    return app.screen


def review(dialog: CoinDialog, amount: str, concept: str) -> None:
    """Fill the form and press Review (without waiting)."""
    dialog.query_one("#coin-amount", Input).value = amount
    dialog.query_one("#coin-concept", Input).value = concept
    dialog.query_one("#coin-review", Button).press()


async def fill(pilot: Pilot[None], dialog: CoinDialog, amount: str, concept: str) -> None:
    """Fill the form (new values), press Review, and wait until it was reviewed or refused."""
    dialog.query_one("#coin-amount", Input).value = amount
    dialog.query_one("#coin-concept", Input).value = concept
    errors = ("#coin-amount-error", "#coin-concept-error")
    await pilot.pause()  # their Changed messages clear their errors
    await wait_until(pilot, lambda: not any(text_of(dialog, e) for e in errors))
    dialog.query_one("#coin-review", Button).press()
    await wait_until(
        pilot, lambda: dialog.request is not None or any(text_of(dialog, e) for e in errors)
    )


async def confirmed(pilot: Pilot[None], dialog: CoinDialog) -> None:
    """Wait until Send is armed (the confirm block was wholly on screen)."""
    await wait_until(pilot, lambda: dialog.confirm_seen)


async def send_coins(
    app: PromoTuiApp, pilot: Pilot[None], user_id: str, amount: str, concept: str
) -> CoinDialog:
    """Open the dialog, review, press Send once it is armed; returns once the POST is on its
    way (in flight)."""
    dialog = await open_dialog(app, pilot, user_id)
    await fill(pilot, dialog, amount, concept)
    await confirmed(pilot, dialog)
    dialog.query_one("#coin-send", Button).press()
    await wait_until(pilot, lambda: app.coins.in_flight)
    return dialog


def on_screen(app: PromoTuiApp, widget: Any) -> bool:
    """The widget is displayed, whole, inside the terminal."""
    region = widget.region
    width, height = app.size
    return bool(region.height) and region.bottom <= height and region.right <= width


def asking(app: PromoTuiApp) -> bool:
    """The quit question is on screen, its buttons mounted."""
    return isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("#confirm-yes"))


def test_an_outcome_settled_by_another_process_names_its_transaction(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    entry = journal.record_intent(
        account="http://api.test/v2", promotion_id="1", user_id="2", amount=5, concept="Bonus"
    )
    settled = journal.mark(entry, EntryState.APPLIED, transaction_id="77")
    text = CoinResult(entry, CoinOutcome(EntryState.APPLIED, settled, None, True)).describe()
    assert text.startswith("Done: +5 coins for user 2, transaction #77.")


def test_amount_rules() -> None:
    assert check_amount("+50") is None and check_amount("-20") is None
    assert check_amount("50") and check_amount("+0") and check_amount("+1.5") and check_amount("")
    assert "at most 9 digits" in (check_amount("+99999999999999999999") or "")


async def test_add_coins_and_see_the_new_balance(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    user_id = first_user_id(sandbox, PROMOTION)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, user_id)
        await fill(pilot, dialog, "+25", "Goodwill for ticket 881")
        await confirmed(pilot, dialog)
        summary = text_of(dialog, "#coin-summary")
        current = int(summary.split("Current balance")[1].split()[0])
        assert f"New balance     {current + 25}" in summary
        # what the reference will be, said whole: not a cut-off 'Goodwill… · ref …'
        assert "Concept         Goodwill for ticket 881\nAt send, a new reference" in summary
        assert "…" not in summary
        dialog.query_one("#coin-send", Button).press()
        await wait_until(pilot, lambda: "Done" in text_of(dialog, "#coin-summary"))
        assert f"new balance {current + 25}" in text_of(dialog, "#coin-summary")
        assert "transaction #" in text_of(dialog, "#coin-summary")
        dialog.query_one("#coin-close", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("J")
        await wait_until(pilot, lambda: app.screen.query("#journal-title"))
        title = app.screen.query_one("#journal-title", Static)
        await wait_until(pilot, lambda: "1 entry" in str(title.render()))
    concept = sandbox.state.journal[0]["concept"]
    assert concept.startswith("Goodwill for ticket 881 · ref ") and posts(sandbox) == 1


async def test_keys_right_behind_a_tab_go_to_the_field_it_moved_to(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """A fast typist's burst: `-4`, Tab, `Goodwill` arrive before the app has handled the Tab.
    The letters belong in the concept field, not after the amount (where `-4Goodwill` would
    be refused, or worse, a digit typed after the Tab would change the amount)."""
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, first_user_id(sandbox, PROMOTION))
        amount = dialog.query_one("#coin-amount", Input)
        concept = dialog.query_one("#coin-concept", Input)
        await wait_until(pilot, lambda: amount.has_focus)
        burst = ["-", "4", "tab", *"Goodwill", "shift+tab"]
        for key in burst:  # posted at once, as a terminal delivers a burst: no pause between
            character = key if len(key) == 1 else None
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: amount.has_focus and concept.value == "Goodwill")
        assert (amount.value, concept.value) == ("-4", "Goodwill")


async def test_bad_inputs_are_rejected_with_a_message(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, "x1")
        await fill(pilot, dialog, "25", "")
        assert "digits only" in text_of(dialog, "#coin-user-error")
        assert "sign" in text_of(dialog, "#coin-amount-error")
        assert "say why" in text_of(dialog, "#coin-concept-error")
        await fill(pilot, dialog, "+0", "x")
        assert "zero" in text_of(dialog, "#coin-amount-error")
        assert dialog.request is None and dialog.query_one("#coin-send", Button).disabled


async def test_an_unknown_user_is_said_in_the_dialog_without_a_toast_over_its_buttons(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """At 80x24 a notification lies over the dialog's buttons for seconds: the dialog says the
    error itself; the app keeps it as the last error (`!`)."""
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(app, pilot, "999999999")
        review(dialog, "+5", "Bonus")  # (refused at once: not `fill`)
        await wait_until(pilot, lambda: app.last_error is not None)
        assert "No user 999999999" in text_of(dialog, "#coin-summary")
        assert app.last_error is not None and "No user 999999999" in app.last_error[0]
        assert not notified(app, "No user")
        assert dialog.step == "form" and on_screen(app, dialog.query_one("#coin-review", Button))
        status = app.screen_stack[-2].query_one(StatusBar)  # the browser's, above the dialog
        assert "No user 999999999" in status.last_error
    assert posts(sandbox) == 0


async def test_a_block_not_laid_out_when_first_checked_is_waited_for(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """The user's reads can answer before the confirm step's first frame (seen on Python 3.13):
    the block, not laid out yet, was taken for one too tall, 'make the terminal taller' said,
    and Send left off for good. Kept out of the layout here until the check has been made."""
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("GET", f"/v2/coin_transactions/{PROMOTION}/", 0.5))
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, user_id)
        summary = dialog.query_one("#coin-summary", Static)
        review(dialog, "+1", "Early check")
        await wait_until(pilot, lambda: dialog.step == "confirm")
        summary.display = False  # until after the reads answer (slowed down)
        await wait_until(pilot, lambda: "Confirm" in text_of(dialog, "#coin-summary"))
        await pilot.pause(0.3)  # the checks made meanwhile
        frame = dialog.query_one("#coins")
        assert not dialog.confirm_seen and not frame.border_subtitle
        summary.display = True
        await confirmed(pilot, dialog)
        assert not frame.border_subtitle


async def test_closed_promotion_refusal_is_explained(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    promotion = credentials.CLOSED_PROMOTION_ID
    user_id = first_user_id(sandbox, promotion)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, user_id, promotion)
        await fill(pilot, dialog, "-5", "Correction")
        await confirmed(pilot, dialog)
        dialog.query_one("#coin-send", Button).press()
        await wait_until(pilot, lambda: "Not added" in text_of(dialog, "#coin-summary"))
        assert "not open" in text_of(dialog, "#coin-summary")
        assert "code 42" in text_of(dialog, "#coin-summary")


@pytest.mark.parametrize("size", [(80, 24), (90, 25)])
async def test_enter_never_sends_before_the_confirm_block_is_on_screen(
    size: tuple[int, int], sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """Enter pressed over and over from the concept field while the balance is read (slowed
    down): nothing is sent; once the confirm block is wholly on screen, Send is armed and
    focused, and the buttons are on screen."""
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("GET", f"/v2/coin_transactions/{PROMOTION}/", 1.5))
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=size) as pilot:
        dialog = await open_dialog(app, pilot, user_id)
        dialog.query_one("#coin-amount", Input).value = "+3"
        concept = dialog.query_one("#coin-concept", Input)
        concept.value = "Goodwill"
        concept.focus()
        for _ in range(6):
            await pilot.press("enter")
            assert posts(sandbox) == 0 and not dialog.confirm_seen
        assert "Reading the user" in text_of(dialog, "#coin-summary")
        assert dialog.query_one("#coin-send", Button).disabled
        await wait_until(pilot, lambda: "Confirm" in text_of(dialog, "#coin-summary"))
        # Shown, not yet armed: an Enter pressed twice in a row never sends what nobody read.
        assert not dialog.confirm_seen and dialog.query_one("#coin-send", Button).disabled
        await confirmed(pilot, dialog)
        assert posts(sandbox) == 0
        summary = dialog.query_one("#coin-summary", Static)
        assert fully_visible(summary) and on_screen(app, summary)
        for button in ("#coin-send", "#coin-back", "#coin-close"):
            assert on_screen(app, dialog.query_one(button, Button)), button
        assert app.focused is dialog.query_one("#coin-send", Button)
        await pilot.press("enter")  # now, with the confirm block seen, Enter sends
        await wait_until(pilot, lambda: dialog.step == "done")
        assert posts(sandbox) == 1 and "Done" in text_of(dialog, "#coin-summary")
        assert on_screen(app, summary) and on_screen(app, dialog.query_one("#coin-close"))


async def test_closing_the_dialog_mid_send_does_not_cancel_it(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("POST", "/v2/coin_transactions/", 1.0))
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await send_coins(app, pilot, user_id, "+4", "Escape mid-send")
        assert "You may close this dialog" in text_of(dialog, "#coin-summary")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await wait_until(pilot, lambda: not app.coins.in_flight)
        await wait_until(pilot, lambda: notified(app, "Done"))
    assert posts(sandbox) == 1
    entries = Journal(app.session.client.journal.path).entries()
    assert [e.state for e in entries] == [EntryState.APPLIED]


async def test_quit_while_sending_asks_and_the_next_start_reconciles(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """The server applies the POST and answers late; the user quits meanwhile (asked first),
    and the next start finds the transaction by its reference."""
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("POST", "/v2/coin_transactions/", 15.0, phase="after"))
    settings = settings_for(sandbox)
    app = PromoTuiApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send_coins(app, pilot, user_id, "+6", "Quit mid-send")
        await wait_until(pilot, lambda: posts(sandbox) == 1)
        await app.action_quit()
        await wait_until(pilot, lambda: asking(app))
        question = app.screen
        assert "still being sent" in str(question.query_one(".dialog-body Static").render())
        question.query_one("#confirm-no", Button).press()  # Wait
        await wait_until(pilot, lambda: isinstance(app.screen, CoinDialog))
        assert app.return_code is None and app.coins.in_flight
        await app.action_quit()
        await wait_until(pilot, lambda: asking(app))
        app.screen.query_one("#confirm-yes", Button).press()
        await wait_until(pilot, lambda: app.return_code is not None)
    journal = Journal(app.session.client.journal.path)
    assert [e.state for e in journal.entries()] == [EntryState.INTENT]
    faults(sandbox)
    again = PromoTuiApp(settings)
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: notified(again, "found among the user's"))
    assert [e.state for e in journal.entries()] == [EntryState.APPLIED]
    assert posts(sandbox) == 1


async def test_a_journal_unwritable_after_the_post_says_the_coins_were_added(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("POST", "/v2/coin_transactions/", 1.0))
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await send_coins(app, pilot, user_id, "+2", "Journal lost")
        journal = app.session.client.journal.path
        journal.unlink()
        journal.mkdir()  # writing the outcome now fails
        await wait_until(pilot, lambda: dialog.step == "done")
        said = text_of(dialog, "#coin-summary")
    assert said.startswith("Done") and "WERE added" in said and "journal could not" in said
    assert "Not added" not in said and posts(sandbox) == 1


async def test_the_demo_keeps_its_journal_in_its_own_folder(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    folder.mkdir(mode=0o700)
    settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, folder)
    app = PromoTuiApp(settings, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, first_user_id(sandbox, PROMOTION))
        await fill(pilot, dialog, "+1", "Demo")
        await confirmed(pilot, dialog)
        dialog.query_one("#coin-send", Button).press()
        await wait_until(pilot, lambda: dialog.step == "done")
    assert [e.state for e in Journal(folder / "coin-journal.jsonl").entries()] == [
        EntryState.APPLIED
    ]
    assert not (paths.data_dir() / "coin-journal.jsonl").exists()


async def test_a_terminal_too_small_for_the_confirm_block_never_arms_send(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=(80, 14)) as pilot:
        dialog = await open_dialog(app, pilot, first_user_id(sandbox, PROMOTION))
        await fill(pilot, dialog, "+3", "Tiny terminal")
        frame = dialog.query_one("#coins")
        await wait_until(pilot, lambda: frame.border_subtitle)
        assert frame.border_subtitle == "Send is off: make the terminal taller"
        assert not dialog.confirm_seen and dialog.query_one("#coin-send", Button).disabled
        assert not notified(app, "taller")  # (a notification lay over the buttons)
        dialog.query_one("#coin-send", Button).press()  # a click on the disabled button
        await pilot.pause()
        assert dialog.step == "confirm" and posts(sandbox) == 0
        await pilot.resize_terminal(80, 24)
        await confirmed(pilot, dialog)
        assert fully_visible(dialog.query_one("#coin-summary", Static))
        assert not frame.border_subtitle


async def test_ctrl_q_quits_from_the_dialog_when_nothing_is_being_sent(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, "1")
        assert app.focused is dialog.query_one("#coin-amount", Input)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None)


async def test_a_send_killed_mid_flight_is_reconciled_when_the_app_starts(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """`coins add` is killed (SIGKILL) after the server applied its POST and before the answer
    came: its journal entry is left at intent, and the app's next start settles it."""
    user_id = first_user_id(sandbox, PROMOTION)
    faults(sandbox, slow("POST", "/v2/coin_transactions/", 20.0, phase="after"))
    env = {
        **os.environ,
        "EASYPROMOS_TOKEN": credentials.DEMO_TOKEN,
        "EASYPROMOS_API_URL": sandbox.easypromos_url,
        "PROMO_TUI_RATE_WINDOW_SECONDS": str(sandbox.state.limiter.minute_seconds),
    }
    command = [str(Path(sys.executable).parent / "promo-tui"), "coins", "add", str(PROMOTION)]
    process = subprocess.Popen(
        [*command, user_id, "+8", "--concept", "killed", "--yes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while posts(sandbox) == 0:  # applied: the POST has left, its answer is held
            assert process.poll() is None and time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    faults(sandbox)
    journal = Journal(paths.data_dir() / "coin-journal.jsonl")
    assert [e.state for e in journal.entries()] == [EntryState.INTENT]
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: notified(app, "found among the user's"))
    assert [e.state for e in journal.entries()] == [EntryState.APPLIED] and posts(sandbox) == 1


async def test_the_journal_screen_shows_open_entries_and_checks_them_again(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """An entry left open while the app runs (its read-back failed) is shown as such; `c`
    checks it again once the transactions can be read."""

    user_id = first_user_id(sandbox, PROMOTION)
    app = PromoTuiApp(settings_for(sandbox, coin_check_seconds=0.5))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, user_id)
        await fill(pilot, dialog, "+5", "Check again")
        await confirmed(pilot, dialog)
        faults(  # the answer is lost, and the user's transactions cannot be read for now
            sandbox,
            {"kind": "reset", "method": "POST", "phase": "after"},
            {"kind": "503", "method": "GET", "path": f"/v2/coin_transactions/{PROMOTION}/"},
        )
        dialog.query_one("#coin-send", Button).press()
        await wait_until(pilot, lambda: dialog.step == "done")
        assert text_of(dialog, "#coin-summary").startswith("Outcome unknown")
        dialog.query_one("#coin-close", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("J")
        await wait_until(pilot, lambda: app.screen.query("#journal-title"))
        title = app.screen.query_one("#journal-title", Static)
        await wait_until(pilot, lambda: "1 open (c checks them)" in str(title.render()))
        faults(sandbox)
        await pilot.press("c")
        await wait_until(pilot, lambda: "1 open" not in str(title.render()))
        assert notified(app, "found among the user's")
    assert posts(sandbox) == 1


async def test_a_spent_budget_is_said_while_the_balance_waits_for_it(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    """Three calls per 8 s: the app's start spends them, so the confirm step's reads wait for
    the next window, and the dialog says so instead of only 'Reading…'."""
    user_id = first_user_id(sandbox, PROMOTION)
    app = PromoTuiApp(settings_for(sandbox, rate_limit=3, rate_window_seconds=8.0))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, user_id)
        await fill(pilot, dialog, "+1", "Patience")
        wait_line = dialog.query_one("#coin-wait", Static)
        await wait_until(pilot, lambda: "budget spent: next window in" in str(wait_line.render()))
        assert wait_line.display and "Reading the user" in text_of(dialog, "#coin-summary")
        await confirmed(pilot, dialog)
        assert not wait_line.display
