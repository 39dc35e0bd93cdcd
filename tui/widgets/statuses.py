"""Promotion statuses: the documented ones (active, draft, expired) and any other an API sends
(`paused`...), which are counted, filtered and shown like them, in a neutral colour."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from textual.content import Content

from tui.widgets.safe_text import clean

DOCUMENTED: dict[str, str] = {"active": "green", "draft": "yellow", "expired": "red"}
"""The documented statuses and their colours, in the order they are listed."""
NEUTRAL = "blue"
"""The colour of a status the documentation does not list."""
NO_STATUS = "no status"


def status_of(promotion: Mapping[str, Any]) -> str:
    """A promotion's status as shown (cleaned; `no status` when blank)."""
    return clean(promotion.get("status")).strip() or NO_STATUS


def status_style(status: str) -> str:
    return DOCUMENTED.get(status, NEUTRAL)


def statuses_in(promotions: Iterable[Mapping[str, Any]]) -> list[str]:
    """The documented statuses, then the others the promotions have (sorted)."""
    others = {status_of(p) for p in promotions} - DOCUMENTED.keys()
    return [*DOCUMENTED, *sorted(others)]


def status_counts(promotions: Iterable[Mapping[str, Any]], *, names: bool = True) -> Content:
    """`●4 active ●1 draft ●1 paused` (statuses with none left out); `●4 ●1 ●1` without names."""
    promotions = list(promotions)
    counts = Counter(status_of(p) for p in promotions)
    parts = [
        Content.styled(f"●{counts[status]}" + (f" {status}" if names else ""), status_style(status))
        for status in statuses_in(promotions)
        if counts[status]
    ]
    return Content(" ").join(parts)
