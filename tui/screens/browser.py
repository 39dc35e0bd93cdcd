"""The main screen: account and promotions tree, the collection table, the detail pane."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import WorkerError

from tui.api.endpoints import Collection
from tui.api.errors import NetworkError, ScopeError
from tui.memory import freeze_long_lived
from tui.messages import (
    ApiFailed,
    CollectionChosen,
    FirstFrameShown,
    InsightsChosen,
    OpenUser,
    PromotionHighlighted,
    RecordHighlighted,
)
from tui.session import Session, session_of
from tui.widgets import tcss_beside
from tui.widgets.account_pane import AccountPane
from tui.widgets.footer import BrowserFooter
from tui.widgets.promotions_tree import (
    BrandData,
    PromotionData,
    PromotionsTree,
    filters_text,
)
from tui.widgets.safe_text import clean
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:  # imported by `start`, after the first frame (with the store: ~0.1 s)
    from tui.widgets.collection_view import CollectionView
    from tui.widgets.detail_pane import DetailPane
    from tui.widgets.virtual_table import VirtualTable

NARROW = 120
"""Below this width the collection and detail panes stack, and the sidebar folds away while
they have the focus."""
DETAIL_DELAY = 0.15
"""Seconds the cursor rests on a record before the detail pane shows it: keys held down (or
repeated faster) move the cursor only, and each frame stays a two-line repaint."""


class BrowserScreen(Screen[None]):
    """Browse brand -> promotion -> collection -> record.

    The first frame shows the status bar, the sidebar and the footer, with placeholders for the
    collection and detail panes; the app calls `start` once it is on the terminal (the footer's
    keys painted).
    """

    # Default CSS, not CSS_PATH: a screen's CSS_PATH has every stylesheet parsed again when the
    # screen is first pushed (before the first frame).
    DEFAULT_CSS = tcss_beside(__file__)
    TITLE = "Browser"
    AUTO_FOCUS = "PromotionsTree"  # not the filter above it: a focus change is a second frame
    ALLOW_IN_MAXIMIZED_VIEW = "StatusBar, Footer"

    BINDINGS = [
        Binding("1", "focus_pane('tree')", "Tree", show=False),
        Binding("2", "focus_pane('table')", "Table", show=False),
        Binding("3", "focus_pane('detail')", "Detail", show=False),
        Binding("f5", "reload_account", "Reload account"),
        Binding("z", "zoom", "Zoom pane"),
        Binding("escape", "clear_tree_filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending_detail: RecordHighlighted | None = None
        self._detail_timer: Timer | None = None
        self._status_timer: Timer | None = None
        self._recovery_noted = time.monotonic()
        self._promotions_read: dict[str, dict[str, Any]] = {}
        """Promotions read in full when opened: the detail pane shows these, not the list's."""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield AccountPane(id="account")
                yield Input(
                    placeholder="Type to filter promotions",
                    id="tree-filter",
                    select_on_focus=False,  # the type-ahead's first letter is kept
                )
                yield Static(id="tree-filters")
                yield PromotionsTree(id="tree")
            with Container(id="work"):
                yield Static("Loading…", id="collection", classes="placeholder")
                yield Static(id="detail", classes="placeholder")
        yield BrowserFooter()

    async def start(self) -> None:
        """Put the collection and detail panes in place of their placeholders, then start the
        session and load the account."""
        from tui.widgets.collection_view import CollectionView
        from tui.widgets.detail_pane import DetailPane

        work = self.query_one("#work")
        await self.query(".placeholder").remove()
        if work.is_attached:  # not if the app quit meanwhile
            await work.mount(CollectionView(id="collection"), DetailPane(id="detail"))
            self.action_reload_account()

    @property
    def promotions_tree(self) -> PromotionsTree:
        return self.query_one(PromotionsTree)

    @property
    def collection(self) -> CollectionView:
        from tui.widgets.collection_view import CollectionView

        return self.query_one(CollectionView)

    @property
    def detail(self) -> DetailPane:
        from tui.widgets.detail_pane import DetailPane

        return self.query_one(DetailPane)

    @property
    def table(self) -> VirtualTable:
        from tui.widgets.virtual_table import VirtualTable

        return self.collection.query_one(VirtualTable)

    def open_promotion(self, promotion_id: str) -> bool:
        """Select (and expand) a promotion in the tree; False when the account has none such."""
        self.query_one("#tree-filter", Input).value = ""
        found = self.promotions_tree.select_promotion(promotion_id)
        if found:
            self.promotions_tree.focus()
        return found

    @property
    def current_promotion_id(self) -> str | None:
        """The promotion of the tree's cursor (or of the collection shown)."""
        node = self.promotions_tree.cursor_node
        while node is not None:
            if isinstance(node.data, PromotionData):
                return node.data.id
            node = node.parent
        showing = self.collection.showing
        return showing.promotion_id if showing else None

    def on_screen_suspend(self) -> None:
        """Covered by another screen (a dialog opened at once), the footer may never be painted:
        the app need not wait for it to start the browser."""
        self.post_message(FirstFrameShown())

    def on_mount(self) -> None:
        self._status_timer = self.set_interval(0.5, self._sync_status)
        self.show_session()
        self._watch_tree_filters()

    def _watch_tree_filters(self) -> None:
        """The line above the tree says which statuses and order it shows (`f`, `o`)."""
        tree = self.promotions_tree

        def show(_: object = None) -> None:
            line = filters_text(tree.status_filter, tree.newest_first)
            self.query_one("#tree-filters", Static).update(line)

        self.watch(tree, "status_filter", show)
        self.watch(tree, "newest_first", show)

    def show_session(self) -> None:
        """Show the app's session in the status bar; the tree takes the focus."""
        session = session_of(self)
        status = self.query_one(StatusBar)
        status.profile = session.settings.profile
        status.budget = session.pacer_state
        self.promotions_tree.focus()

    async def clear(self) -> None:
        """Back to the first frame's panes, with none of their work left running (before the
        app changes its session; `start` then loads the new one's account)."""
        self.workers.cancel_node(self)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._pending_detail = self._detail_timer = None
        status_timer = self._status_timer
        assert status_timer is not None, "cleared before it was mounted"
        status_timer.pause()  # the status bar is composed again
        await self.recompose()
        self._watch_tree_filters()
        status_timer.resume()

    def on_resize(self) -> None:
        self.query_one(AccountPane).compact = self.size.height < 36
        self.set_class(self.size.width < NARROW, "-narrow")

    def on_descendant_focus(self) -> None:
        """A narrow screen shows the sidebar while the tree (or its filter) has the focus, and
        gives the table and the detail pane its room while they have it."""
        focused = self.focused
        sidebar = self.query_one("#sidebar")
        self.set_class(focused is not None and sidebar not in focused.ancestors, "-working")

    def action_zoom(self) -> None:
        """The focused pane fills the screen (the status bar and footer stay); again restores."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        if focused is None:
            return
        panes = (self.query_one("#sidebar"), self.query_one("#collection"), self.detail)
        self.maximized = next((p for p in panes if p is focused or p in focused.ancestors), None)

    def _sync_status(self) -> None:
        status = self.query_one(StatusBar)
        session = session_of(self)
        status.offline = session.offline
        status.cached_at = session.cached_at
        status.role = session.ezepo_role.name.lower() if session.ezepo_role else None
        status.jobs = sum(1 for worker in self.app.workers if worker.is_running)
        self._note_recovery(session, status)

    def _note_recovery(self, session: Session, status: StatusBar) -> None:
        """Clear the error once a call of the service that failed last succeeded after it; say
        when a call succeeded after retries."""
        healths = (session.easypromos_health, session.ezepo_health)
        failing = max(healths, key=lambda health: health.failed_at)  # the error's, likely
        status.clear_error_if_recovered(failing.succeeded_at)
        for health in healths:
            if health.recovered_at > self._recovery_noted:
                self._recovery_noted = health.recovered_at
                self.notify(health.recovery, title="Recovered", timeout=4, markup=False)

    # ---- account --------------------------------------------------------------------------------

    def action_reload_account(self) -> None:
        self._promotions_read.clear()
        self._load_account()

    @work(exclusive=True, group="account")
    async def _load_account(self) -> None:
        """Start the session (once), then read the Ezepo role and the account."""
        session = session_of(self)
        try:
            await session.start()
            self._load_role()
            brands, promotions = await session.load_account(self._cache_upgrading)
        except Exception as error:  # an API error: inline and notified
            self.query_one(AccountPane).show_problem(str(error))
            self.post_message(ApiFailed(error, "Loading the account: "))
            return
        self.promotions_tree.show(brands, promotions)
        self._show_account()
        self.call_after_refresh(freeze_long_lived)  # once the account is painted
        if session.offline:
            self.notify(
                "The API cannot be reached: browsing the cache, read-only. F5 tries again.",
                title="Offline",
                severity="warning",
            )

    def _cache_upgrading(self) -> None:
        """Say why the account takes long: the cache is being upgraded (called on the thread
        that opens it; one line of the narrow pane)."""
        note = "Upgrading the cache (once)…"
        self.app.call_from_thread(self.query_one(AccountPane).show_note, note)

    def _show_account(self) -> None:
        tree = self.promotions_tree
        brands = [n.data.brand for n in tree.root.children if isinstance(n.data, BrandData)]
        self.query_one(AccountPane).show(brands, tree.promotions, tree.locked)

    @work(exclusive=True, group="ezepo-role")
    async def _load_role(self) -> None:
        """The Ezepo key's role, for the status bar. Ezepo unreachable while Easypromos is
        offline too, the network is down and the bar says so already: no error on top of it
        (a refused key, or Ezepo alone unreachable, is still said)."""
        session = session_of(self)
        ezepo = session.ezepo
        if ezepo is None:
            return
        try:
            await ezepo.check_role()
        except NetworkError as error:
            await self._account_settled()  # whether Easypromos answers
            if not session.offline:
                self.post_message(ApiFailed(error, "Ezepo: "))
        except Exception as error:
            self.post_message(ApiFailed(error, "Ezepo: "))

    async def _account_settled(self) -> None:
        """Wait until the account's load (if under way) has its outcome."""
        for worker in [w for w in self.workers if w.node is self and w.group == "account"]:
            with contextlib.suppress(WorkerError):
                await worker.wait()

    @on(PromotionsTree.AccessNeeded)
    def _access_needed(self, event: PromotionsTree.AccessNeeded) -> None:
        self._check_access(event.promotion_id)

    @work(group="promotion-access")
    async def _check_access(self, promotion_id: str) -> None:
        """Read the promotion in full: a 403 marks it locked, else the tree opens it.

        The detail pane gets the full record only if it still shows that promotion.
        """
        tree = self.promotions_tree
        session = session_of(self)
        if session.offline:  # no answer to wait for: open it from the cache
            tree.access_checked(promotion_id, None)
            return
        try:
            promotion = await session.promotion(promotion_id)
        except ScopeError:
            tree.access_checked(promotion_id, False)
            self._show_account()
            self.notify(
                clean(f"Promotion {promotion_id} is outside this token's scope: shown locked"),
                title="Locked",
                timeout=4,
                markup=False,
            )
            return
        except Exception as error:
            tree.access_checked(promotion_id, None)
            self.post_message(ApiFailed(error, f"Promotion {promotion_id}: "))
            return
        self._promotions_read[promotion_id] = promotion
        tree.access_checked(promotion_id, True)
        detail = self.detail
        shown = detail.shown
        if (
            shown is not None
            and shown.collection is Collection.PROMOTIONS
            and str(shown.record.get("id")) == promotion_id
        ):
            detail.show(promotion_id, Collection.PROMOTIONS, promotion)

    # ---- navigation -----------------------------------------------------------------------------

    @on(PromotionsTree.TypeAhead)
    def _type_ahead(self, event: PromotionsTree.TypeAhead) -> None:
        field = self.query_one("#tree-filter", Input)
        if event.character == "\r":
            self.promotions_tree.text_filter = field.value.strip()  # its Changed may be queued
            self._tree_filter_done()
            return
        field.focus()
        field.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#tree-filter")
    def _tree_filter(self, event: Input.Changed) -> None:
        self.promotions_tree.text_filter = event.value.strip()

    @on(Input.Submitted, "#tree-filter")
    def _tree_filter_done(self) -> None:
        self.promotions_tree.focus_first_promotion()

    def action_clear_tree_filter(self) -> None:
        field = self.query_one("#tree-filter", Input)
        if field.has_focus or field.value:
            field.value = ""
            self.promotions_tree.focus()

    def on_promotion_highlighted(self, event: PromotionHighlighted) -> None:
        """The promotion in the detail pane: in full if it was read (its answer may come before
        the tree's cursor reaches it), else as listed."""
        promotion_id = str(event.promotion.get("id"))
        promotion = self._promotions_read.get(promotion_id, event.promotion)
        self.detail.show(promotion_id, Collection.PROMOTIONS, promotion)

    def on_collection_chosen(self, event: CollectionChosen) -> None:
        self.collection.show(event.promotion_id, event.collection, event.title)
        self.table.focus()

    def on_insights_chosen(self, event: InsightsChosen) -> None:
        self.open_insights(event.promotion)

    def open_insights(self, promotion: dict[str, Any]) -> None:
        """The promotion's Insights screen (imported now: its charts cost the start-up nothing)."""
        from tui.screens.insights import InsightsScreen

        self.app.push_screen(InsightsScreen(promotion))

    def on_record_highlighted(self, event: RecordHighlighted) -> None:
        """Show the record once the cursor rests on it for `DETAIL_DELAY`."""
        self._pending_detail = event
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_pending_detail)

    def _show_pending_detail(self) -> None:
        event, self._pending_detail, self._detail_timer = self._pending_detail, None, None
        if event is not None:
            self.detail.show(event.promotion_id, event.collection, event.record)

    def on_open_user(self, event: OpenUser) -> None:
        self.detail.open_user(event.promotion_id, event.user_id)

    def on_collection_view_left(self) -> None:
        self.promotions_tree.focus()

    def on_detail_pane_left(self) -> None:
        """Backspace in the detail pane with nothing before: back to the table, else the tree."""
        collection = self.collection
        (self.table if collection.showing is not None else self.promotions_tree).focus()

    def action_focus_pane(self, pane: str) -> None:
        target = {"tree": self.promotions_tree, "table": self.table}.get(pane)
        (target or self.detail).focus()
