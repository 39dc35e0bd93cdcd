"""The baseline of the start-up benchmark: a bare Textual app that paints one Static."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("bare")


if __name__ == "__main__":
    BareApp().run()
