"""The link builder: affiliate, source, list and link type give one link, copied with `c`."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Input, Label, Select

from tui.api.errors import AuthError
from tui.api.models import LinkType, Role, Source
from tui.redact import Secret
from tui.widgets.ezepo.base import ErrorLine, EzepoPane
from tui.widgets.ezepo.choices import LINK_TYPES, SOURCES, affiliate_options, list_options, refill
from tui.widgets.ezepo.link_output import LinkOutput
from tui.widgets.ezepo.messages import LinkBuilt

TYPING_PAUSE = 0.4


class LinkBuilder(EzepoPane):
    """Builds the link as soon as every field is set; admins pick affiliates from a list."""

    BINDINGS = [
        Binding("c", "copy", "Copy link"),
        Binding("g", "build", "Generate again"),
    ]

    def compose(self) -> ComposeResult:
        with Grid(id="link-form", classes="form-grid"):
            yield Label("Affiliate")
            yield Select[str]([], prompt="Choose an affiliate", id="link-affiliate")
            yield Input(placeholder="Your affiliate id", id="link-affid", restrict=r"\S*")
            yield Label("Source")
            yield Select(SOURCES, value=Source.INTERNAL, allow_blank=False, id="link-source")
            yield Label("List")
            yield Select[str]([], prompt="Choose a list", id="link-list")
            yield Label("Link type")
            yield Select(LINK_TYPES, value=LinkType.UNSUB, allow_blank=False, id="link-type")
        yield ErrorLine()
        yield LinkOutput(id="link-output")

    def watch_role(self) -> None:
        """Admins choose among the affiliates; an affiliate key types its own id."""
        admin = self.role is Role.ADMIN
        self.query_one("#link-affiliate").display = admin
        self.query_one("#link-affid").display = not admin

    def watch_lists(self) -> None:
        refill(self.query_one("#link-list", Select), list_options(self.lists))

    def watch_affiliates(self) -> None:
        refill(self.query_one("#link-affiliate", Select), affiliate_options(self.affiliates))

    def affid(self) -> str | None:
        if self.role is Role.ADMIN:
            return self.query_one("#link-affiliate", Select).selection
        return self.query_one("#link-affid", Input).value.strip() or None

    @on(Select.Changed)
    def _choice_changed(self) -> None:
        self.build()

    @on(Input.Changed, "#link-affid")
    def _affid_typed(self) -> None:
        self.build(pause=TYPING_PAUSE)

    def action_build(self) -> None:
        self.build()

    def action_copy(self) -> None:
        self.query_one(LinkOutput).copy()

    @work(exclusive=True, group="link")
    async def build(self, pause: float = 0.0) -> None:
        """Ask Ezepo for the link of the current choice (a newer choice cancels this one)."""
        output = self.query_one(LinkOutput)
        affid = self.affid()
        listid = self.query_one("#link-list", Select).selection
        if not affid or not listid:
            output.show_link(None, "Choose an affiliate and a list.")
            return
        await asyncio.sleep(pause)
        output.show_link(None, "Generating…")
        source = self.query_one("#link-source", Select).selection or Source.INTERNAL
        link_type = self.query_one("#link-type", Select).selection or LinkType.UNSUB
        async with self.failure("Generating the link"):
            try:
                link = await self.ezepo.link(affid, source, listid, link_type)
            except AuthError:
                if self.role is not Role.AFFILIATE:
                    raise
                raise AuthError(  # the key itself works: it answered the role test
                    f"Ezepo refused a link for affiliate {affid}: an affiliate key gets links "
                    "for its own affiliate id only."
                ) from None
            self.post_message(LinkBuilt(Secret(link)))
            return
        output.show_link(None, "No link.")

    @on(LinkBuilt)
    def _show(self, message: LinkBuilt) -> None:
        message.stop()
        self.query_one(LinkOutput).show_link(message.link)
