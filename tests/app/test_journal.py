"""The coin journal screen shows the highlighted entry's note whole, inert, at 80x24."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.app.conftest import browser_ready, wait_until
from tests.reliability._app import paint
from tui.api.errors import ApiError
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.inert import clean
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.journal import JournalScreen
from tui.widgets.virtual_table import VirtualTable

PID = str(credentials.ACTIVE_PROMOTION_ID)


def painted(app: PromoTuiApp) -> str:
    """The screen's text without white space (a wrapped line breaks between words)."""
    return "".join("".join(paint(app).lines).split())


def whole_on_screen(app: PromoTuiApp, text: str) -> bool:
    return "".join(clean(text).split()) in painted(app)


async def test_the_highlighted_entrys_note_is_shown_whole_and_inert(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        await browser_ready(app, pilot)
        session = app.session
        user = str(sandbox.state.page(int(PID), "users", True, None)[0][0]["id"])
        rule = {"kind": "hostile", "path": "/v2/coin_transactions", "method": "POST"}
        faults = f"{sandbox.base_url}/_sandbox/faults"
        httpx.put(faults, json={"rules": [rule]}).raise_for_status()
        refused = await session.prepare_coins(PID, user, 5, "Support: a reward missing for weeks")
        with pytest.raises(ApiError):
            await session.send_coins(refused)
        httpx.put(faults, json={"rules": []}).raise_for_status()
        await session.send_coins(await session.prepare_coins(PID, user, 7, "Goodwill"))
        [note] = [entry.note for entry in session.journal_entries() if entry.note]
        assert len(note) > 80  # longer than the Note column, and than a line

        await pilot.press("J")
        await wait_until(pilot, lambda: isinstance(app.screen, JournalScreen))
        table = app.screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        await pilot.press("down")  # the refused one (the newest, applied, is first)
        await wait_until(pilot, lambda: whole_on_screen(app, note))
        assert whole_on_screen(app, "Concept: Support: a reward missing for weeks")
        assert not paint(app).foreign_sequences() and "[/b]" in painted(app)  # shown, not run
        await pilot.press("up")  # the pane follows the cursor
        await wait_until(pilot, lambda: "Note:none" in painted(app))
        assert not whole_on_screen(app, note)
