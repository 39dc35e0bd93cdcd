"""The Ezepo screen: lists, affiliates, link builder, bulk links, fetch jobs, new list (tabs)."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from tui.api.models import Affiliate, EzepoList, Role
from tui.ezepo_session import EzepoSession
from tui.widgets.ezepo.affiliates import AffiliatesPane
from tui.widgets.ezepo.base import EzepoPane, reporting
from tui.widgets.ezepo.bulk import BulkLinks
from tui.widgets.ezepo.jobs import FetchJobs
from tui.widgets.ezepo.link_builder import LinkBuilder
from tui.widgets.ezepo.lists import ListsPane
from tui.widgets.ezepo.messages import AffiliatesLoaded, ListCreated, ListsLoaded, RoleChecked
from tui.widgets.ezepo.new_list import NewListForm
from tui.widgets.footer import KeysFooter
from tui.widgets.safe_text import safe_content

# (tab id, title, admin only)
TABS: tuple[tuple[str, str, bool], ...] = (
    ("lists", "Lists", False),
    ("affiliates", "Affiliates", True),
    ("link", "Link builder", False),
    ("bulk", "Bulk links", True),
    ("jobs", "Fetch jobs", False),
    ("new-list", "New list", True),
)
NOT_CONFIGURED = (
    "Ezepo is not configured for this profile: set the endpoint and key in the setup screen "
    "(or EZEPO_ENDPOINT and EZEPO_KEY)."
)


class EzepoScreen(Screen[None]):
    """Everything Ezepo; admin-only tabs appear once the key is known to be an admin key."""

    CSS_PATH = "ezepo.tcss"
    TITLE = "Ezepo"
    OPENED_BY = "ezepo"  # the app's action that shows it: its key is left out here
    BINDINGS = [
        Binding("escape", "close", "Back"),
        *(
            Binding(str(number), f"show_tab_number({number})", "Tab by its number", show=False)
            for number in range(1, len(TABS) + 1)
        ),
    ]

    role: reactive[Role | None] = reactive(None, init=False)
    lists: reactive[tuple[EzepoList, ...]] = reactive(())
    affiliates: reactive[tuple[Affiliate, ...]] = reactive(())

    def __init__(
        self,
        ezepo: EzepoSession | None,
        *,
        poll_seconds: float = 30.0,
        download_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.ezepo = ezepo
        self.poll_seconds = poll_seconds
        self.download_dir = download_dir

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Checking the key…", id="ezepo-status", markup=False)
        if self.ezepo is None:
            yield Static(NOT_CONFIGURED, id="ezepo-missing", markup=False)
        else:
            panes: dict[str, EzepoPane] = {
                "lists": ListsPane(self.ezepo),
                "affiliates": AffiliatesPane(self.ezepo),
                "link": LinkBuilder(self.ezepo),
                "bulk": BulkLinks(self.ezepo, download_dir=self.download_dir),
                "jobs": FetchJobs(
                    self.ezepo, poll_seconds=self.poll_seconds, download_dir=self.download_dir
                ),
                "new-list": NewListForm(self.ezepo),
            }
            with TabbedContent(id="ezepo-tabs"):
                for tab, title, _ in TABS:
                    with TabPane(title, id=tab):
                        yield panes[tab].data_bind(
                            EzepoScreen.role, EzepoScreen.lists, EzepoScreen.affiliates
                        )
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.ezepo is None:
            self.query_one("#ezepo-status", Static).update("Ezepo: not configured")
            return
        self._show_admin_tabs(False)
        self.check_role()

    def _show_admin_tabs(self, admin: bool) -> None:
        """Show the tabs the key may use, numbered as the keys 1, 2, 3… reach them."""
        tabs = self.query_one(TabbedContent)
        for tab, _, admin_only in TABS:
            if admin_only:
                (tabs.show_tab if admin else tabs.hide_tab)(tab)
        for number, (tab, title, _) in enumerate(self._visible_tabs(admin), 1):
            tabs.get_tab(tab).label = f"{number} {title}"

    @staticmethod
    def _visible_tabs(admin: bool) -> list[tuple[str, str, bool]]:
        return [entry for entry in TABS if admin or not entry[2]]

    @work(exclusive=True, group="role")
    async def check_role(self) -> None:
        """Ask Ezepo which role the key has (`/api/test/`), unless the session knows it."""
        assert self.ezepo is not None
        status = self.query_one("#ezepo-status", Static)
        async with reporting(
            self, "Checking the Ezepo key", lambda text: status.update(safe_content(text))
        ):
            self.post_message(RoleChecked(await self.ezepo.check_role()))

    @on(RoleChecked)
    def _role_known(self, message: RoleChecked) -> None:
        self.role = message.role
        self.query_one("#ezepo-status", Static).update(
            Content(f"Ezepo key role: {message.role.label}")
        )
        self._show_admin_tabs(message.role is Role.ADMIN)

    @on(ListsLoaded)
    def _lists_loaded(self, message: ListsLoaded) -> None:
        self.lists = tuple(message.lists)
        pane, focused = self.query_one(TabbedContent).active_pane, self.focused
        if pane is not None and (focused is None or pane not in focused.ancestors):
            self.call_after_refresh(self._focus_first, pane)  # the table refused it while loading

    @on(AffiliatesLoaded)
    def _affiliates_loaded(self, message: AffiliatesLoaded) -> None:
        self.affiliates = tuple(message.affiliates)

    @on(ListCreated)
    def _list_created(self) -> None:
        self.query_one(ListsPane).reload()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.call_after_refresh(self._focus_first, event.pane)

    def _focus_first(self, pane: TabPane) -> None:
        """Put the focus on the tab's first field, so its keys show in the footer."""
        target = next((node for node in self.focus_chain if pane in node.ancestors), None)
        if target is not None:
            target.focus()

    def action_show_tab_number(self, number: int) -> None:
        """The tab shown `number`th (an affiliate key has three: Lists, Link builder, Fetch
        jobs are 1, 2, 3)."""
        tabs = self._visible_tabs(self.role is Role.ADMIN)
        if 0 < number <= len(tabs):
            self.action_show_tab(tabs[number - 1][0])

    def action_show_tab(self, tab: str) -> None:
        if self.ezepo is None:
            return
        admin_only = next(admin for tab_id, _, admin in TABS if tab_id == tab)
        if not admin_only or self.role is Role.ADMIN:
            self.query_one(TabbedContent).active = tab

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()
