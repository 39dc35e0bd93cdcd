"""The local coin-transaction journal: every transaction sent from this machine and its state.

Open entries (sent, outcome not known yet) are checked when the app starts; `c` checks them again.
The highlighted entry's concept and note are shown whole under the table (a server's message
is longer than its column).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.api.journal import JournalEntry
from tui.declarations import short_time
from tui.session import session_of
from tui.widgets.footer import KeysFooter
from tui.widgets.row_source import Column, ListRowSource
from tui.widgets.safe_text import safe_content
from tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("created_at", "When (UTC)", 16, render=short_time, sort="created_at"),
    Column("state", "State", 11, sort="state"),
    Column("promotion_id", "Promotion", 9, numeric=True, sort="promotion_id"),
    Column("user_id", "User", 10, numeric=True, sort="user_id"),
    Column("amount", "Amount", 7, numeric=True, sort="amount"),
    Column("transaction_id", "Transaction", 11, numeric=True),
    Column("reference", "Ref", 5),
    Column("concept", "Concept", 24),
    Column("note", "Note", 40),
)


STATE_NAMES = {"intent": "open", "not_applied": "not applied"}


def entry_record(entry: JournalEntry) -> dict[str, Any]:
    """A journal entry as a table row (amount with its sign, the state in words)."""
    record = asdict(entry)
    record["created_at"] = entry.created_at.isoformat()
    record["state"] = STATE_NAMES.get(entry.state.value, entry.state.value)
    record["amount"] = f"{entry.amount:+}"
    return record


def entry_text(record: Mapping[str, Any]) -> Content:
    """An entry's concept and note in full, each after its label (inert, wrapped on screen)."""
    lines = [("Concept", record.get("concept")), ("Note", record.get("note") or "none")]
    return Content("\n").join(
        Content.assemble((f"{label}: ", "bold"), safe_content(value)) for label, value in lines
    )


class JournalScreen(Screen[None]):
    """The journal, newest first (short: held in memory)."""

    OPENED_BY = "journal"  # the app's action that shows it: its key is left out here
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("c", "check", "Check open entries"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Coin journal", id="journal-title")
        yield VirtualTable(id="journal-table", empty_text="No coin transaction sent yet")
        with VerticalScroll(id="journal-entry"):
            yield Static(id="journal-entry-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(VirtualTable).focus()

    def reload(self) -> None:
        """Read the journal again (an outcome arrived, or a check ended)."""
        session = session_of(self)
        entries = session.journal_entries()
        table = self.query_one(VirtualTable)
        table.set_source(ListRowSource([entry_record(e) for e in entries]), COLUMNS)
        open_entries = sum(entry.is_open for entry in entries)
        counted = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        if open_entries:
            counted += f" · {open_entries} open (c checks them)"
        path = session.client.journal.path
        self.query_one("#journal-title", Static).update(
            safe_content(f"Coin journal · {counted} · {path}")
        )

    @on(VirtualTable.RowHighlighted)
    def _show_entry(self, event: VirtualTable.RowHighlighted) -> None:
        self.query_one("#journal-entry").display = event.record is not None
        if event.record is not None:
            self.query_one("#journal-entry-text", Static).update(entry_text(event.record))

    def action_check(self) -> None:
        if not any(entry.is_open for entry in session_of(self).journal_entries()):
            self.notify("No open entry: every outcome is known")
            return
        self.notify("Checking the open entries against the users' transactions…")
        cast(Any, self.app).coins.check_journal()
