"""Snapshots of the browser's widgets on fixed data (the sandbox's data varies between runs)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Footer

from tests.app.conftest import wait_until
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.declarations import DECLARATIONS
from tui.screens.coins import CoinDialog
from tui.session import Session
from tui.widgets.detail_pane import DetailPane
from tui.widgets.row_source import ListRowSource
from tui.widgets.status_bar import Budget, StatusBar
from tui.widgets.virtual_table import VirtualTable

APP_CSS = "../../tui/app.tcss"
USERS: list[dict[str, Any]] = [
    {
        "id": str(3_000_000 + n),
        "nickname": nickname,
        "first_name": "Ana",
        "last_name": "Puig",
        "email": f"user{n}@example.com",
        "country": "ES",
        "created": f"2025-05-{n + 1:02d}T10:00:00+00:00",
    }
    for n, nickname in enumerate(
        ["[bold]x[/]", "\x1b[31mred\x1b[0m", "\x1b]52;c;cHduZWQ=\x07copied", "ana", "=SUM(A1)"]
    )
]


@dataclass(frozen=True)
class FixedBudget:
    used: int = 37
    limit: int = 200
    window_seconds: float = 60.0
    waiting_until: float | None = None
    budget_wait_until: float | None = None


class Host(App[None]):
    CSS_PATH = APP_CSS

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield VirtualTable(DECLARATIONS[Collection.USERS].columns, ListRowSource(USERS))
        yield DetailPane()
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.profile, status.role, status.jobs = "work", "admin", 1
        status.budget = lambda: self.budget
        table = self.query_one(VirtualTable)
        table.reload()
        table.focus()
        participation = {"id": "77", "user_id": USERS[1]["id"], "nickname": USERS[1]["nickname"]}
        self.query_one(DetailPane).show("480102", Collection.PARTICIPATIONS, participation)


async def _loaded(pilot: Any) -> None:
    table = pilot.app.query_one(VirtualTable)
    while table.row_count < len(USERS):
        await pilot.pause(0.02)


def test_table_status_and_detail(snap_compare: Any) -> None:
    async def sort_and_move(pilot: Any) -> None:
        await _loaded(pilot)
        await pilot.press("s", "down")
        await pilot.pause(0.2)

    assert snap_compare(Host(FixedBudget()), terminal_size=(110, 24), run_before=sort_and_move)


class LimitedBudget:
    """Always 12 s before the next window (a stable snapshot)."""

    used, limit, window_seconds = 200, 200, 60.0

    budget_wait_until = None

    @property
    def waiting_until(self) -> float:
        return time.time() + 12.4


class SpentBudget:
    """A call has waited for the budget, 23 s before it may go (a stable snapshot)."""

    used, limit, window_seconds, waiting_until = 200, 200, 60.0, None

    @property
    def budget_wait_until(self) -> float:
        return time.time() + 23.4


def test_budget_spent_countdown(snap_compare: Any) -> None:
    assert snap_compare(Host(SpentBudget()), terminal_size=(110, 24), run_before=_loaded)


def test_rate_limited_countdown(snap_compare: Any) -> None:
    assert snap_compare(Host(LimitedBudget()), terminal_size=(110, 24), run_before=_loaded)


class FixedUser:
    """The two reads of the coin dialog's confirm step, on fixed data (a stand-in session)."""

    balance_of = staticmethod(Session.balance_of)
    settings = Settings()

    async def user(self, promotion_id: str, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "nickname": "ana_puig", "first_name": "Ana"}

    async def user_transactions(self, promotion_id: str, user_id: str) -> list[dict[str, Any]]:
        return [{"transaction": {"id": "91", "amount": 40, "balance": 120}}]

    def budget_wait(self) -> None:
        return None


class CoinHost(App[None]):
    CSS_PATH = APP_CSS

    def __init__(self, user_id: str) -> None:
        super().__init__()
        self.session = FixedUser()
        self.user_id = user_id

    def on_mount(self) -> None:
        self.push_screen(CoinDialog("480102", self.user_id))


def test_coin_dialog_rejects_bad_input(snap_compare: Any) -> None:
    async def fill(pilot: Any) -> None:
        await pilot.pause()
        await pilot.press("tab", *"25", "enter")

    assert snap_compare(CoinHost("x1"), terminal_size=(90, 30), run_before=fill)


CONCEPT = "Goodwill for ticket 881: the prize code was sent twice and neither one worked"


def test_coin_dialog_confirm_step_at_80x24(snap_compare: Any) -> None:
    """The confirm block and the Send/Back/Close buttons, all on an 80x24 screen; the long
    concept wraps beside its label."""

    async def review(pilot: Any) -> None:
        dialog = pilot.app.screen
        await wait_until(pilot, lambda: dialog.query("#coin-amount"))
        await pilot.press(*"+25", "tab", *CONCEPT, "enter")
        await wait_until(pilot, lambda: dialog.confirm_seen)

    assert snap_compare(CoinHost("3001234"), terminal_size=(80, 24), run_before=review)


PROMOTIONS = [
    {"id": str(480100 + n), "status": status, "organizing_brand": {"id": brand}}
    for n, (status, brand) in enumerate(
        [("active", 1), ("active", 1), ("draft", 1), ("expired", 2), ("active", 2)]
    )
]


class PanesHost(App[None]):
    """The account pane and a narrow detail pane side by side (the 100-column layout)."""

    CSS = "AccountPane { width: 40; } DetailPane { width: 34; }"

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        from tui.widgets.account_pane import AccountPane

        with Horizontal():
            yield AccountPane()
            yield DetailPane()

    def on_mount(self) -> None:
        from tui.widgets.account_pane import AccountPane

        brands = [{"id": 1, "name": "Acme Drinks"}, {"id": 2, "name": "Delta Books"}]
        self.query_one(AccountPane).show(brands, PROMOTIONS, {"480103"})
        user = {**USERS[3], "created": "2025-05-04T10:00:00+00:00", "tags": {"vip": True}}
        self.query_one(DetailPane).show("480102", Collection.USERS, user)


def test_account_and_narrow_detail(snap_compare: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TZ", "UTC")  # timestamps show in local time
    time.tzset()
    try:
        assert snap_compare(PanesHost(), terminal_size=(80, 20))
    finally:
        monkeypatch.undo()
        time.tzset()
