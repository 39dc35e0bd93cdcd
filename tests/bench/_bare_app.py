"""The baseline of the start-up benchmark: a bare Textual app with a header, a Static and a
footer (the footer shows the command palette's key, as promo-tui's does)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("bare")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
