"""Filtered and sorted views of a scope, in plain SQL: their counts, pages and row numbers.

A view is a scope's records `ORDER BY column, rid` in one direction, all of them or those
matching a filter. Every sort column has an index on (sid, column), which holds the rid, so:
- a page of all the records is that index walked with OFFSET from the nearer end;
- a filter's matches are counted in its FTS index, and listed into a temp table once an order
  needs them; a first page of a filter matching many records is the index walked a few
  hundred entries, each tested in the FTS index;
- otherwise a filtered view is materialised in `temp.order_N(pos INTEGER PRIMARY KEY, rid)`,
  a step at a time: the caller builds as far as its page needs, a background thread the rest
  (so a deep jump reads one range of `pos`). A page nearer the far end is read from the other
  direction's order.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial

from tui.store import fts
from tui.store.database import PROGRESS_STEPS, Database, StoreError, interrupted
from tui.store.schema import KEY_COLUMNS
from tui.store.specs import Spec, collection_name

log = logging.getLogger(__name__)

FIRST_STEP = 20_000  # index entries an order's first step walks; each later one as many as before
SORTED_SHARE = 25  # a filter matching at most 1/25 of its scope is sorted after the first step
PROBES = 400  # index entries a first page may walk testing each in the FTS index
KEEP = 4  # match sets kept per connection, and twice as many orders


def pid_text(promotion_id: object) -> str:
    """The stored promotion id: "" for account-wide collections."""
    return "" if promotion_id is None else str(promotion_id)


@dataclass(frozen=True)
class Scope:
    """A row of `scopes`: one cached collection of one promotion ("" for account-wide ones),
    how many records it holds and how complete and recent it is. The defaults: none cached."""

    sid: int = 0
    collection: str = ""
    promotion_id: str = ""
    count: int = 0
    version: int = -1  # changes whenever the cached collection changes (any process)
    refreshed_at: float | None = None  # end of the last finished refresh (epoch seconds)
    written_at: float | None = None  # last page written
    total_items: int | None = None  # records counted when the last refresh finished
    complete: bool = False  # every record was read and no interrupted read is left to resume
    pending: tuple[str, ...] = ()  # cursors where interrupted reads must resume (sync.py)


def scopes_where(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> list[Scope]:
    columns = ", ".join(f.name for f in fields(Scope))
    sql = f"SELECT {columns} FROM scopes WHERE {where} ORDER BY promotion_id, collection"
    return [
        replace(Scope(*row), complete=bool(row[-2]), pending=tuple(map(str, json.loads(row[-1]))))
        for row in conn.execute(sql, params)
    ]


def scope_of(conn: sqlite3.Connection, collection: object, promotion_id: object) -> Scope | None:
    names = (collection_name(collection), pid_text(promotion_id))
    found = scopes_where(conn, "collection = ? AND promotion_id = ?", names)
    return found[0] if found else None


def order_column(spec: Spec, sort: str | None, descending: bool | None) -> tuple[str, bool]:
    """The records column and direction for a sort key of `spec.sortable()`."""
    name = sort or spec.default_sort
    names = spec.sortable()
    if name not in names:
        raise ValueError(f"{spec.name} cannot be sorted by {name!r}; use one of {names}")
    if name in ("created", "id"):
        column = "created" if name == "created" else "id_num"
    else:
        column = KEY_COLUMNS[[key.name for key in spec.keys].index(name)]
    return column, spec.default_descending if descending is None else descending


def ordered(column: str, desc: bool, what: str = "rid", where: str = "") -> str:
    """A scope's records (`what` of them, `where` added to the scope's condition) in a view's
    order, from the sort column's index."""
    way = "DESC" if desc else "ASC"
    index = f"records INDEXED BY records_{column}"
    return f"SELECT {what} FROM {index} WHERE sid = ?{where} ORDER BY {column} {way}, rid {way}"


def count_before(
    conn: sqlite3.Connection,
    sid: int,
    column: str,
    row: tuple[object, int],
    desc: bool,
    matches: str = "",
) -> int:
    """Rows of the scope (of `temp.<matches>`, if given) ordered before `row` (value, rid).

    Summed over index ranges (NULLs are the lowest values); not a row-value bound, which seeks
    on the value only and tests every row of its ties."""
    value, rid = row
    sign, nulls = (">" if desc else "<"), f"{column} IS NULL"
    ranges: list[tuple[str, tuple[object, ...]]]
    if value is None:
        ranges = [(f"{nulls} AND rid {sign} ?", (rid,))]
        ranges += [(f"{column} IS NOT NULL", ())] if desc else []
    else:
        ranges = [
            (f"{column} {sign} ?", (value,)),
            (f"{column} = ? AND rid {sign} ?", (value, rid)),
        ]
        ranges += [] if desc else [(nulls, ())]
    member = f" AND rid IN temp.{matches}" if matches else ""
    sql = f"SELECT count(*) FROM records INDEXED BY records_{column} WHERE sid = ? AND "
    return sum(
        conn.execute(sql + where + member, (sid, *params)).fetchone()[0] for where, params in ranges
    )


@dataclass
class Matches:
    """A filter's matches at one version of a scope: counted, and listed in `temp.<table>` once
    an order needs them."""

    sid: int
    match: str  # the filter's FTS query
    version: int
    table: str
    seekable: bool  # a row is tested by a seek in the FTS index (fts.seekable)
    count: int = 0
    listed: bool = False

    def list(self, conn: sqlite3.Connection) -> str:
        """The table of the matches, listed now if need be."""
        if not self.listed:
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {self.table} (rid INTEGER PRIMARY KEY)")
            conn.execute(
                f"INSERT OR IGNORE INTO temp.{self.table} {fts.select(self.sid, 'rowid')}",
                (self.match,),
            )
            self.listed = True
        return self.table


@dataclass
class Order:
    """A filtered view materialised in `temp.<table>` (pos 1 is its first row), a step at a
    time: its first `filled` rows are there, found among the first `walked` index entries."""

    table: str
    matches: Matches
    column: str
    desc: bool
    entries: int  # rows of the scope
    walked: int = 0
    filled: int = 0

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.matches.table, self.column, self.desc)

    def holds(self, end: int) -> bool:
        return self.filled >= min(end, self.matches.count) or self.walked >= self.entries

    def step(self, conn: sqlite3.Connection) -> None:
        """List the matches; then walk the index twice as far as before (`FIRST_STEP` at first)
        keeping them, or, for few matches, after the first step sort the rest."""
        if not self.matches.listed:
            self.matches.list(conn)
            return
        matches, column, way = self.matches.table, self.column, "DESC" if self.desc else "ASC"
        if self.walked and self.matches.count * SORTED_SHARE <= self.entries:
            sql = (
                f"INSERT INTO temp.{self.table} (rid) SELECT r.rid FROM temp.{matches} AS m"
                f" CROSS JOIN records AS r ON r.rid = m.rid"
                f" WHERE m.rid NOT IN (SELECT rid FROM temp.{self.table})"
                f" ORDER BY r.{column} {way}, r.rid {way}"
            )
            self.filled += conn.execute(sql).rowcount
            self.walked = self.entries
            return
        stretch = max(FIRST_STEP, self.walked)
        sql = (
            f"INSERT INTO temp.{self.table} (rid) SELECT rid FROM ({ordered(column, self.desc)}"
            f" LIMIT ? OFFSET ?) WHERE rid IN temp.{matches}"
        )
        self.filled += conn.execute(sql, (self.matches.sid, stretch, self.walked)).rowcount
        self.walked += stretch

    def read(self, conn: sqlite3.Connection, start: int, limit: int) -> list[int]:
        sql = f"SELECT rid FROM temp.{self.table} WHERE pos > ? ORDER BY pos LIMIT ?"
        return [rid for (rid,) in conn.execute(sql, (start, limit))]


@dataclass(frozen=True)
class View:
    scope: Scope
    matches: Matches | None

    @property
    def total(self) -> int:
        return self.scope.count if self.matches is None else self.matches.count


class Views:
    """The views of one connection: its match sets and orders, and their background builder."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._matches: OrderedDict[tuple[int, str], Matches] = OrderedDict()
        self._orders: OrderedDict[tuple[str, str, bool], Order] = OrderedDict()
        self._names = itertools.count(1)
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

    def view(
        self, conn: sqlite3.Connection, collection: object, pid: object, filter_text: str | None
    ) -> View | None:
        """The scope and the filter's matches at its version; None if nothing is cached."""
        scope = scope_of(conn, collection, pid)
        match = fts.match_expression(filter_text)
        if scope is None:
            return None
        if match is None:
            return View(scope, None)
        matches = self._matches.pop((scope.sid, match), None)
        if matches is None or matches.version != scope.version:
            if matches is not None:
                self._drop(conn, matches)
            name, seekable = f"match_{next(self._names)}", fts.seekable(filter_text or "")
            matches = Matches(scope.sid, match, scope.version, name, seekable)
            matches.count = conn.execute(fts.select(scope.sid, "count(*)"), (match,)).fetchone()[0]
        self._matches[(scope.sid, match)] = matches
        while len(self._matches) > KEEP:
            self._drop(conn, self._matches.popitem(last=False)[1])
        return View(scope, matches)

    def rids(
        self, conn: sqlite3.Connection, view: View, column: str, desc: bool, offset: int, limit: int
    ) -> list[int]:
        """The rids of rows `offset`.. of a view."""
        offset, sid = max(offset, 0), view.scope.sid
        limit = min(limit, view.total - offset)
        if limit <= 0:
            return []
        order = None if view.matches is None else self._order(conn, view, column, desc)
        if order is not None and order.holds(offset + limit):
            return order.read(conn, offset, limit)
        after = view.total - offset - limit
        if after < offset:  # nearer the far end: read from there
            return self.rids(conn, view, column, not desc, after, limit)[::-1]
        self._builder.want(order)  # the rest of it in the background (None: nothing)
        walk = f"{ordered(column, desc)} LIMIT ?"
        if order is None:
            return [rid for (rid,) in conn.execute(f"{walk} OFFSET ?", (sid, limit, offset))]
        matches = order.matches
        entries = (offset + limit) * view.scope.count / view.total  # to walk, expected
        if matches.seekable and not matches.listed and 2 * entries <= PROBES:
            # (a first page of a filter matching many records): an FTS seek per entry walked
            member = f"EXISTS ({fts.select(sid, '1')} AND rowid = walked.rid)"
            sql = f"SELECT rid FROM ({walk}) AS walked WHERE {member} LIMIT ? OFFSET ?"
            found = [r for (r,) in conn.execute(sql, (sid, PROBES, matches.match, limit, offset))]
            if len(found) == limit:
                return found
        while not order.holds(offset + limit):
            order.step(conn)
        return order.read(conn, offset, limit)

    def index_of(
        self, conn: sqlite3.Connection, view: View, column: str, desc: bool, record_id: object
    ) -> int | None:
        sid, matches = view.scope.sid, view.matches
        sql = f"SELECT {column}, rid FROM records WHERE sid = ? AND id = ?"
        row = conn.execute(sql, (sid, str(record_id))).fetchone()
        if row is None or matches is None:
            return None if row is None else count_before(conn, sid, column, row, desc)
        member = conn.execute(f"{fts.select(sid, '1')} AND rowid = ?", (matches.match, row[1]))
        if member.fetchone() is None:  # (one seek in the FTS index; nothing listed)
            return None
        table = matches.list(conn)
        # Counted from the nearer end (each entry is tested).
        if 2 * count_before(conn, sid, column, row, desc) > view.scope.count:
            return view.total - 1 - count_before(conn, sid, column, row, not desc, table)
        return count_before(conn, sid, column, row, desc, table)

    def _order(self, conn: sqlite3.Connection, view: View, column: str, desc: bool) -> Order:
        """The order of a filtered view (created empty if need be)."""
        assert view.matches is not None
        key = (view.matches.table, column, desc)
        order = self._orders.pop(key, None)
        if order is None:
            table = f"order_{next(self._names)}"
            order = Order(table, view.matches, column, desc, view.scope.count)
            conn.execute(f"CREATE TEMP TABLE {table} (pos INTEGER PRIMARY KEY, rid INTEGER)")
        self._orders[key] = order
        while len(self._orders) > 2 * KEEP:
            conn.execute(f"DROP TABLE temp.{self._orders.popitem(last=False)[1].table}")
        return order

    def _drop(self, conn: sqlite3.Connection, matches: Matches) -> None:
        """Drop a match set's table and its orders."""
        for key in [key for key in self._orders if key[0] == matches.table]:
            conn.execute(f"DROP TABLE temp.{self._orders.pop(key).table}")
        conn.execute(f"DROP TABLE IF EXISTS temp.{matches.table}")

    def build_step(self, order: Order, stale: Callable[[], bool]) -> bool:
        """One step of an order, stopped when `stale()` turns true; False once there is nothing
        left to do (built, or no longer current)."""
        with self._db.read() as conn:
            if self._orders.get(order.key) is not order or order.holds(order.matches.count):
                return False
            version = conn.execute("SELECT version FROM scopes WHERE sid = ?", (order.matches.sid,))
            if version.fetchone() != (order.matches.version,):
                return False
            conn.set_progress_handler(lambda: int(stale()), PROGRESS_STEPS)
            try:
                order.step(conn)
            except sqlite3.OperationalError as exc:
                if not interrupted(exc):
                    raise
            finally:
                conn.set_progress_handler(None, 0)
            return not order.holds(order.matches.count)


class _Builder:
    """A thread building the wanted order a step at a time; any other thread wanting the
    connection goes first (the step it stops is done again)."""

    def __init__(self, views: Views, db: Database) -> None:
        self._views, self._db = views, db
        self._wanted: Order | None = None
        self._change = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.idle = threading.Event()
        self.idle.set()

    def want(self, order: Order | None) -> None:
        """Build this order next (None: nothing), instead of the one under way."""
        with self._change:
            self._wanted = None if self._stopped else order
            if self._wanted is None:
                return
            self.idle.clear()
            self._change.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="store-orders", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._change:
            self._stopped, self._wanted = True, None
            self._change.notify()

    def _stale(self, order: Order) -> bool:
        return order is not self._wanted or self._db.contended

    def _run(self) -> None:
        while True:
            with self._change:
                while self._wanted is None and not self._stopped:
                    self.idle.set()
                    self._change.wait()
                order = self._wanted
                if order is None:  # stopped
                    break
            while self._db.contended:
                time.sleep(0.001)  # the waiting thread goes first
            try:
                more = self._views.build_step(order, partial(self._stale, order))
            except (sqlite3.Error, StoreError) as exc:  # e.g. the store closed meanwhile
                log.debug("background order stopped: %r", exc)
                more = False
            with self._change:
                if not more and self._wanted is order:
                    self._wanted = None
        self.idle.set()
