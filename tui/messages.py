"""Messages that the browser's widgets and workers exchange (workers post, widgets react)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from tui.api.endpoints import Collection

Record = dict[str, Any]


class FirstFrameShown(Message):
    """The browser's first frame is on the terminal with its footer's keys, or never will be
    (another screen covered it first): the work that frame did not need may start."""


@dataclass
class PromotionHighlighted(Message):
    """A promotion was highlighted in the tree (its list summary)."""

    promotion: Record


@dataclass
class CollectionChosen(Message):
    """Show one collection of a promotion in the table."""

    promotion_id: str
    collection: Collection
    title: str


@dataclass
class InsightsChosen(Message):
    """Show a promotion's Insights (its record as the tree has it)."""

    promotion: Record


@dataclass
class RecordHighlighted(Message):
    """A record is highlighted in the table: show it in the detail pane."""

    promotion_id: str
    collection: Collection
    record: Record | None


@dataclass
class OpenUser(Message):
    """Jump to a user (from a participation, a transaction...)."""

    promotion_id: str
    user_id: str


@dataclass
class AddCoins(Message):
    """Open the coin dialog for a user (user_id None: ask for it)."""

    promotion_id: str
    user_id: str | None = None


@dataclass
class ServerWarning(Message):
    """An answer was taken with a caveat (posted from any thread); the app shows it."""

    text: str


@dataclass
class ApiFailed(Message):
    """A worker's call failed; the app shows it (and handles a revoked token). `shown`: the
    poster already says it where the user is looking (a dialog): the app records it as the
    last error without a notification over the dialog."""

    error: BaseException
    context: str = ""
    shown: bool = False
