"""The Ezepo side of a session: everything the Ezepo screen may ask, as `Session` is for Easypromos.

Panes hold this, never the HTTP client, and know nothing of URLs; this knows nothing of Textual.
The key's role is asked once per session (the browser asks at start, the screen reuses the
answer), and callers asking for the role or the lists while a call is under way share it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported off the event loop by `Session.start`
    from tui.api.ezepo import EzepoClient
    from tui.api.fetchjob import FetchProgress, FetchResult
    from tui.api.models import Affiliate, EzepoList, LinkType, ListFormat, ListType, Role, Source

T = TypeVar("T")


class EzepoSession:
    """One profile's Ezepo instance and key."""

    def __init__(self, client: EzepoClient) -> None:
        self._client = client
        self.role: Role | None = None
        """The key's role once checked (None before, or when the check failed)."""
        self._role_check: asyncio.Future[Role] | None = None
        self._lists_read: asyncio.Future[list[EzepoList]] | None = None

    async def check_role(self) -> Role:
        """The key's role (`/api/test/`), asked once: a caller arriving during the check shares
        it (the screen opened while the browser's is under way); a bad key raises AuthError."""
        if self.role is None:
            self._role_check = check = _joined(self._role_check, self._client.test)
            self.role = await asyncio.shield(check)
        return self.role

    async def lists(self) -> list[EzepoList]:
        """Every list the key may see; a caller arriving during a read shares it (a caller
        cancelled leaves the read to the others)."""
        self._lists_read = read = _joined(self._lists_read, self._client.lists)
        return await asyncio.shield(read)

    async def affiliates(self) -> list[Affiliate]:
        """Every affiliate (an admin key only)."""
        return await self._client.affiliates()

    async def link(
        self, affid: str | int, source: Source | int, listid: str | int, link_type: LinkType | str
    ) -> str:
        """An unsubscribe or data-download link (it embeds an affiliate key: never log it)."""
        return await self._client.link(affid, source, listid, link_type)

    async def new_list(
        self, listid: str, name: str, *, list_type: ListType | None, list_format: ListFormat | None
    ) -> None:
        """Create a list (an admin key only); without a type and a format it waits in the queue."""
        await self._client.new_list(listid, name, type=list_type, format=list_format)

    async def fetch_list(
        self,
        listid: str,
        list_format: ListFormat | str,
        dest_dir: Path,
        *,
        poll_seconds: float,
        on_progress: Callable[[FetchProgress], None],
    ) -> FetchResult:
        """Fetch a list as a job: start it, poll it, download and extract its zip."""
        return await self._client.fetch_list(
            listid, list_format, dest_dir, poll_seconds=poll_seconds, on_progress=on_progress
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _joined(call: asyncio.Future[T] | None, start: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
    """`call` while it runs, else a new call of `start`, to be shared by its callers."""
    if call is None or call.done():
        call = asyncio.ensure_future(start())
        call.add_done_callback(_retrieve)  # its failure is raised to the callers still waiting
    return call


def _retrieve(call: asyncio.Future[Any]) -> None:
    """Mark a shared call's failure as seen, so one left without callers is not logged."""
    if not call.cancelled():
        call.exception()
