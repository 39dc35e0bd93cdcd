"""Untrusted text made safe to show in a widget: no markup, no terminal control sequences.

Nicknames, titles, server messages, file names and every other value that is not a literal of
ours go through `tui.inert.clean` (controls removed, each run marked) and are rendered as
`rich.text.Text` or `textual.content.Content`, never parsed as markup. A `str` handed to a
markup-enabled widget would be parsed: `[/b]` in a server message raises, `[link=...]` links.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from tui.inert import clean

__all__ = ["clean", "safe_content", "safe_text"]


def safe_text(value: Any, style: str = "", *, single_line: bool = True) -> Text:
    """A `Text` of `value`, cleaned, never interpreted as markup."""
    return Text(clean(value, single_line=single_line), style=style)


def safe_content(value: Any, style: str = "", *, single_line: bool = True) -> Content:
    """A `Content` of `value`, cleaned, never interpreted as markup."""
    return Content.styled(clean(value, single_line=single_line), style)
