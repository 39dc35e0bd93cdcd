"""The lists tab: every list the key may see; count, last upload and notes for admins only."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from tui.api.models import EzepoList, Role
from tui.widgets.ezepo.base import ErrorLine, EzepoPane, fill_table
from tui.widgets.ezepo.messages import ListsLoaded
from tui.widgets.safe_text import safe_text

COLUMNS = ("List id", "Name", "Active", "Format")
ADMIN_COLUMNS = ("Count", "Last upload", "Notes")


def list_row(item: EzepoList, *, admin: bool) -> list[Text]:
    """One table row; notes and names are untrusted, so plain text without control characters."""
    active = {True: "yes", False: "no", None: "?"}[item.active]
    row = [safe_text(item.listid), safe_text(item.name), Text(active), safe_text(item.format)]
    if admin:
        count = "" if item.count is None else f"{item.count:,}"
        upload = item.last_upload.isoformat() if item.last_upload else "never"
        row += [Text(count, justify="right"), Text(upload), safe_text(item.notes)]
    return row


class ListsPane(EzepoPane):
    """A table of lists, loaded in a worker; `r` reloads."""

    BINDINGS = [Binding("r", "reload", "Reload lists")]

    def compose(self) -> ComposeResult:
        yield ErrorLine()
        yield DataTable(id="lists-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.show_lists()

    def watch_role(self, role: Role | None) -> None:
        """Read the lists once the key's role is known (its binding also says None first)."""
        self.show_lists()
        if role is not None:
            self.reload()

    def watch_lists(self) -> None:
        self.show_lists()

    def show_lists(self) -> None:
        """Fill the table; admin columns only for an admin key."""
        labels = (*COLUMNS, *(ADMIN_COLUMNS if self.is_admin else ()))
        rows = [list_row(item, admin=self.is_admin) for item in self.lists]
        fill_table(self.query_one(DataTable), labels, rows)

    def action_reload(self) -> None:
        self.reload()

    @work(exclusive=True, group="lists")
    async def reload(self) -> None:
        """Fetch the lists; the screen shares them with the other tabs."""
        async with self.loading_table("Loading lists"):
            self.post_message(ListsLoaded(await self.ezepo.lists()))
