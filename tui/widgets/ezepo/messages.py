"""Messages that Ezepo workers post; links travel as `Secret` so no log line shows them."""

from __future__ import annotations

from textual.message import Message

from tui.api.models import Affiliate, EzepoList, Role
from tui.redact import Secret


class RoleChecked(Message):
    """The key's role is known."""

    def __init__(self, role: Role) -> None:
        super().__init__()
        self.role = role


class ListsLoaded(Message):
    """The lists the key may see."""

    def __init__(self, lists: list[EzepoList]) -> None:
        super().__init__()
        self.lists = lists


class AffiliatesLoaded(Message):
    """The affiliates (admin keys only)."""

    def __init__(self, affiliates: list[Affiliate]) -> None:
        super().__init__()
        self.affiliates = affiliates


class ListCreated(Message):
    """A new list was accepted; the lists need a reload."""

    def __init__(self, listid: str) -> None:
        super().__init__()
        self.listid = listid


class LinkBuilt(Message):
    """A generated link; it embeds an affiliate key, hence the `Secret`."""

    def __init__(self, link: Secret) -> None:
        super().__init__()
        self.link = link
