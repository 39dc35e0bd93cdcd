"""A short summary of the account: brands, promotions by status, locked promotions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from textual.content import Content
from textual.widgets import Static

from tui.widgets import tcss_beside
from tui.widgets.promotions_tree import STATUS_STYLES
from tui.widgets.safe_text import clean

Record = dict[str, Any]


def account_summary(brands: Sequence[Record], promotions: Sequence[Record], locked: int) -> Content:
    """`2 brands · 7 promotions (● 4 ● 1 ● 2) · 🔒 1 locked`."""
    statuses = Counter(clean(p.get("status")) for p in promotions)
    parts = [
        Content(f"{len(brands)} brand{'s' if len(brands) != 1 else ''}"),
        Content(f"{len(promotions)} promotions"),
    ]
    for status, style in STATUS_STYLES.items():
        if statuses.get(status):
            parts.append(Content.styled(f"● {statuses[status]} {status}", style))
    if locked:
        parts.append(Content.styled(f"🔒 {locked} locked", "$text-muted"))
    return Content(" · ").join(parts)


class AccountPane(Static):
    """What the token may see; updated when the account loads or a promotion turns out locked."""

    DEFAULT_CSS = tcss_beside(__file__)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content.styled("Loading the account…", "$text-muted"), id=id)
        self.border_title = "Account"

    def show(self, brands: Sequence[Record], promotions: Sequence[Record], locked: int) -> None:
        self.update(account_summary(brands, promotions, locked))

    def show_problem(self, text: str) -> None:
        self.update(Content.styled(clean(text), "$error"))
