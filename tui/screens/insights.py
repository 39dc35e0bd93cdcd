"""The Insights screen: one promotion at a glance, counted in the cache (tui.store.insights).

Imported when it first opens, with textual-plotext: the app's start-up pays for neither. The
figures are read on a thread, from the summaries the store keeps. A collection the cache holds
only in part is said so, and `l` loads it: the figures are read again as its pages arrive (at
most every `RELOAD_INTERVAL`), as they are when another view or process writes the cache.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.api.endpoints import Collection
from tui.messages import ApiFailed
from tui.session import Progress, session_of
from tui.store import insights as figures
from tui.widgets import tcss_beside
from tui.widgets.fitted_line import FittedLine
from tui.widgets.footer import KeysFooter
from tui.widgets.insights_view import InsightsView
from tui.widgets.safe_text import clean
from tui.widgets.words import shortened

Record = dict[str, Any]
NARROW = 120
"""Below this width the tables go under the charts."""
RELOAD_INTERVAL = 1.0
"""Seconds between two reads of the figures while the cache changes."""
COLLECTIONS = {
    "participations": Collection.PARTICIPATIONS,
    "users": Collection.USERS,
    "coin_transactions": Collection.COIN_TRANSACTIONS,
}


class InsightsScreen(Screen[None]):
    """Charts and tables of one promotion; Esc goes back to the browser."""

    DEFAULT_CSS = tcss_beside(__file__)
    TITLE = "Insights"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("l", "load", "Load all"),
        Binding("t", "toggle_utc", "UTC/local"),
        Binding("b", "toggle_by", "Day/hour"),
    ]

    def __init__(self, promotion: Record) -> None:
        super().__init__()
        self.promotion = promotion
        self.promotion_id = str(promotion.get("id", ""))
        self.utc = False
        self.by: figures.By | None = None  # None: the promotion's default
        self.found: figures.Insights | None = None
        self.reading: str | None = None  # the collection being loaded
        self._progress: Progress | None = None
        self._versions: tuple[int, ...] | None = None
        self._problem = ""

    def compose(self) -> ComposeResult:
        title = clean(self.promotion.get("title")) or "(untitled)"
        heading = f"Insights · {shortened(title, 60)} #{clean(self.promotion_id)}"
        yield Static(Content.styled(heading, "bold"), id="insights-title")
        yield FittedLine(Content("Counting…"), id="insights-status")
        yield InsightsView(id="insights")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)  # before the first layout: the charts are drawn once
        self.set_interval(RELOAD_INTERVAL, self._tick)
        self._start()

    def on_resize(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        self.query_one(InsightsView).set_class(width < NARROW, "-narrow")

    @work(exclusive=True, group="insights-start")
    async def _start(self) -> None:
        """The promotion in full (its timezone: the list gives a summary), then the figures."""
        session = session_of(self)
        if "timezone" not in self.promotion:
            store = session.store
            kept = await asyncio.to_thread(figures.cached_promotion, store, self.promotion_id)
            if kept is not None and "timezone" in kept:
                self.promotion = kept
            elif not session.offline:
                try:
                    self.promotion = await session.promotion(self.promotion_id)
                    await asyncio.to_thread(figures.remember_promotion, store, self.promotion)
                except Exception as error:  # counted in UTC, and said so
                    self.post_message(ApiFailed(error, "Insights: "))
        self.recount()

    def recount(self) -> None:
        """Read the figures again (the latest request wins)."""
        if self.is_attached:  # (not once the screen was left)
            self._count()

    @work(exclusive=True, group="insights-count")
    async def _count(self) -> None:
        """Read the figures (a few small tables: the store keeps them summed) and show them."""
        store = session_of(self).store
        self._versions = await asyncio.to_thread(self._read_versions)
        try:
            found = await asyncio.to_thread(
                figures.read, store, self.promotion, by=self.by, utc=self.utc
            )
        except Exception as error:  # a damaged cache, dates out of range: said on screen
            self._problem = str(error)
            self._render_status()
            return
        self._problem = ""
        if self.is_attached:  # (not once the screen was left)
            self.found = found
            self.query_one(InsightsView).show(found)
            self._render_status()

    def _read_versions(self) -> tuple[int, ...]:
        store = session_of(self).store
        return tuple(store.version(name, self.promotion_id) for name in COLLECTIONS)

    async def _tick(self) -> None:
        """Count again when the cache changed (pages arriving, another process)."""
        if self._versions is None:
            return
        versions = await asyncio.to_thread(self._read_versions)
        if versions != self._versions:
            self.recount()
        elif self.reading:
            self._render_status()

    # ---- the status line -----------------------------------------------------------------

    def _render_status(self) -> None:
        if not self.is_attached:
            return
        found, line = self.found, self.query_one("#insights-status", FittedLine)
        problem = f"⚠ {clean(self._problem)}" if self._problem else ""
        if found is None:  # the first count failed: the problem alone
            if problem:
                line.show([Content.styled(problem, "$error")])
            return
        style = "$text-muted"
        doing = ("", "")
        if self.reading:
            progress = self._progress
            pages = f", {progress.pages:,} pages" if progress else ""
            loading = f"loading {self.reading.replace('_', ' ')}{pages}"
            doing, style = (f"{loading} · Esc stops it and goes back", loading), "$accent"
        elif found.partial:
            doing, style = ("l loads the rest", "l loads the rest"), "$warning"
        if problem:
            style = "$error"
        line.show([Content.styled(form, style) for form in status_forms(found, doing, problem)])

    # ---- actions --------------------------------------------------------------------------

    def action_toggle_utc(self) -> None:
        self.utc = not self.utc
        self.recount()

    def action_toggle_by(self) -> None:
        current = self.found.by if self.found else "day"
        self.by = "hour" if current == "day" else "day"
        self.recount()

    def action_load(self) -> None:
        if self.reading is None:
            self._load()

    @work(exclusive=True, group="insights-load")
    async def _load(self) -> None:
        """Refresh the collections the cache does not hold whole, one after the other."""
        session = session_of(self)
        found = self.found
        wanted = [c.collection for c in found.partial] if found else list(COLLECTIONS)

        def on_progress(progress: Progress) -> None:  # called on the reading thread
            self._progress = progress

        try:
            for name in wanted:
                self.reading, self._progress = name, None
                self._render_status()
                await session.refresh(COLLECTIONS[name], self.promotion_id, False, on_progress)
        except Exception as error:
            self.post_message(ApiFailed(error, "Insights: "))
        finally:
            self.reading = None
            self.recount()


def status_forms(found: figures.Insights, doing: tuple[str, str], problem: str) -> list[str]:
    """The status line's forms, fullest first. `doing` is what is being done (its full and
    short form) and `problem` what went wrong: both are kept to the last. As the width shrinks,
    the counts of the collections cached whole go first, then the long form of `doing`, the
    partial collections' counts (for a word: all, partly, nothing cached), that word, and the
    zone; the zone's reason is dropped at each step before what comes next."""
    zone = found.zone
    unit = "Days" if found.by == "day" else "Hours"
    zone_short = f"{unit} in {clean(zone.name)}"
    zone_long = f"{zone_short} ({zone.why})"
    coverages = list(found.coverage.values())
    every = [c.label() for c in coverages]
    partial = [c.label() for c in coverages if c.partial] or ["all cached"]
    word = (
        "all cached"
        if not found.partial
        else "partly cached"
        if any(c.cached for c in coverages)
        else "nothing cached"
    )
    full, short = doing
    middles = [[*every, full], [*partial, full], [*partial, short], [word, short]]
    layouts = [[zone, *middle] for middle in middles for zone in (zone_long, zone_short)]
    layouts += [[zone_short, short], [short]]
    forms = [" · ".join(part for part in [*parts, problem] if part) for parts in layouts]
    return [*forms, problem] if problem else forms
