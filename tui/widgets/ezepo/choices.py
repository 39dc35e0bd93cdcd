"""Options for the Ezepo forms' selects; names from the API are shown as plain text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from rich.text import Text
from textual.widgets import Select

from tui.api.models import Affiliate, EzepoList, LinkType, ListFormat, ListType, Source
from tui.widgets.safe_text import clean

T = TypeVar("T")

SOURCES: list[tuple[str, Source]] = [(source.label, source) for source in Source]
LINK_TYPES: list[tuple[str, LinkType]] = [
    ("Unsubscribe", LinkType.UNSUB),
    ("Download", LinkType.DOWNLOAD),
]
FORMATS: list[tuple[str, ListFormat]] = [(fmt.value, fmt) for fmt in ListFormat]
LIST_TYPES: list[tuple[str, ListType]] = [
    ("1 - opt-out site on", ListType.OPT_OUT_SITE_ON),
    ("2 - opt-out site off", ListType.OPT_OUT_SITE_OFF),
]


def labelled(name: str | None, ident: str) -> Text:
    """`name (id)` as plain text, never markup."""
    return Text(f"{clean(name)} ({clean(ident)})" if name else clean(ident))


def list_options(lists: Iterable[EzepoList]) -> list[tuple[Text, str]]:
    return [(labelled(item.name, item.listid), item.listid) for item in lists]


def affiliate_options(affiliates: Iterable[Affiliate]) -> list[tuple[Text, str]]:
    return [(labelled(item.name, item.affid), item.affid) for item in affiliates]


def refill(select: Select[T], options: Sequence[tuple[Text, T]]) -> None:
    """Replace a select's options, keeping the current choice when it is still offered."""
    current = select.value
    select.set_options(options)
    if any(value == current for _, value in options):
        select.value = current
