"""Coin transactions in flight belong to the app, not to the dialog that sent them.

Closing the coin dialog (Esc, Close) never cancels a POST: the app's worker sees it through and
posts `CoinsSettled`, which the dialog shows if it is still open and a notification says
otherwise. Open journal entries (a crash, a quit mid-send, an outcome left unknown) are checked
when a session starts and on demand from the journal screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

from tui.widgets.safe_text import clean

if TYPE_CHECKING:
    from textual.app import App

    from tui.api.journal import CoinOutcome, JournalEntry
    from tui.session import Session


@dataclass(frozen=True)
class CoinResult:
    """What is known of a sent transaction: an outcome, or the error that stands for it."""

    entry: JournalEntry
    outcome: CoinOutcome | None = None
    error: BaseException | None = None

    @property
    def applied(self) -> bool:
        return self.outcome is not None and self.outcome.applied

    @property
    def unknown(self) -> bool:
        from tui.api.errors import OutcomeUnknown

        return isinstance(self.error, OutcomeUnknown)

    @property
    def severity(self) -> str:
        return "information" if self.applied else "warning" if self.unknown else "error"

    def describe(self) -> str:
        """The outcome in a sentence or two, plain text (server text cleaned)."""
        entry = self.entry
        what = f"{entry.amount:+} coins for user {entry.user_id}"
        outcome = self.outcome
        if outcome is not None and outcome.applied:
            transaction = outcome.transaction
            number = clean(transaction.id if transaction else outcome.entry.transaction_id)
            balance = transaction.balance if transaction else None
            text = f"Done: {what}, transaction #{number}"
            text += f", new balance {clean(balance)}." if balance is not None else "."
            if outcome.reconciled:
                text += f" The answer was lost; found among the user's transactions ({how(entry)})."
            if outcome.journal_error:
                text += (
                    f" The coins WERE added, but the journal could not record it: "
                    f"{clean(outcome.journal_error)}"
                )
            return text
        if outcome is not None:
            return (
                f"Not applied: {what}: {clean(outcome.entry.note) or 'refused'}. Nothing was "
                f"charged (journal entry {entry.id[:8]})."
            )
        if self.unknown:
            return (
                f"Outcome unknown: {what}: {clean(self.error)} It stays open in the journal (J) "
                "and is checked again at the next start."
            )
        return f"Not added: {what}: {clean(self.error)}"


def how(entry: JournalEntry) -> str:
    """How reconciliation recognises an entry's transaction."""
    if entry.reference:
        return f"by its reference ref {entry.reference}"
    return "by amount, concept and time: it has no reference"


@dataclass
class CoinsSettled(Message):
    """A coin transaction's outcome is known (or known to be unknown)."""

    result: CoinResult


@dataclass
class CoinsChecking(Message):
    """The answer of a transaction was lost: its user's transactions are being read back."""

    entry: JournalEntry
    until: datetime


class CoinSender:
    """The app's coin transactions in flight and the checks of open journal entries."""

    GROUP = "coin-send"

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.in_flight: dict[str, JournalEntry] = {}

    @property
    def session(self) -> Session:
        from tui.session import session_of

        return session_of(self)  # the app's current one

    def send(self, entry: JournalEntry) -> None:
        """Send a journaled transaction on the app's worker: it outlives the dialog."""
        self.in_flight[entry.id] = entry
        self.app.run_worker(self._send(entry), group=self.GROUP, exit_on_error=False)

    async def _send(self, entry: JournalEntry) -> None:
        try:
            result = CoinResult(entry, await self.session.send_coins(entry, self._checking))
        except Exception as error:
            result = CoinResult(entry, error=error)
        finally:
            self.in_flight.pop(entry.id, None)
        self.app.post_message(CoinsSettled(result))

    def check_journal(self) -> None:
        """Reconcile the session's open journal entries in the background."""
        self.app.run_worker(self._check_journal(), group="coin-check", exit_on_error=False)

    async def _check_journal(self) -> None:
        from tui.api.errors import OutcomeUnknown

        session = self.session
        try:
            await session.start()
            results = await session.reconcile_pending(self._checking)
        except Exception as error:
            self.app.notify(
                clean(f"The coin journal could not be checked: {error}"),
                severity="warning",
                markup=False,
            )
            return
        for found in results:
            if isinstance(found, OutcomeUnknown):
                result = CoinResult(found.entry, error=found)
            else:
                result = CoinResult(found.entry, found)
            self.app.post_message(CoinsSettled(result))

    def _checking(self, entry: JournalEntry, until: datetime) -> None:
        self.app.post_message(CoinsChecking(entry, until))
