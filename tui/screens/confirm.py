"""A yes/no question before something that cannot be undone; the safe answer has the focus."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True for `yes`, False for `no` (also Esc)."""

    BINDINGS = [Binding("escape", "answer(False)", "Cancel")]

    def __init__(self, title: str, question: str, *, yes: str, no: str) -> None:
        super().__init__()
        self._title, self._question = title, question
        self._yes, self._no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, markup=False, classes="dialog-title")
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield Static(self._question, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(self._no), variant="primary", id="confirm-no")
                yield Button(Content(self._yes), variant="error", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
