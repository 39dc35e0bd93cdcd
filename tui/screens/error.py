"""The last error in full: the status bar shows it cut to one line; `!` or a click on the bar
opens it here, where it wraps and scrolls, and can be selected and copied."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ErrorScreen(ModalScreen[None]):
    """One error's whole text (markup off); Esc, Enter or `!` closes it."""

    BINDINGS = [
        Binding("escape,enter", "close", "Close"),
        Binding("exclamation_mark", "close", "Close", show=False),
    ]

    def __init__(self, text: str, when: str) -> None:
        super().__init__()
        self._text = text
        self._when = when

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog"):
            yield Label(f"Last error · {self._when}", markup=False, classes="dialog-title")
            with VerticalScroll(id="error-scroll"):
                yield Static(self._text, id="error-text", markup=False)
            yield Label("Esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss()
