"""Filtered and sorted views of a scope: `count`, `rows(offset, limit)` and `index_of` in SQL.

All the records are paged by walking the sort's index from the nearer end. A filter's matches
are listed once per scope into a match set (extended when a refresh only added records), and
its order is materialised (query.Order) a step at a time: in the caller's thread as far as a
page needs it (a first page: one short step), the rest by a background thread as soon as the
view is read, so that a deep jump reads it. The background work stops whenever the connection
is wanted elsewhere and goes on after. So a million rows scroll and filter without being
loaded. Reads made for a filter still being typed can be abandoned midway
(base.Database.abandoned_when).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tui.store import fts, query
from tui.store.base import PROGRESS_STEPS, Database, StoreError, interrupted
from tui.store.specs import collection_name

log = logging.getLogger(__name__)

KEEP = 4  # match sets kept per connection, and twice as many orders
PROBES = 400
"""Index entries a page near an end may walk testing each in the FTS index, when the filter's
matches are not listed yet and it expects to find its rows in half as many (a test costs about
as much as listing a few hundred matches)."""


def pid_text(promotion_id: object) -> str:
    """The stored promotion id: "" for account-wide collections."""
    return "" if promotion_id is None else str(promotion_id)


@dataclass(frozen=True)
class Scope:
    """A row of `scopes`: one cached collection of one promotion."""

    sid: int
    count: int
    version: int
    edits: int
    refreshed_at: float | None
    written_at: float | None
    complete: bool
    total_items: int | None


def scope_of(conn: sqlite3.Connection, collection: object, promotion_id: object) -> Scope | None:
    row = conn.execute(
        "SELECT sid, count, version, edits, refreshed_at, written_at, complete, total_items"
        " FROM scopes WHERE collection = ? AND promotion_id = ?",
        (collection_name(collection), pid_text(promotion_id)),
    ).fetchone()
    if row is None:
        return None
    sid, count, version, edits, refreshed_at, written_at, complete, total_items = row
    return Scope(sid, count, version, edits, refreshed_at, written_at, bool(complete), total_items)


@dataclass(frozen=True)
class _View:
    scope: Scope
    matches: query.MatchSet | None

    @property
    def total(self) -> int:
        return self.scope.count if self.matches is None else self.matches.count

    def key(self, column: str, desc: bool) -> tuple[object, ...]:
        return (self.scope.sid, self.matches and self.matches.match, column, desc)


class Views:
    """The query side of a store (its match sets, its orders and their builder)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._matches: OrderedDict[tuple[int, str], query.MatchSet] = OrderedDict()
        self._orders: OrderedDict[tuple[object, ...], query.Order] = OrderedDict()
        self._serial = 0
        self._builder = _Builder(self, db)
        db.on_reset = self.forget

    def close(self) -> None:
        self._builder.stop()

    def settle(self, timeout: float) -> bool:
        """Wait until no order is being built in the background; False on timeout."""
        return self._builder.idle.wait(timeout)

    def forget(self) -> None:
        """Drop the bookkeeping (the connection's temp tables are gone)."""
        self._matches.clear()
        self._orders.clear()

    def count(self, collection: object, promotion_id: object, filter_text: str | None) -> int:
        with self._db.read() as conn:
            view = self._view(conn, collection, promotion_id, filter_text)
        return 0 if view is None else view.total

    def rows(
        self,
        collection: object,
        promotion_id: object,
        offset: int,
        limit: int,
        filter_text: str | None,
        column: str,
        desc: bool,
    ) -> list[int]:
        """The rids of rows `offset`.. of a view."""
        with self._db.read() as conn:
            view = self._view(conn, collection, promotion_id, filter_text)
            offset = max(offset, 0)
            limit = 0 if view is None else min(limit, view.total - offset)
            if view is None or limit <= 0:
                return []
            if view.matches is None:
                self._builder.want(None)
                return query.page(conn, view.scope.sid, column, desc, offset, limit, view.total)
            ahead = self._order(conn, view, column, desc)
            if ahead.done or ahead.filled >= offset + limit:
                return query.ordered(conn, ahead, offset, limit)
            self._builder.want(ahead)  # the rest in the background
            back = view.total - offset  # rows from the page's first to the far end
            behind = self._orders.get(view.key(column, not desc))
            if behind is not None and behind.version != view.scope.version:
                behind = None
            if behind is not None and (behind.done or behind.filled >= back):
                return query.ordered(conn, behind, back - limit, limit)[::-1]
            near_end = back - limit < offset
            skip = min(offset, back - limit)
            expected = (skip + limit) * view.scope.count / view.total  # entries to walk
            if view.matches.table is None and view.matches.seekable and expected * 2 <= PROBES:
                found = query.walk_matches(
                    conn, view.matches, column, desc != near_end, skip, limit, PROBES
                )
                if len(found) == limit:  # (a filter matching many records, near an end)
                    return found[::-1] if near_end else found
            if near_end:  # the order from the far end
                behind = behind or self._order(conn, view, column, not desc)
                while not behind.done and behind.filled < back:
                    self._advance(conn, behind)
                return query.ordered(conn, behind, back - limit, limit)[::-1]
            while not ahead.done and ahead.filled < offset + limit:
                self._advance(conn, ahead)
            return query.ordered(conn, ahead, offset, limit)

    def index_of(
        self,
        collection: object,
        promotion_id: object,
        record_id: object,
        filter_text: str | None,
        column: str,
        desc: bool,
    ) -> int | None:
        with self._db.read() as conn:
            view = self._view(conn, collection, promotion_id, filter_text)
            if view is None:
                return None
            sid = view.scope.sid
            row = conn.execute(
                f"SELECT {column}, rid FROM records WHERE sid = ? AND id = ?", (sid, str(record_id))
            ).fetchone()
            if row is None:
                return None
            if view.matches is None:
                return query.count_before(conn, sid, column, row, desc)
            member, params = view.matches.probe("records")
            sql = f"SELECT 1 FROM records WHERE rid = ? AND {member}"
            if conn.execute(sql, (row[1], *params)).fetchone() is None:
                return None
            for direction in (desc, not desc):
                order = self._orders.get(view.key(column, direction))
                if order is None or order.version != view.scope.version:
                    continue
                found = query.position(conn, order, row[1])
                if found is not None:
                    return found if direction == desc else view.total - 1 - found
            # Counting the matches before it probes each entry: from the nearer end.
            listed = self._listed(conn, view.matches)
            if 2 * query.count_before(conn, sid, column, row, desc) > view.scope.count:
                after = query.count_before(conn, sid, column, row, not desc, listed)
                return view.total - 1 - after
            return query.count_before(conn, sid, column, row, desc, listed)

    def _view(
        self, conn: sqlite3.Connection, collection: object, pid: object, filter_text: str | None
    ) -> _View | None:
        """The scope and the filter's match set, up to date; None if nothing is cached."""
        scope = scope_of(conn, collection, pid)
        if scope is None:
            return None
        match = fts.match_expression(filter_text)
        if match is None:
            return _View(scope, None)
        key = (scope.sid, match)
        found = self._matches.pop(key, None)
        if found is not None and found.edits != scope.edits:
            self._drop(conn, found.table)
            found = None
        if found is None:
            seekable = fts.seekable(filter_text or "")
            found = query.MatchSet(scope.sid, match, edits=scope.edits, seekable=seekable)
        if found.version != scope.version:
            top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
            found.update(conn, scope.version, int(top))
        self._matches[key] = found
        while len(self._matches) > KEEP:
            (sid, old), dropped = self._matches.popitem(last=False)
            self._drop(conn, dropped.table)
            for order_key in [k for k in self._orders if k[:2] == (sid, old)]:
                self._drop(conn, self._orders.pop(order_key).table)
        return _View(scope, found)

    def _listed(self, conn: sqlite3.Connection, matches: query.MatchSet) -> str:
        """The table of a match set, listed now if need be."""
        if matches.table is None:
            matches.list(conn, self._new_table("match"))
        assert matches.table is not None
        return matches.table

    def _advance(self, conn: sqlite3.Connection, order: query.Order) -> None:
        """One step of an order: listing its matches first."""
        if order.matches.table is None:
            self._listed(conn, order.matches)
        else:
            query.advance(conn, order)

    def _order(self, conn: sqlite3.Connection, view: _View, column: str, desc: bool) -> query.Order:
        """The view's order for this version of the scope (created empty if need be)."""
        assert view.matches is not None
        key = view.key(column, desc)
        order = self._orders.pop(key, None)
        if order is not None and order.version != view.scope.version:
            self._drop(conn, order.table)
            order = None
        if order is None:
            table, count, entries = self._new_table("order"), view.total, view.scope.count
            query.create_order(conn, table)
            few = count * query.SORTED_SHARE <= entries
            order = query.Order(
                table, view.matches, column, desc, count, entries, view.scope.version, few
            )
        self._orders[key] = order
        while len(self._orders) > 2 * KEEP:
            self._drop(conn, self._orders.popitem(last=False)[1].table)
        return order

    def _new_table(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}_{self._serial}"

    @staticmethod
    def _drop(conn: sqlite3.Connection, table: str | None) -> None:
        if table is not None:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def build_step(self, order: query.Order, stale: Callable[[], bool]) -> bool:
        """One step of an order in the background; False when there is nothing left to do
        (done, or no longer current). A step stopped by `stale()` is undone."""
        with self._db.locked() as conn:
            if self._db.closed or order.done or self._orders.get(order.key) is not order:
                return False
            conn.set_progress_handler(lambda: int(stale()), PROGRESS_STEPS)
            conn.execute("BEGIN")
            try:
                row = conn.execute("SELECT version FROM scopes WHERE sid = ?", (order.matches.sid,))
                if row.fetchone() != (order.version,):
                    return False
                self._advance(conn, order)
            except sqlite3.OperationalError as exc:
                if not interrupted(exc):
                    raise
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
                conn.set_progress_handler(None, 0)
            return not order.done


class _Builder:
    """A thread finishing the wanted order, a step at a time, yielding the connection to any
    other thread that waits for it (the step it stops is done again)."""

    def __init__(self, views: Views, db: Database) -> None:
        self._views, self._db = views, db
        self._wanted: query.Order | None = None
        self._wake = threading.Event()
        self._state = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.idle = threading.Event()
        self.idle.set()

    def want(self, order: query.Order | None) -> None:
        """Build this order next (None: nothing), dropping the one under way."""
        with self._state:
            self._wanted = order
            if order is None or self._stopped:
                return
            self.idle.clear()
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="store-orders", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stopped, self._wanted = True, None
        self._wake.set()

    def _stale(self, order: query.Order) -> bool:
        return order is not self._wanted or self._db.contended

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait()
            self._wake.clear()
            order = self._wanted
            try:
                while order is not None and order is self._wanted:
                    while self._db.contended:
                        time.sleep(0.001)  # the waiting thread goes first
                    if not self._views.build_step(order, partial(self._stale, order)):
                        break
            except (sqlite3.Error, StoreError) as exc:  # e.g. the store closed meanwhile
                log.debug("background order stopped: %r", exc)
            with self._state:
                if not self._wake.is_set():
                    self.idle.set()
        self.idle.set()
