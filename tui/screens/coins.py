"""The coin transaction dialog: form (validated inline) -> confirm (balances) -> result.

A transaction is journaled before it is sent; when its outcome cannot be known the dialog says
so, with what reconciliation found, instead of offering to send it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.api.errors import OutcomeUnknown
from tui.api.journal import CoinOutcome
from tui.messages import ApiFailed
from tui.session import session_of
from tui.widgets.safe_text import clean

AMOUNT = re.compile(r"[+-][0-9]{1,9}")
MAX_CONCEPT = 200


def check_user_id(value: str) -> str | None:
    return None if value.isdigit() else "User id: digits only, e.g. 1234"


def check_amount(value: str) -> str | None:
    """A non-zero integer with an explicit sign."""
    if not AMOUNT.fullmatch(value):
        return "Amount: a whole number with its sign, e.g. +50 or -20"
    if int(value) == 0:
        return "Amount: must not be zero"
    return None


def check_concept(value: str) -> str | None:
    if not value.strip():
        return "Concept: say why (the user may see it)"
    if len(value) > MAX_CONCEPT:
        return f"Concept: at most {MAX_CONCEPT} characters"
    return None


CHECKS = {"coin-user": check_user_id, "coin-amount": check_amount, "coin-concept": check_concept}


@dataclass(frozen=True)
class CoinRequest:
    promotion_id: str
    user_id: str
    amount: int
    concept: str


def outcome_text(outcome: CoinOutcome) -> Content:
    """What became of a sent transaction, in a sentence or two."""
    entry = outcome.entry
    if outcome.applied:
        transaction = outcome.transaction
        number = transaction.id if transaction and transaction.id else entry.transaction_id
        balance = transaction.balance if transaction else None
        how = " (confirmed by reading the user's transactions back)" if outcome.reconciled else ""
        return Content.styled(
            f"Done: transaction #{clean(number)}, new balance {clean(balance)}{how}.", "$success"
        )
    return Content.styled(
        f"Not applied: {clean(entry.note) or 'the server refused it'}. "
        f"Journal entry {entry.id}; nothing was charged.",
        "$warning",
    )


class CoinDialog(ModalScreen[CoinOutcome | None]):
    """Add (or remove) coins for one user of one promotion."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, promotion_id: str, user_id: str | None = None) -> None:
        super().__init__()
        self.promotion_id = promotion_id
        self.user_id = user_id
        self.request: CoinRequest | None = None
        self.outcome: CoinOutcome | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="coins", classes="dialog"):
            yield Label(f"Coin transaction · promotion {self.promotion_id}", classes="dialog-title")
            with Vertical(id="coin-form"):
                yield Label("User id")
                yield Input(self.user_id or "", placeholder="1234", id="coin-user")
                yield Static(classes="field-error", id="coin-user-error")
                yield Label("Amount (sign required)")
                yield Input(placeholder="+50 or -20", id="coin-amount")
                yield Static(classes="field-error", id="coin-amount-error")
                yield Label("Concept")
                yield Input(placeholder="Compensation for ticket #881", id="coin-concept")
                yield Static(classes="field-error", id="coin-concept-error")
            yield Static(id="coin-summary")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review", variant="primary", id="coin-review")
                yield Button("Send", variant="warning", id="coin-send", disabled=True)
                yield Button("Back", id="coin-back", disabled=True)
                yield Button("Close", id="coin-close")

    def on_mount(self) -> None:
        self.query_one("#coin-amount" if self.user_id else "#coin-user", Input).focus()

    # ---- step 1: the form -----------------------------------------------------------------------

    def _error(self, field_id: str, problem: str | None) -> None:
        self.query_one(f"#{field_id}-error", Static).update(problem or "")

    @on(Input.Changed)
    def _revalidate(self, event: Input.Changed) -> None:
        if event.input.id in CHECKS:
            self._error(event.input.id, None)

    def _validated(self) -> CoinRequest | None:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in CHECKS}
        problems = {name: check(values[name]) for name, check in CHECKS.items()}
        for name, problem in problems.items():
            self._error(name, problem)
        bad = next((name for name, problem in problems.items() if problem), None)
        if bad is not None:
            self.query_one(f"#{bad}", Input).focus()
            return None
        return CoinRequest(
            self.promotion_id,
            values["coin-user"],
            int(values["coin-amount"]),
            values["coin-concept"],
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#coin-review")
    def _review(self) -> None:
        if self.request is not None:
            return
        request = self._validated()
        if request is None:
            return
        self.request = request
        self._set_step("confirm")
        self._summary(Content.styled("Reading the user and their balance…", "$text-muted"))
        self._load_balance(request)

    def _set_step(self, step: str) -> None:
        form = step == "form"
        self.query_one("#coin-form").disabled = not form
        self.query_one("#coin-review", Button).disabled = not form
        self.query_one("#coin-back", Button).disabled = step != "confirm"
        self.query_one("#coin-send", Button).disabled = True

    def _summary(self, content: Content) -> None:
        self.query_one("#coin-summary", Static).update(content)

    # ---- step 2: confirm ------------------------------------------------------------------------

    @work(exclusive=True, group="coins")
    async def _load_balance(self, request: CoinRequest) -> None:
        session = session_of(self)
        try:
            user = await session.user(request.promotion_id, request.user_id)
            transactions = await session.user_transactions(request.promotion_id, request.user_id)
        except Exception as error:
            self.post_message(ApiFailed(error, f"User {request.user_id}: "))
            self._summary(Content.styled(clean(error), "$error"))
            self.request = None
            self._set_step("form")
            return
        balance = session.balance_of(transactions)
        name = " ".join(clean(user.get(k)) for k in ("first_name", "last_name") if user.get(k))
        nickname = clean(user.get("nickname"))
        who = f"{nickname or name or '(no name)'} (#{request.user_id})"
        self._summary(
            Content.assemble(
                ("Confirm\n", "bold"),
                f"User            {who}\n",
                f"Current balance {clean(balance)}\n",
                (f"Amount          {request.amount:+d}\n", "$warning"),
                (f"New balance     {clean(balance + request.amount)}\n", "bold"),
                f"Concept         {clean(request.concept)}",
            )
        )
        send = self.query_one("#coin-send", Button)
        send.disabled = False
        send.focus()

    @on(Button.Pressed, "#coin-back")
    def _back(self) -> None:
        self.request = None
        self._set_step("form")
        self._summary(Content(""))
        self.query_one("#coin-amount", Input).focus()

    # ---- step 3: send ---------------------------------------------------------------------------

    @on(Button.Pressed, "#coin-send")
    def _send_pressed(self) -> None:
        if self.request is not None:
            self._set_step("sending")
            self._summary(Content.styled("Sending…", "$text-muted"))
            self._send(self.request)

    @work(exclusive=True, group="coins")
    async def _send(self, request: CoinRequest) -> None:
        try:
            outcome = await session_of(self).add_coins(
                request.promotion_id, request.user_id, request.amount, request.concept
            )
        except OutcomeUnknown as unknown:
            self._summary(Content.styled(f"Outcome unknown: {clean(unknown)}", "bold $warning"))
            self.notify("Coin transaction outcome unknown: see the journal", severity="warning")
            return
        except Exception as error:
            self.post_message(ApiFailed(error, "Coins not added: "))
            self._summary(Content.styled(f"Not added: {clean(error)}", "$error"))
            self.request = None
            self._set_step("form")
            return
        self.outcome = outcome
        self._summary(outcome_text(outcome))
        self.query_one("#coin-close", Button).focus()

    @on(Button.Pressed, "#coin-close")
    def action_cancel(self) -> None:
        self.dismiss(self.outcome)
