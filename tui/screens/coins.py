"""The coin transaction dialog: form (validated inline) -> confirm (balances) -> result.

Send is armed only once the whole confirm block (user, balances, amount, concept) has been on
screen for a moment, whatever the terminal's size; Enter in the form reviews, never sends. The
transaction is journaled, then handed to the app (`CoinSender`): closing the dialog never cancels
it. When its outcome cannot be known the dialog says so instead of offering to send it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.errors import NoWidget
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from tui.api.journal import REFERENCE_LENGTH, REFERENCE_SEPARATOR
from tui.coin_sender import CoinResult, CoinsChecking
from tui.messages import ApiFailed
from tui.session import session_of
from tui.widgets.label_rows import LabelRows, Row
from tui.widgets.safe_text import clean
from tui.widgets.status_bar import budget_wait_text

if TYPE_CHECKING:
    from tui.api.journal import JournalEntry
    from tui.coin_sender import CoinSender

MAX_DIGITS = 9
AMOUNT = re.compile(rf"[+-][0-9]{{1,{MAX_DIGITS}}}")
MAX_CONCEPT = 200
READ_SECONDS = 0.6
"""How long the whole confirm block is on screen before Send can be pressed."""
TOO_SMALL = "Send is off: make the terminal taller"
"""Said in the dialog's bottom border (it takes no line) while the confirm block cannot fit."""
RECHECK_SECONDS = 0.05
"""How soon a confirm block that fits but was not on screen yet is looked at again."""
REFERENCE_NOTE = (
    f"At send, a new reference ('{REFERENCE_SEPARATOR.strip()}' and {REFERENCE_LENGTH} "
    "characters) is added to the concept: it finds the transaction again if the answer is lost."
)
"""The confirm step's word on the reference: made when the transaction is journaled, one a send."""
BUTTONS = {  # the buttons each step shows
    "form": ("coin-review", "coin-close"),
    "confirm": ("coin-send", "coin-back", "coin-close"),
    "sending": ("coin-close",),
    "done": ("coin-close",),
}


def check_user_id(value: str) -> str | None:
    return None if value.isdigit() else "User id: digits only, e.g. 1234"


def check_amount(value: str) -> str | None:
    """A non-zero integer with an explicit sign."""
    if not AMOUNT.fullmatch(value):
        return f"Amount: a whole number with its sign, at most {MAX_DIGITS} digits: +50 or -20"
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


class CoinDialog(ModalScreen[CoinResult | None]):
    """Add (or remove) coins for one user of one promotion."""

    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, promotion_id: str, user_id: str | None = None) -> None:
        super().__init__()
        self.promotion_id = promotion_id
        self.user_id = user_id
        self.step = "form"
        self.request: CoinRequest | None = None
        self.entry: JournalEntry | None = None
        self.result: CoinResult | None = None
        self.confirm_seen = False
        """The whole confirm block of `request` has been on screen: Send may be pressed."""

    def compose(self) -> ComposeResult:
        with Vertical(id="coins", classes="dialog"):
            yield Label(
                f"Coin transaction · promotion {self.promotion_id}",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="coin-body", classes="dialog-body"):
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
                yield LabelRows(id="coin-summary")
                yield Static(id="coin-wait")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review", variant="primary", id="coin-review")
                yield Button("Send", variant="warning", id="coin-send", disabled=True)
                yield Button("Back", id="coin-back")
                yield Button("Close", id="coin-close")

    def on_mount(self) -> None:
        self._set_step("form")
        self.query_one("#coin-amount" if self.user_id else "#coin-user", Input).focus()
        self._show_budget_wait()  # hidden from the first frame, not after the first tick
        self.set_interval(0.5, self._show_budget_wait)

    def _show_budget_wait(self) -> None:
        """Say why a read or the send has not gone yet, while the account's budget is spent."""
        waiting = self.step == "sending" or (self.step == "confirm" and not self.confirm_seen)
        seconds = session_of(self).budget_wait() if waiting else None
        line = self.query_one("#coin-wait", Static)
        line.display = seconds is not None
        if seconds is not None:
            line.update(Content.styled(f"⏳ {budget_wait_text(seconds)}", "$warning"))

    @property
    def sender(self) -> CoinSender:
        return cast("CoinSender", cast(Any, self.app).coins)

    def _set_step(self, step: str) -> None:
        """Show the widgets of one step: the form only on the form, the buttons it offers."""
        self.step = step
        self.query_one("#coins").border_subtitle = ""
        self.query_one("#coin-form").display = step == "form"
        self.query_one("#coin-summary").display = step != "form"
        for button in self.query(".dialog-buttons > Button"):
            button.display = button.id in BUTTONS[step]
        self.query_one("#coin-send", Button).disabled = not self.confirm_seen
        body = self.query_one("#coin-body", VerticalScroll)
        body.can_focus = step != "form"  # where the focus waits (keys scroll it), not on a button
        body.scroll_home(animate=False)

    def _summary(self, content: Content) -> None:
        summary = self.query_one("#coin-summary", Static)
        summary.update(content)
        summary.display = bool(content.plain) or self.step != "form"

    # ---- step 1: the form -----------------------------------------------------------------------

    def _error(self, field_id: str, problem: str | None) -> None:
        self.query_one(f"#{field_id}-error", Static).update(Content(clean(problem)))

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
        if self.step != "form":
            return
        request = self._validated()
        if request is None:
            return
        self.request, self.confirm_seen = request, False
        self._set_step("confirm")
        self.query_one("#coin-body").focus()  # an Enter typed ahead presses no button
        self._summary(Content.styled("Reading the user and their balance…", "$text-muted"))
        self._load_balance(request)

    # ---- step 2: confirm ------------------------------------------------------------------------

    @work(exclusive=True, group="coins")
    async def _load_balance(self, request: CoinRequest) -> None:
        session = session_of(self)
        try:
            user = await session.user(request.promotion_id, request.user_id)
            transactions = await session.user_transactions(request.promotion_id, request.user_id)
        except Exception as error:
            self.post_message(ApiFailed(error, f"User {request.user_id}: ", shown=True))
            self._back()
            self._summary(Content.styled(clean(error), "$error"))
            return
        if request is not self.request:
            return  # Back was pressed meanwhile
        balance = session.balance_of(transactions)
        name = " ".join(clean(user.get(k)) for k in ("first_name", "last_name") if user.get(k))
        nickname = clean(user.get("nickname"))
        who = f"{nickname or name or '(no name)'} (#{clean(request.user_id)})"
        referenced = session.settings.coin_reference
        rows: list[Row] = [
            (None, "Confirm", "bold"),
            ("User", who, ""),
            ("Current balance", clean(balance), ""),
            ("Amount", f"{request.amount:+d}", "$warning"),
            ("New balance", clean(balance + request.amount), "bold"),
            ("Concept", clean(request.concept), ""),
        ]
        summary = self.query_one("#coin-summary", LabelRows)
        summary.show_rows([*rows, (None, REFERENCE_NOTE, "$text-muted")] if referenced else rows)
        self.call_after_refresh(self._arm_send, request)

    def _arm_send(self, request: CoinRequest) -> None:
        """Enable and focus Send once the confirm block of `request` has been wholly on screen
        for `READ_SECONDS` (scrolled to if needed): an Enter pressed twice in a row never sends
        what nobody read. A terminal too small to show the block at once never enables it."""
        if request is not self.request or self.step != "confirm" or self.confirm_seen:
            return
        summary = self.query_one("#coin-summary", Static)
        if not fully_visible(summary):
            self.query_one("#coin-body", VerticalScroll).scroll_to_widget(summary, animate=False)
            self.call_after_refresh(self._check_visible, request)
            return
        self.set_timer(READ_SECONDS, lambda: self._armed(request))

    def _check_visible(self, request: CoinRequest) -> None:
        summary = self.query_one("#coin-summary", Static)
        if fully_visible(summary):
            self._arm_send(request)
        elif fits(summary, self.query_one("#coin-body", VerticalScroll)):
            # Not laid out yet, or the scroll to it not drawn yet (the user's reads can answer
            # before the confirm step's first frame): looked at again shortly.
            self.set_timer(RECHECK_SECONDS, lambda: self._arm_send(request))
        else:  # said for as long as it holds, where no notification covers the buttons
            self.query_one("#coins").border_subtitle = TOO_SMALL

    def _armed(self, request: CoinRequest) -> None:
        if request is not self.request or self.step != "confirm":
            return
        if not fully_visible(self.query_one("#coin-summary", Static)):  # shrunk meanwhile
            self._arm_send(request)
            return
        self.confirm_seen = True
        self.query_one("#coins").border_subtitle = ""
        send = self.query_one("#coin-send", Button)
        send.disabled = False
        send.focus()

    def on_resize(self) -> None:
        if self.step == "confirm" and not self.confirm_seen and self.request is not None:
            self.call_after_refresh(self._arm_send, self.request)

    @on(Button.Pressed, "#coin-back")
    def _back(self) -> None:
        self.request, self.confirm_seen = None, False
        self._set_step("form")
        self._summary(Content(""))
        self.query_one("#coin-amount", Input).focus()

    # ---- step 3: send ---------------------------------------------------------------------------

    @on(Button.Pressed, "#coin-send")
    async def _send_pressed(self) -> None:
        request = self.request
        if request is None or self.step != "confirm" or not self.confirm_seen:
            return
        self._set_step("sending")
        self.query_one("#coin-body").focus()
        self._summary(Content.styled("Writing the journal…", "$text-muted"))
        try:
            self.entry = await session_of(self).prepare_coins(
                request.promotion_id, request.user_id, request.amount, request.concept
            )
        except Exception as error:  # the journal cannot be written: nothing was sent
            self._summary(Content.styled(f"Not sent: {clean(error)}", "$error"))
            self._set_step("done")
            return
        self._summary(
            Content.assemble(
                ("Sending…\n", "bold"),
                (
                    "You may close this dialog: the transaction goes on, and its outcome is "
                    f"notified and kept in the journal (entry {self.entry.id[:8]}).",
                    "$text-muted",
                ),
            )
        )
        self.sender.send(self.entry)

    def show_checking(self, message: CoinsChecking) -> None:
        """The answer was lost: say that the user's transactions are being read back."""
        until = message.until.astimezone().strftime("%H:%M:%S")
        self._summary(
            Content.styled(
                "The answer was lost on the way back. Reading the user's transactions to find "
                f"out whether it was applied (until {until} at most)…",
                "$warning",
            )
        )

    def show_result(self, result: CoinResult) -> None:
        """The transaction's outcome, in the dialog, with Close focused."""
        self.result = result
        style = {"information": "$success", "warning": "bold $warning"}.get(
            result.severity, "$error"
        )
        self._set_step("done")
        self._summary(Content.styled(result.describe(), style))
        self.query_one("#coin-close", Button).focus()

    @on(Button.Pressed, "#coin-close")
    def action_cancel(self) -> None:
        self.dismiss(self.result)


def fits(widget: Widget, viewport: Widget) -> bool:
    """`widget` is short enough to be wholly in the part of `viewport` on screen, as far as can
    be told: one not on the screen's map yet (not laid out) counts as short enough."""
    try:
        widget.screen.find_widget(widget)
    except NoWidget:
        return True
    shown = viewport.scrollable_content_region.intersection(viewport.screen.region)
    return widget.outer_size.height <= shown.height


def fully_visible(widget: Static) -> bool:
    """Every line of `widget` is on screen now (not clipped by a scroll or the terminal)."""
    try:
        geometry = widget.screen.find_widget(widget)
    except Exception:  # not laid out yet
        return False
    shown = geometry.region.intersection(geometry.clip)
    return shown.height >= widget.outer_size.height > 0 and shown.width > 0
