"""One line of text in the fullest of its forms that its width holds.

`show(forms)` takes the forms from the fullest to the shortest; the line renders the first one
that fits its width, chosen again whenever it is laid out (a resize needs no new `show`). When
none fits, the shortest is shown, cut with an ellipsis."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

from tui.widgets import tcss_beside


class FittedLine(Widget):
    """A one-line text that drops words rather than wrap."""

    DEFAULT_CSS = tcss_beside(__file__)

    def __init__(self, text: Content, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._forms: list[Content] = [text]

    def show(self, forms: Sequence[Content]) -> None:
        """Show the first of `forms` (fullest first) that fits."""
        self._forms = list(forms) or [Content("")]
        self.refresh()

    def render(self) -> Content:
        width = self.content_size.width
        return next((form for form in self._forms if form.cell_length <= width), self._forms[-1])
