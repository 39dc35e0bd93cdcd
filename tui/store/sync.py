"""Refresh a cached collection from the API, reading as few pages as possible.

Collections that list newest first (`order=created_desc`: users, participations, coin
transactions, promotions) are refreshed incrementally: read from the newest page down and stop
at the page where the cached records begin, once it reaches past the newest cached record on it
(records created in the same second as that one, in whatever order, are then all read): N new
records cost N // 100 + 1 pages. That is only safe if the cached records below it have no
holes, so every read saves its next cursor as it goes (`Scope.pending`): an interrupted read
leaves that cursor behind and the next refresh resumes there, again until it meets cached
records. Other collections, and a full re-sync, read everything, then delete what the read
did not see (records deleted upstream) and report it.

Cancel by cancelling the task: each page is stored in its own transaction, so nothing is lost.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.store.specs import collection_name, spec_for
from tui.store.store import PAGE_SIZE, Store
from tui.store.views import pid_text

_EXTRA_PARAMS: dict[str, dict[str, str]] = {"promotions": {"status": "all"}}


class PageSource(Protocol):
    """What refresh needs of `EasypromosClient`."""

    def pages(
        self,
        collection: Any,
        promotion_id: str | int | None = None,
        *,
        order: str = ...,
        cursor: str | None = None,
        **params: Any,
    ) -> AsyncIterator[Any]: ...


@dataclass(frozen=True)
class SyncProgress:
    """Where a refresh is: pages read, pages expected (None when unknown), records added."""

    pages_done: int
    pages_estimate: int | None
    added: int

    def text(self) -> str:
        if self.pages_estimate:
            return f"refreshing {self.pages_done:,}/{self.pages_estimate:,} pages"
        return f"refreshing page {self.pages_done:,}"


@dataclass
class SyncReport:
    """What a refresh did."""

    collection: str
    promotion_id: str
    full: bool
    calls: int = 0
    added: int = 0
    changed: int = 0
    deleted_ids: list[str] = field(default_factory=list)
    complete: bool = False
    seconds: float = 0.0

    @property
    def deleted(self) -> int:
        return len(self.deleted_ids)

    def summary(self) -> str:
        parts = [f"{self.added:,} new", f"{self.changed:,} changed"]
        if self.full:
            parts.append(f"{self.deleted:,} deleted upstream")
        calls = f"{self.calls:,} call{'s' if self.calls != 1 else ''}"
        return f"{self.collection}: {', '.join(parts)} ({calls}, {self.seconds:.1f} s)"


@dataclass
class _Run:
    """One refresh in progress: the page reads, their bookkeeping and progress reports."""

    client: PageSource
    store: Store
    collection: Any  # the client's Collection member
    promotion_id: str | int | None
    report: SyncReport
    on_progress: Callable[[SyncProgress], None] | None
    estimate: int | None

    async def read(self, start: str | None, *, stop_on_overlap: bool, sweep: int | None) -> bool:
        """Read pages from `start` down; True when the end of the collection was reached.

        The cursor of the next page to read replaces `start` in the pending cursors after every
        page, and leaves them when this read is done.
        """
        name, pid = self.report.collection, self.report.promotion_id
        params = dict(_EXTRA_PARAMS.get(name, {}))
        if spec_for(name).incremental:
            params["order"] = "created_desc"
        resume = start
        pages = self.client.pages(self.collection, self.promotion_id, cursor=start, **params)
        try:
            async for page in pages:
                self.report.calls += 1
                result = self.store.write_page(name, pid, page.items, sweep=sweep)
                self.report.added += result.added
                self.report.changed += result.changed
                self._progress()
                overlap = bool(
                    stop_on_overlap and page.items and (result.added == 0 or result.reaches_known)
                )
                if overlap or page.next_cursor is None:
                    self.store.replace_pending(name, pid, resume, None)
                    return not overlap
                self.store.replace_pending(name, pid, resume, str(page.next_cursor))
                resume = str(page.next_cursor)
        finally:
            close = getattr(pages, "aclose", None)  # stop the client's generator now
            if close is not None:
                await close()
        self.store.replace_pending(name, pid, resume, None)
        return True

    def _progress(self) -> None:
        if self.on_progress is not None:
            done = self.report.calls
            estimate = None if self.estimate is None else max(self.estimate, done)
            self.on_progress(SyncProgress(done, estimate, self.report.added))


def _api_collection(collection: Any) -> Any:
    """The client's Collection member for a name ("participations") or the member itself."""
    if isinstance(collection, enum.Enum):
        return collection
    from tui.api.easypromos import Collection

    return Collection[collection_name(collection).upper()]


async def refresh(
    client: PageSource,
    store: Store,
    collection: Any,
    promotion_id: str | int | None,
    full: bool = False,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> SyncReport:
    """Bring the cached collection up to date; `full` re-reads everything (see module doc)."""
    started = time.monotonic()
    spec = spec_for(collection)
    pid = pid_text(promotion_id)
    report = SyncReport(spec.name, pid, full=full or not spec.incremental)
    before = store.freshness(spec.name, pid)
    estimate = math.ceil(before.count / PAGE_SIZE) + 1 if report.full and before.count else None
    api_collection = _api_collection(collection)
    run = _Run(client, store, api_collection, promotion_id, report, on_progress, estimate)
    if report.full:
        sweep = store.begin_sweep(spec.name, pid)
        ended = await run.read(None, stop_on_overlap=False, sweep=sweep)
        if ended:  # everything is cached now: no hole is left to resume
            report.deleted_ids = store.end_sweep(spec.name, pid, sweep)
    else:
        # Overlap proves "nothing older is missing" only if the cache came from refreshes.
        trusted = before.complete or bool(before.pending)
        ended = await run.read(None, stop_on_overlap=trusted, sweep=None)
        while pending := store.freshness(spec.name, pid).pending:
            ended = await run.read(pending[0], stop_on_overlap=True, sweep=None) or ended
    report.complete = not store.freshness(spec.name, pid).pending and (ended or before.complete)
    total = store.count(spec.name, pid) if report.complete else None
    store.mark_refreshed(spec.name, pid, complete=report.complete, total_items=total)
    report.seconds = time.monotonic() - started
    return report
