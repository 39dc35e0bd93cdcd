"""What the token may see: brands with their promotions by status, and promotions found locked."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.widgets import tcss_beside
from tui.widgets.promotions_tree import brand_id_of
from tui.widgets.safe_text import clean
from tui.widgets.statuses import status_counts
from tui.widgets.words import counted

Record = dict[str, Any]
BRAND_LINES = 4
"""Brands listed by name; more are counted on one line."""
LOCKED_IDS = 3
"""Locked promotions listed by id."""


def _statuses(promotions: Sequence[Record]) -> Content:
    """`●4 active ●1 draft ●2 expired ●1 paused` (statuses with none left out)."""
    counts = status_counts(promotions)
    return counts if counts else Content.styled("no promotions", "$text-muted")


def account_summary(
    brands: Sequence[Record],
    promotions: Sequence[Record],
    locked: Collection[str],
    *,
    per_brand: bool = True,
) -> Content:
    """A few lines: totals, promotions by status, each brand's (if asked), the locked ones."""
    lines = [
        Content.styled(
            f"{counted(len(brands), 'brand')} · {counted(len(promotions), 'promotion')}", "bold"
        ),
        _statuses(promotions),
    ]
    by_brand: dict[str, list[Record]] = {}
    for promotion in promotions:
        by_brand.setdefault(brand_id_of(promotion), []).append(promotion)
    for brand in brands[:BRAND_LINES] if per_brand else ():
        own = by_brand.get(str(brand.get("id", "")), [])
        name = clean(brand.get("name")) or "(unnamed brand)"
        lines.append(Content.assemble(f"{name} · {len(own)}: ", status_counts(own, names=False)))
    if per_brand and len(brands) > BRAND_LINES:
        more = counted(len(brands) - BRAND_LINES, "more brand")
        lines.append(Content.styled(f"+{more}", "$text-muted"))
    if locked:
        ids = " ".join(f"#{clean(i)}" for i in sorted(locked)[:LOCKED_IDS])
        more = f" +{len(locked) - LOCKED_IDS}" if len(locked) > LOCKED_IDS else ""
        lines.append(Content.styled(f"{len(locked)} locked: {ids}{more}", "$warning"))
    else:
        lines.append(Content.styled("none locked yet (checked on open)", "$text-muted"))
    return Content("\n").join(lines)


class AccountPane(Static):
    """What the token may see; updated when the account loads or a promotion turns out locked.

    `compact` (a short terminal) leaves out the per-brand lines: the tree shows the brands.
    """

    DEFAULT_CSS = tcss_beside(__file__)

    compact: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content.styled("Loading the account…", "$text-muted"), id=id)
        self.border_title = "Account"
        self._shown: tuple[Sequence[Record], Sequence[Record], Collection[str]] | None = None

    def show(
        self, brands: Sequence[Record], promotions: Sequence[Record], locked: Collection[str]
    ) -> None:
        self._shown = (brands, promotions, locked)
        self.update(account_summary(brands, promotions, locked, per_brand=not self.compact))

    def watch_compact(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def show_problem(self, text: str) -> None:
        self.update(Content.styled(clean(text), "$error"))

    def show_note(self, text: str) -> None:
        """Say what the account waits for (the account replaces it)."""
        self.update(Content.styled(clean(text), "$text-muted"))
