"""A generated link on screen, copied with one key; shown selected for a manual copy if needed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.clipboard import copy_text
from tui.redact import Secret
from tui.widgets.safe_text import safe_text


class LinkOutput(Vertical):
    """Shows one link; `copy()` sends it to the clipboards and says where it went."""

    DEFAULT_CSS = """
    LinkOutput { height: auto; }
    LinkOutput > #link-text { height: auto; color: $text-accent; }
    LinkOutput > #manual-copy { display: none; }
    LinkOutput.-manual > #manual-copy { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.link: Secret | None = None

    def compose(self) -> ComposeResult:
        yield Static("No link yet.", id="link-text")
        yield Input(id="manual-copy", select_on_focus=True)

    def show_link(self, link: Secret | None, placeholder: str = "No link yet.") -> None:
        """Display `link` (or the placeholder); hides any manual-copy field."""
        self.link = link
        text = safe_text(link.reveal()) if link else safe_text(placeholder, "dim")
        self.query_one("#link-text", Static).update(text)
        self.remove_class("-manual")
        self.query_one("#manual-copy", Input).value = ""

    def copy(self) -> bool:
        """Copy the link; returns whether a copy is confirmed (the system clipboard took it).
        The link is then also in a field below, selected, for a copy by hand."""
        if self.link is None:
            self.notify("Nothing to copy yet", severity="warning")
            return False
        result = copy_text(self.app, self.link.reveal())
        self.notify(
            result.describe("Link"),
            severity="information" if result.system or result.terminal else "warning",
            markup=False,
        )
        manual = self.query_one("#manual-copy", Input)  # whatever happened, it can be copied
        manual.value = self.link.reveal()
        self.add_class("-manual")
        if not (result.system or result.terminal):  # nothing tried: ready for a copy by hand
            manual.focus()
        manual.select_all()
        return result.copied
