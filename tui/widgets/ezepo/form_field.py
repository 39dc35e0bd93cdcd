"""A labelled input with its validation message underneath (used by every form)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.validation import Function, Validator
from textual.widgets import Input, Label, Static

from tui.widgets.safe_text import safe_content


def rule(check: Callable[[str], bool], message: str) -> Validator:
    """A validator from a predicate and the message shown when it fails."""
    return Function(check, message)


class FormField(Vertical):
    """Label, input and inline error; `check()` validates and shows the first failure."""

    DEFAULT_CSS = """
    FormField { height: auto; margin-bottom: 1; }
    FormField > Label { color: $text-muted; }
    FormField > .hint { color: $text-muted; text-style: italic; }
    FormField > .field-error { color: $text-error; height: auto; display: none; }
    FormField > .field-error.-shown { display: block; }
    """

    def __init__(self, label: str, field: Input, *, hint: str = "") -> None:
        super().__init__()
        self.label = label
        self.input = field
        self.hint = hint
        self._error = Static("", classes="field-error", markup=False)
        self._failing = False

    def compose(self) -> ComposeResult:
        yield Label(self.label, markup=False)
        yield self.input
        if self.hint:
            yield Static(self.hint, classes="hint", markup=False)
        yield self._error

    @property
    def value(self) -> str:
        return self.input.value.strip()

    def show_error(self, text: str) -> None:
        self._failing = bool(text)
        self._error.update(safe_content(text))
        self._error.set_class(bool(text), "-shown")
        self.input.set_class(bool(text), "-invalid")

    def check(self) -> bool:
        """Validate the current value; shows and returns the outcome."""
        result = self.input.validate(self.input.value)
        failures = [] if result is None else result.failure_descriptions
        self.show_error(failures[0] if failures else "")
        return not failures

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.input and self._failing:
            self.check()
