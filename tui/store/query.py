"""Plain SQL for the read API: sort orders, pages, row positions, match sets, materialised orders.

A view is a scope's records `ORDER BY column, rid` in one direction, all of them or the ones
matching a filter. Every sort column has an index on (sid, column), which holds the rid too, so
walking it in either direction reads no record:
- a page of all the records is that index walked with OFFSET from the nearer end (`page`);
- a filter's matches are counted in its FTS index, and listed into a temporary table once
  an order needs them (`MatchSet`); a first page of a filter matching many records is the
  index walked a few hundred entries, each probed in the FTS index (`walk_matches`);
- a filtered view is materialised into `temp.<table>(pos INTEGER PRIMARY KEY, rid)` (`Order`),
  a step at a time: the index walked a stretch further each step, keeping the matches (for a
  filter of few matches, the rest of them sorted in one step after the first). Its first pages
  are there after the first, short step; any page is then one range of `pos`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from tui.store import fts
from tui.store.schema import KEY_COLUMNS
from tui.store.specs import Spec

FIRST_STEP = 20_000  # index entries the first step of an order walks; each next one twice more
SORTED_SHARE = 25  # a filter matching at most 1/25 of its scope is sorted, not walked


def order_column(spec: Spec, sort: str | None, descending: bool | None) -> tuple[str, bool]:
    """The records column and direction for a sort key of `spec.sortable()`."""
    name = sort or spec.default_sort
    names = spec.sortable()
    if name not in names:
        raise ValueError(f"{spec.name} cannot be sorted by {name!r}; use one of {names}")
    if name == "created":
        column = "created"
    elif name == "id":
        column = "id_num"
    else:
        column = KEY_COLUMNS[[key.name for key in spec.keys].index(name)]
    return column, spec.default_descending if descending is None else descending


def _walk(column: str, desc: bool) -> str:
    """The scope's rids in the view's order, from the sort column's index."""
    direction = "DESC" if desc else "ASC"
    return (
        f"SELECT rid FROM records INDEXED BY records_{column} WHERE sid = ?"
        f" ORDER BY {column} {direction}, rid {direction}"
    )


def page(
    conn: sqlite3.Connection, sid: int, column: str, desc: bool, offset: int, limit: int, total: int
) -> list[int]:
    """The rids of rows `offset`.. of all the scope's records, walked from the nearer end."""
    from_end = total - offset - limit
    if offset <= from_end:
        sql = f"{_walk(column, desc)} LIMIT ? OFFSET ?"
        return [rid for (rid,) in conn.execute(sql, (sid, limit, offset))]
    sql = f"{_walk(column, not desc)} LIMIT ? OFFSET ?"
    return [rid for (rid,) in conn.execute(sql, (sid, limit, from_end))][::-1]


def before(
    column: str, value: object, rid: int, desc: bool
) -> list[tuple[str, tuple[object, ...]]]:
    """Conditions (summed, each an index range) for rows ordered before (value, rid).

    The order is `ORDER BY column, rid` in one direction; NULLs are the lowest values. (Not a
    row-value bound, which seeks on the value only and checks every row of its ties.)
    """
    nulls = f"{column} IS NULL"
    if value is None:
        if desc:
            return [(f"{column} IS NOT NULL", ()), (f"{nulls} AND rid > ?", (rid,))]
        return [(f"{nulls} AND rid < ?", (rid,))]
    sign = ">" if desc else "<"
    ranges = [(f"{column} {sign} ?", (value,)), (f"{column} = ? AND rid {sign} ?", (value, rid))]
    return ranges if desc else [*ranges, (nulls, ())]


def count_before(
    conn: sqlite3.Connection,
    sid: int,
    column: str,
    row: tuple[object, int],
    desc: bool,
    matches: str | None = None,
) -> int:
    """Rows of the scope (of the match set in `temp.<matches>`, if given) before (value, rid)."""
    member = "" if matches is None else f" AND rid IN temp.{matches}"
    total = 0
    for where, params in before(column, row[0], row[1], desc):
        sql = f"SELECT count(*) FROM records INDEXED BY records_{column} WHERE sid = ? AND {where}"
        total += int(conn.execute(sql + member, (sid, *params)).fetchone()[0])
    return total


@dataclass
class MatchSet:
    """A filter's matches in a scope: counted, and listed in `temp.<table>` once an order needs
    them (listing costs ~3x counting). Brought up to date when the scope changes: extended
    when records were only added, made anew after an edit."""

    sid: int
    match: str  # the filter's FTS query
    count: int = 0
    version: int = -1
    edits: int = -1
    watermark: int = 0  # highest rid in records when last brought up to date: later rows are new
    table: str | None = None
    seekable: bool = True  # a row is tested by a seek in the FTS index (fts.seekable)

    def update(self, conn: sqlite3.Connection, version: int, top: int) -> None:
        """Count (and list, if listed) the matches above the watermark, up to `top`."""
        index = fts.table(self.sid)
        found = f"FROM {index} WHERE {index} MATCH ? AND rowid > ?"
        if self.table is None:
            sql = f"SELECT count(*) {found}"
            self.count += int(conn.execute(sql, (self.match, self.watermark)).fetchone()[0])
        else:
            sql = f"INSERT OR IGNORE INTO temp.{self.table} (rid) SELECT rowid {found}"
            self.count += int(conn.execute(sql, (self.match, self.watermark)).rowcount)
        self.version, self.watermark = version, top

    def list(self, conn: sqlite3.Connection, table: str) -> None:
        """List the matches into a new `temp.<table>`."""
        conn.execute(f"CREATE TEMP TABLE {table} (rid INTEGER PRIMARY KEY)")
        index = fts.table(self.sid)
        sql = f"INSERT INTO temp.{table} (rid) SELECT rowid FROM {index} WHERE {index} MATCH ?"
        conn.execute(sql, (self.match,))
        self.table = table

    def probe(self, walked: str = "walked") -> tuple[str, tuple[object, ...]]:
        """A condition keeping the rows of `walked` in the set, and its parameters."""
        if self.table is not None:
            return f"{walked}.rid IN temp.{self.table}", ()
        index = fts.table(self.sid)
        sql = f"EXISTS (SELECT 1 FROM {index} WHERE {index} MATCH ? AND rowid = {walked}.rid)"
        return sql, (self.match,)


def walk_matches(
    conn: sqlite3.Connection,
    matches: MatchSet,
    column: str,
    desc: bool,
    skip: int,
    limit: int,
    reach: int,
) -> list[int]:
    """The rids of matches `skip`.. among the first `reach` entries of the index."""
    member, params = matches.probe()
    sql = (
        f"SELECT rid FROM ({_walk(column, desc)} LIMIT ?) AS walked WHERE {member} LIMIT ? OFFSET ?"
    )
    return [rid for (rid,) in conn.execute(sql, (matches.sid, reach, *params, limit, skip))]


@dataclass
class Order:
    """A filtered view materialised in `temp.<table>` (pos 1 is its first row), step by step.

    Valid for one version of the scope; `filled` rows are in it so far, the first rows of the
    view (`walked` of the scope's `entries` were walked to find them)."""

    table: str
    matches: MatchSet
    column: str
    desc: bool
    count: int  # rows of the view (matches)
    entries: int  # rows of the scope
    version: int
    sort: bool  # few matches: sorted after the first step
    walked: int = 0
    filled: int = 0

    @property
    def key(self) -> tuple[object, ...]:
        return (self.matches.sid, self.matches.match, self.column, self.desc)

    @property
    def done(self) -> bool:
        return self.filled >= self.count or self.walked >= self.entries


def create_order(conn: sqlite3.Connection, table: str) -> None:
    conn.execute(f"CREATE TEMP TABLE {table} (pos INTEGER PRIMARY KEY, rid INTEGER NOT NULL)")


def advance(conn: sqlite3.Connection, order: Order) -> None:
    """One step of an order (its match set must be listed): the next stretch of the index
    walked (twice the last), keeping the matches; for few matches, after the first stretch,
    the rest of them sorted (all come after the rows walked)."""
    column, table, matches = order.column, order.table, order.matches.table
    if order.sort and order.walked:
        direction = "DESC" if order.desc else "ASC"
        sql = (
            f"INSERT INTO temp.{table} (rid) SELECT r.rid FROM temp.{matches} AS m"
            f" CROSS JOIN records AS r ON r.rid = m.rid"
            f" WHERE m.rid NOT IN (SELECT rid FROM temp.{table})"
            f" ORDER BY r.{column} {direction}, r.rid {direction}"
        )
        order.filled += int(conn.execute(sql).rowcount)
        order.walked = order.entries
        return
    stretch = max(FIRST_STEP, order.walked)
    sql = (
        f"INSERT INTO temp.{table} (rid) SELECT rid FROM ({_walk(column, order.desc)}"
        f" LIMIT ? OFFSET ?) AS walked WHERE rid IN temp.{matches}"
    )
    added = int(conn.execute(sql, (order.matches.sid, stretch, order.walked)).rowcount)
    order.walked += stretch
    order.filled += added


def ordered(conn: sqlite3.Connection, order: Order, start: int, limit: int) -> list[int]:
    """The rids of rows `start`.. of a materialised order."""
    sql = f"SELECT rid FROM temp.{order.table} WHERE pos > ? ORDER BY pos LIMIT ?"
    return [rid for (rid,) in conn.execute(sql, (start, limit))]


def position(conn: sqlite3.Connection, order: Order, rid: int) -> int | None:
    """The row number of a rid in what is materialised of an order, if there."""
    found = conn.execute(f"SELECT pos FROM temp.{order.table} WHERE rid = ?", (rid,)).fetchone()
    return None if found is None else int(found[0]) - 1
