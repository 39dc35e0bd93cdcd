"""One collection of a promotion: progress line, filter box and the virtual table.

The collection streams into the store page by page in an exclusive worker (its own thread) while
the table shows what is cached: a tick every `RELOAD_INTERVAL` re-queries the table if pages
arrived since (keeping the selection) and repaints the status line, which never needs a layout
pass. Esc stops the load, `r` resumes it (an incremental refresh), `R` re-syncs everything.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from tui.api.endpoints import Collection
from tui.api.errors import NetworkError
from tui.declarations import DECLARATIONS
from tui.messages import AddCoins, ApiFailed, OpenUser, RecordHighlighted
from tui.session import Progress, Session, session_of
from tui.store import Scope
from tui.widgets import tcss_beside
from tui.widgets.safe_text import clean
from tui.widgets.store_source import StoreRowSource
from tui.widgets.virtual_table import VirtualTable
from tui.widgets.words import ago, counted

RELOAD_INTERVAL = 0.25
"""Seconds between two table re-queries (and status repaints) while pages arrive."""
FILTER_DELAY = 0.2
"""Seconds of typing pause before the filter runs."""


@dataclass(frozen=True)
class Showing:
    """The collection on screen."""

    promotion_id: str
    collection: Collection
    title: str


class CollectionView(Vertical):
    """Title, load status, filter and table of the chosen collection."""

    DEFAULT_CSS = tcss_beside(__file__)

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "stop", "Stop load", show=False),
        Binding("r", "refresh", "Refresh"),
        Binding("R", "resync", "Full re-sync"),
        Binding("c", "add_coins", "Add coins"),
        Binding("u", "open_user", "User"),
        Binding("backspace", "leave", "Back to the tree", show=False),
    ]

    class Left(Message):
        """Backspace on the table: the focus goes back to the tree."""

    showing: reactive[Showing | None] = reactive(None, init=False)
    state: reactive[str] = reactive("idle")
    """idle | loading | stopped | offline | failed"""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._progress: Progress | None = None
        self._shown_progress: Progress | None = None
        self._filter_timer: Timer | None = None
        self._problem = ""
        self._query_problem = ""  # the table's last read failed
        self._freshness: Scope | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Choose a collection in the tree", "bold"), id="view-title")
        yield Static(id="view-status")
        yield Input(placeholder="Filter: words match as prefixes  (/)", id="view-filter")
        yield VirtualTable(id="view-table", empty_text="")  # the title says what to do

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    # ---- showing a collection -------------------------------------------------------------------

    def show(self, promotion_id: str, collection: Collection, title: str) -> None:
        """Show a collection from the cache and start streaming it in."""
        self.showing = Showing(promotion_id, collection, title)

    def watch_showing(self, showing: Showing | None) -> None:
        if showing is None:
            return
        self.query_one("#view-title", Static).update(Content.styled(clean(showing.title), "bold"))
        self.query_one("#view-filter", Input).value = ""
        store = session_of(self).store
        source = StoreRowSource(store, showing.collection, showing.promotion_id)
        self.table.set_source(source, DECLARATIONS[showing.collection].columns)
        self.load(full=False)

    def load(self, *, full: bool) -> None:
        """(Re)start streaming the shown collection into the store."""
        if self.showing is not None:
            self._progress, self._problem = None, ""
            self.state = "loading"
            self._stream(self.showing, full)

    @work(exclusive=True, group="collection")
    async def _stream(self, showing: Showing, full: bool) -> None:
        def on_progress(progress: Progress) -> None:  # called on the reading thread
            self._progress = progress  # the next tick shows it

        session = session_of(self)  # its own to the end, even if the app's changes meanwhile
        self._freshness = None
        await self._read_freshness(session, showing)
        known_offline = session.offline
        try:
            report = await session.refresh(
                showing.collection, showing.promotion_id, full, on_progress
            )
        except NetworkError as error:
            problem, state = str(error), "offline"
            if known_offline:  # said already: the status bar's "offline", this line's "the cache"
                problem = ""
            else:  # news: the network went, or the server stopped answering
                self.post_message(ApiFailed(error, "Offline: "))
        except Exception as error:  # an API error: said inline and notified
            problem, state = str(error), "failed"
            self.post_message(ApiFailed(error, f"{showing.title}: "))
        else:
            problem, state = "", "idle"
            if full:
                self.notify(report.summary(), title="Re-sync done", markup=False)
        # Counted before the state changes: the load's end is said with the counts it left
        # (said with the counts from its start, an empty collection showed '0 of ~? loaded').
        await self._read_freshness(session, showing)
        self._problem, self.state = problem, state
        self.table.reload()

    async def _read_freshness(self, session: Session, showing: Showing) -> None:
        """How fresh the cache is (read on a thread: the store may be busy writing)."""
        store = session.store
        freshness = await asyncio.to_thread(
            store.freshness, showing.collection, showing.promotion_id
        )
        if showing == self.showing:
            self._freshness = freshness
            self._render_status()

    def on_mount(self) -> None:
        self.set_interval(RELOAD_INTERVAL, self._tick)

    def _tick(self) -> None:
        """Show the pages that arrived since the last tick: one re-query, one status repaint."""
        progress = self._progress
        if progress is not self._shown_progress:
            self._shown_progress = progress
            if progress is not None and progress.items:
                self.table.reload()
            self._render_status()

    def watch_state(self) -> None:
        self._render_status()

    # ---- status line ----------------------------------------------------------------------------

    def on_virtual_table_reloaded(self, event: VirtualTable.Reloaded) -> None:
        self._query_problem = ""
        self._render_status()

    def on_virtual_table_query_failed(self, event: VirtualTable.QueryFailed) -> None:
        self._query_problem = f"the cache could not be read: {event.error}"
        self._render_status()

    def _render_status(self) -> None:
        if self.showing is None or not self.is_mounted:
            return
        freshness = self._freshness or Scope()
        now = time.time()
        filtered = bool(self.query_one("#view-filter", Input).value.strip())
        total = freshness.total_items
        count = max(self.table.total_count, freshness.count)
        if not count and self.state in ("failed", "offline"):
            parts = []  # nothing read: the table says so, the problem follows
        elif freshness.complete and self.state != "loading":
            parts = [counted(count, "row")]
        elif total and total > count:
            parts = [f"{count:,} of ~{total:,} loaded"]
        else:
            parts = [f"{count:,} of ~? loaded"]
        if filtered:
            parts.append(f"{self.table.row_count:,} match")
        if freshness.refreshed_at is not None:
            parts.append(f"cached {ago(freshness.refreshed_at, now)}")
        style = "$text-muted"
        progress = self._progress
        if self.state == "loading":
            pages = progress.pages if progress else 0
            known = progress.total_pages if progress and progress.total_pages else None
            if known:
                parts.append(f"refreshing {pages:,}/{counted(known, 'page')}")
            elif pages:
                parts.append(f"refreshing · {counted(pages, 'page')} read")
            else:
                parts.append("reading the first page")
            parts.append("Esc stops")
            style = "$accent"
        elif self.state == "stopped":
            parts.append("stopped · r resumes")
            style = "$warning"
        elif self.state == "offline":
            parts.append("offline: showing the cache · r retries")
            style = "$warning"
        elif self.state == "failed":
            parts.append(f"⚠ {clean(self._problem)}")
            style = "$error"
        if self._query_problem:
            parts.append(f"⚠ {clean(self._query_problem)}")
            style = "$error"
        line = Content.styled(" · ".join(parts), style)
        self.query_one("#view-status", Static).update(line, layout=False)  # always one line
        self.table.empty_text = self._empty_text(filtered)

    def _empty_text(self, filtered: bool) -> str:
        """What the table says with no row to show: why there is none."""
        showing = self.showing
        assert showing is not None
        what = DECLARATIONS[showing.collection].title.lower()
        if filtered:
            return f"No {what} match the filter"
        if self.state == "loading":
            return f"Loading {what}…"
        if self.state in ("offline", "failed"):
            return f"No {what} cached for this promotion"
        if self.state == "stopped":
            return "Stopped before the first page · r resumes"
        return f"No {what} in this promotion"

    # ---- selection, filter ----------------------------------------------------------------------

    @on(VirtualTable.RowHighlighted)
    def _highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        event.stop()
        if self.showing is not None and event.record is not None:
            self.post_message(
                RecordHighlighted(
                    self.showing.promotion_id, self.showing.collection, dict(event.record)
                )
            )

    @on(Input.Changed, "#view-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        text = event.value
        self.table.warm_filter(text)  # evaluated while the typing pause is awaited
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.table.set_filter(text))

    @on(Input.Submitted, "#view-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    # ---- actions --------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#view-filter", Input).focus()

    def action_stop(self) -> None:
        if self.query_one("#view-filter", Input).has_focus:
            self.query_one("#view-filter", Input).value = ""
            self.table.focus()
        elif self.state == "loading":
            self.workers.cancel_group(self, "collection")
            self.state = "stopped"
            self.table.reload()

    def action_refresh(self) -> None:
        self.load(full=False)

    def action_resync(self) -> None:
        self.load(full=True)

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def action_open_user(self) -> None:
        """Open the highlighted record's user in the detail pane."""
        record = self.table.highlighted
        if self.showing is None or record is None:
            return
        user_id = DECLARATIONS[self.showing.collection].user_of(dict(record))
        if user_id is None:
            self.notify("This record has no user", severity="warning")
        else:
            self.post_message(OpenUser(self.showing.promotion_id, user_id))

    def action_add_coins(self) -> None:
        if self.showing is None:
            return
        record = self.table.highlighted
        user_id = DECLARATIONS[self.showing.collection].user_of(dict(record)) if record else None
        self.post_message(AddCoins(self.showing.promotion_id, user_id))
