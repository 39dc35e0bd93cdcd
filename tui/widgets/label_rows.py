"""Label-value rows whose long values wrap beside their labels, not back under them.

    Concept         Compensation for the delayed ticket
                    number 881, reported twice

`LabelRows.show_rows` shows such rows (wrapped again at every width); `update` shows any other
content as a Static does."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import RenderResult
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

Row = tuple[str | None, str, str]
"""(label, value, style of the whole row); a row without a label spans the width."""


def wrapped_rows(rows: Sequence[Row], width: int) -> list[Content]:
    """The lines of `rows` at `width` cells: values start one cell past the longest label
    (width 0, not laid out yet: nothing is wrapped)."""
    widths = {label: Content(label).cell_length for label, _, _ in rows if label is not None}
    indent = 1 + max(widths.values(), default=0)

    def lines_of(text: str, style: str, cells: int) -> list[Content]:
        content = Content.styled(text, style)
        return (content.wrap(max(cells, 1)) if width > 0 else [content]) or [Content("")]

    lines: list[Content] = []
    for label, value, style in rows:
        if label is None:
            lines += lines_of(value, style, width)
            continue
        parts = lines_of(value, style, width - indent)
        heads = [Content.styled(label, style).pad_right(indent - widths[label])]
        heads += [Content(" " * indent)] * (len(parts) - 1)
        lines += [head + part for head, part in zip(heads, parts, strict=True)]
    return lines


class LabelRows(Static):
    """A Static that can show label-value rows with hanging values; any `update` after
    `show_rows` shows its content instead, as a Static does."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[Row] = []
        self._rows_shown = Content("")  # the content that stands for the rows (identity)

    def show_rows(self, rows: Sequence[Row]) -> None:
        stand_in = Content("")
        self._rows, self._rows_shown = list(rows), stand_in
        self.update(stand_in)

    def _showing_rows(self) -> bool:
        return self.content is self._rows_shown

    def render(self) -> RenderResult:
        if not self._showing_rows():
            return super().render()
        return Content("\n").join(wrapped_rows(self._rows, self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._showing_rows():
            return super().get_content_height(container, viewport, width)
        return len(wrapped_rows(self._rows, width))
