"""A one-field modal: ask for a value (a promotion id, a user id, a profile name)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets.safe_text import safe_content

Check = Callable[[str], str | None]
"""Returns an error sentence for a bad value, None for a good one."""


def digits_only(what: str) -> Check:
    """A check that accepts a positive integer id."""

    def check(value: str) -> str | None:
        return None if value.strip().isdigit() else f"{what} is a number, e.g. 480102"

    return check


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the entered value, or None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", check: Check | None = None) -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt", classes="dialog"):
            yield Label(self._title, markup=False, classes="dialog-title")
            yield Input(placeholder=self._placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="field-error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self._check(value) if self._check else None
        if problem:
            self.query_one("#prompt-error", Static).update(safe_content(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
