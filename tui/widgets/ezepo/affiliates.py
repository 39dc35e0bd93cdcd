"""The affiliates tab (admin keys only); affiliate keys stay masked until revealed on purpose."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tui.api.models import Affiliate, Role
from tui.ezepo_session import EzepoSession
from tui.redact import MASK
from tui.widgets.ezepo.base import ErrorLine, EzepoPane, fill_table
from tui.widgets.ezepo.messages import AffiliatesLoaded
from tui.widgets.safe_text import safe_text

COLUMNS = ("Affiliate id", "Name", "Source", "Affiliate key")
KEY_COLUMN = 3


def key_cell(affiliate: Affiliate, *, revealed: bool) -> Text:
    if affiliate.affiliate_key is None:
        return Text("")
    if revealed:
        return safe_text(affiliate.affiliate_key.reveal(), "bold")
    return Text(MASK, style="dim")


class AffiliatesPane(EzepoPane):
    """A table of affiliates; `v` shows or hides the selected row's key."""

    BINDINGS = [
        Binding("r", "reload", "Reload affiliates"),
        Binding("v", "reveal", "Show/hide key"),
    ]

    def __init__(self, ezepo: EzepoSession, *, id: str | None = None) -> None:
        super().__init__(ezepo, id=id)
        self.revealed: set[int] = set()

    def compose(self) -> ComposeResult:
        yield ErrorLine()
        yield DataTable(id="affiliates-table", cursor_type="row")

    def watch_role(self) -> None:
        if self.role is Role.ADMIN:
            self.reload()

    def watch_affiliates(self) -> None:
        self.revealed.clear()
        rows = [
            [
                safe_text(item.affid),
                safe_text(item.name),
                safe_text(item.source),
                key_cell(item, revealed=False),
            ]
            for item in self.affiliates
        ]
        key_width = max((len(key_cell(a, revealed=True)) for a in self.affiliates), default=0)
        fill_table(self.query_one(DataTable), COLUMNS, rows, (0, 0, 0, key_width))

    def action_reload(self) -> None:
        self.reload()

    def action_reveal(self) -> None:
        table = self.query_one(DataTable)
        index = table.cursor_row
        if not 0 <= index < len(self.affiliates):
            return
        self.revealed ^= {index}
        shown = index in self.revealed
        table.update_cell_at(
            Coordinate(index, KEY_COLUMN), key_cell(self.affiliates[index], revealed=shown)
        )
        if shown:
            self.notify("Affiliate key shown: press v again to hide it", severity="warning")

    @work(exclusive=True, group="affiliates")
    async def reload(self) -> None:
        """Fetch the affiliates; the screen shares them with the link builder."""
        async with self.loading_table("Loading affiliates"):
            self.post_message(AffiliatesLoaded(await self.ezepo.affiliates()))
