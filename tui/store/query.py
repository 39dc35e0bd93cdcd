"""SQL for the read API: sort orders, "rows before this one", pages of row ids, match sets.

A filter is evaluated once into a match set (a temporary table of row ids) and reused while
the view scrolls; when the scope only gained rows (refreshes insert, they rarely edit) the set
is extended with the new matches instead of rebuilt.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from math import ceil
from typing import Any

from tui.store import fts
from tui.store.schema import KEY_COLUMNS
from tui.store.specs import Spec

_KEEP = 4  # match sets kept per connection


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


def before(
    column: str, value: object, rid: int, desc: bool
) -> list[tuple[str, tuple[object, ...]]]:
    """Conditions (summed, each an index range) for rows ordered before (value, rid).

    The order is `ORDER BY column, rid` in one direction; NULLs are the lowest values. (Not a
    row-value bound: see page_rows.)
    """
    nulls = f"{column} IS NULL"
    if value is None:
        if desc:
            return [(f"{column} IS NOT NULL", ()), (f"{nulls} AND rid > ?", (rid,))]
        return [(f"{nulls} AND rid < ?", (rid,))]
    sign = ">" if desc else "<"
    ranges = [(f"{column} {sign} ?", (value,)), (f"{column} = ? AND rid {sign} ?", (value, rid))]
    return ranges if desc else [*ranges, (nulls, ())]


@dataclass
class Known:
    """Row positions of one view at one version (rows served, records located)."""

    version: int
    edits: int
    watermark: int  # highest rid in records then: later rows are new
    positions: dict[int, int]  # rid -> row number


@dataclass
class MatchSet:
    """The rows of a scope matching a filter: counted, and on demand listed in `temp.<table>`.

    A big set costs most to list (inserting 250,000 row ids: ~100 ms) and little to count
    (~20 ms), and a first page near either end needs only a few hundred probes of the index:
    so it is listed only when a page is deeper than that, or for `index_of` of a row in it.
    """

    sid: int
    match: str
    count: int
    version: int
    edits: int
    watermark: int  # highest rid in records when the set was last brought up to date
    table: str | None = None  # set once listed


class MatchSets:
    """A few recent match sets of one connection, kept up to date with the scope."""

    def __init__(self) -> None:
        self._sets: OrderedDict[tuple[int, str], MatchSet] = OrderedDict()
        self._serial = 0

    def get(
        self, conn: sqlite3.Connection, sid: int, match: str, version: int, edits: int
    ) -> MatchSet:
        """The set, brought up to date: extended with new rows, redone after edits."""
        key = (sid, match)
        found = self._sets.pop(key, None)
        if found is not None and found.edits != edits:
            _drop(conn, found)
            found = None
        top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
        if found is None:
            found = MatchSet(sid, match, 0, version, edits, 0)
        if found.watermark < top:
            if found.table is None:
                found.count = _count(conn, sid, match)
            else:
                found.count += _list(conn, found, found.watermark)
        found.watermark, found.version = top, version
        self._sets[key] = found
        while len(self._sets) > _KEEP:
            _drop(conn, self._sets.popitem(last=False)[1])
        return found

    def listed(self, conn: sqlite3.Connection, found: MatchSet) -> str:
        """The temp table of the set's row ids, filled on first use."""
        if found.table is None:
            found.table = self.new_table("match")
            conn.execute(f"CREATE TEMP TABLE {found.table} (rid INTEGER PRIMARY KEY)")
            _list(conn, found, 0)
        return found.table

    def new_table(self, prefix: str) -> str:
        """A temp table name not used before on this connection."""
        self._serial += 1
        return f"{prefix}_{self._serial}"

    def forget(self) -> None:
        """Drop the bookkeeping (the connection, and its temp tables, are gone)."""
        self._sets.clear()


def contains(conn: sqlite3.Connection, found: MatchSet, rid: int) -> bool:
    """Whether a row is in the set: one probe of its table, or of the FTS index if not listed."""
    if found.table is not None:
        sql = f"SELECT 1 FROM temp.{found.table} WHERE rid = ?"
        return conn.execute(sql, (rid,)).fetchone() is not None
    table = fts.table(found.sid)
    sql = f"SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid = ?"
    return conn.execute(sql, (found.match, rid)).fetchone() is not None


def _count(conn: sqlite3.Connection, sid: int, match: str) -> int:
    table = fts.table(sid)
    sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
    return int(conn.execute(sql, (match,)).fetchone()[0])


def _list(conn: sqlite3.Connection, found: MatchSet, after: int) -> int:
    """Insert the matching row ids above `after` into the set's table; how many."""
    table = fts.table(found.sid)
    return int(
        conn.execute(
            f"INSERT OR IGNORE INTO temp.{found.table} (rid) SELECT rowid FROM {table}"
            f" WHERE {table} MATCH ? AND rowid > ?",
            (found.match, after),
        ).rowcount
    )


def _drop(conn: sqlite3.Connection, found: MatchSet) -> None:
    if found.table is not None:
        conn.execute(f"DROP TABLE IF EXISTS temp.{found.table}")


@dataclass
class Anchors:
    """Rows of one view at known positions (position -> (value, rid)): keyset walks start there.

    `pages` are the ends of the pages served (a bounded few); `marks` are checkpoints noted every
    `step` rows while a long walk skips rows, so a later jump into that stretch seeks to a mark
    and skips fewer than `step` rows instead of walking from an end again. A filter of few
    matches is sorted once instead (`ordered`, see sort_matches): every page is then a lookup.
    """

    usable: bool  # False when the sort column has NULLs in the scope (rows cannot compare them)
    pages: dict[int, tuple[object, int]] = field(default_factory=dict)
    marks: dict[int, tuple[object, int]] = field(default_factory=dict)
    ordered: str | None = None  # temp table of a few matches in the view's order (sort_matches)

    def known(self) -> Iterator[tuple[int, tuple[object, int]]]:
        """Every (position, (value, rid)) known."""
        yield from self.marks.items()
        yield from self.pages.items()

    def served(self, offset: int, found: list[tuple[int, object]]) -> None:
        """Note the first and last row of a page served at `offset` (in the view's order)."""
        if not self.usable or not found:
            return
        if len(self.pages) > 64:
            self.pages.clear()
        self.pages[offset] = found[0][1], found[0][0]
        self.pages[offset + len(found) - 1] = found[-1][1], found[-1][0]


SORT_COST = 25
"""Sorting a match costs about as much as walking 25 index entries while probing a listed set
(1,000,000 rows: a record read 3.7 us, sorted 7-9 us with its read; an entry 0.3-0.36 us; a
record not in the page cache yet, 37 us)."""


@dataclass
class Plan:
    """How to reach rows `offset`..: the SQL order, rows to skip, and an optional anchor."""

    desc: bool  # direction of the SQL walk
    skip: int
    origin: int  # view position of the walk's first row (before skipping)
    anchor: tuple[object, int] | None = None  # walk from this (value, rid), itself included
    reverse: bool = False  # the walk runs against the view's order: reverse the result
    sort_matches: bool = False  # sort the (few) matches instead of walking (sort_matches)


def plan(
    total: int,
    offset: int,
    limit: int,
    desc: bool,
    anchors: Iterable[tuple[int, tuple[object, int]]],
    scope_count: int,
) -> Plan:
    """The cheapest way: walk from the nearer end or from the nearest row at a known position
    (keyset); with a filter of few matches, sort the matches instead.

    `total` is the number of rows in the view (the matches, with a filter).
    """
    last = offset + limit - 1
    best = Plan(desc, offset, 0)
    if total - 1 - last < offset:
        best = Plan(not desc, total - 1 - last, total - 1, reverse=True)
    for position, anchor in anchors:  # a known row beats an end at the same distance: with a
        # filter, the rows between the end and the first match are not walked again
        if position <= offset and offset - position <= best.skip:
            best = Plan(desc, offset - position, position, anchor)
        elif position >= last and position - last <= best.skip:
            best = Plan(not desc, position - last, position, anchor, reverse=True)
    walk_cost = (best.skip + limit) * scope_count / max(total, 1)  # index entries visited
    if total < scope_count and walk_cost > total * SORT_COST:
        return Plan(desc, offset, 0, sort_matches=True)
    return best


def has_nulls(conn: sqlite3.Connection, sid: int, column: str) -> bool:
    """Whether a sort column has NULLs in the scope (keyset walks then are not used)."""
    sql = f"SELECT 1 FROM records INDEXED BY records_{column} WHERE sid = ? AND {column} IS NULL"
    return conn.execute(sql + " LIMIT 1", (sid,)).fetchone() is not None


PROBES = 400  # index probes a page may spend while the match set is not listed (~0.1 ms each)
LIST_PER_PROBE = 300  # row ids listed in the time of one probe (~0.4 us each)


def should_list(how: Plan, limit: int, scope_count: int, matches: MatchSet) -> bool:
    """Whether to list the match set for this page rather than probe the index row by row."""
    if matches.table is not None or how.sort_matches:
        return matches.table is None
    probes = (how.skip + limit) * scope_count / max(matches.count, 1)
    return probes > PROBES or matches.count < probes * LIST_PER_PROBE


def _member(
    sid: int, matches: MatchSet | None, table: str = "records"
) -> tuple[str, tuple[object, ...]]:
    """The condition keeping walked rows (of `table`) in the match set (probed in the FTS index
    if the set is not listed, see MatchSet), and its parameters."""
    if matches is None:
        return "", ()
    if matches.table is None:
        index = fts.table(sid)
        probe = f"SELECT 1 FROM {index} WHERE {index} MATCH ? AND {index}.rowid = {table}.rid"
        return f" AND EXISTS ({probe})", (matches.match,)
    return f" AND {table}.rid IN (SELECT rid FROM temp.{matches.table})", ()


def walk_budget(how: Plan, limit: int, scope_count: int, matches: MatchSet) -> int:
    """Index entries a filtered page may walk before it gives up (page_rows' `budget`).

    The plan expects matches spread evenly; they rarely are (e.g. names only in older records,
    a filter of the newest first then walks past every newer record). Beyond the budget, listing
    the set (if probed) or sorting the matches (if listed) costs less than walking on.
    """
    expected = (how.skip + limit) * scope_count / max(matches.count, 1)
    if matches.table is None:
        return ceil(expected * 1.5) + 100
    return ceil(max(expected * 2 + 1000, matches.count * SORT_COST))


def page_rows(
    conn: sqlite3.Connection,
    sid: int,
    matches: MatchSet | None,
    column: str,
    how: Plan,
    limit: int,
    budget: int | None = None,
) -> list[tuple[int, object]]:
    """(rid, sort value) of the rows `how` reaches, in the walk's order; fewer than `limit`
    when the walk beyond the anchor's ties visits `budget` index entries first.

    From an anchor the walk is two index ranges: the anchor's ties (same value) from its rid,
    then the values beyond. (A row-value bound `(value, rid) > (?, ?)` only seeks on the value:
    SQLite then checks it on every row walked and walks the anchor's whole tie group.)
    """
    direction = "DESC" if how.desc else "ASC"
    order = f"ORDER BY {column} {direction}, rid {direction}"
    source = f"FROM records INDEXED BY records_{column} WHERE sid = ?"

    def walk(
        bound: str, params: tuple[object, ...], count: int, skip: int, most: int | None
    ) -> list[Any]:
        if most is None:
            member, member_params = _member(sid, matches)
            sql = f"SELECT rid, {column} {source}{bound}{member} {order} LIMIT ? OFFSET ?"
            return conn.execute(sql, (sid, *params, *member_params, count, skip)).fetchall()
        # The walk as a co-routine: its rows come out in its order and the LIMIT stops it. (An
        # outer ORDER BY would sort every row of the walk first.)
        member, member_params = _member(sid, matches, "walked")
        inner = f"SELECT rid, {column} {source}{bound} {order} LIMIT ?"
        sql = f"SELECT * FROM ({inner}) AS walked WHERE 1{member} LIMIT ? OFFSET ?"
        return conn.execute(sql, (sid, *params, most, *member_params, count, skip)).fetchall()

    if how.anchor is None:
        return walk("", (), limit, how.skip, budget)
    value = how.anchor[0]
    ties = f" AND {column} = ? AND rid {'<=' if how.desc else '>='} ?"
    found = walk(ties, how.anchor, limit, how.skip, None)
    skip = 0
    if not found:  # every tie is skipped: count them (fewer than the rows to skip)
        member, member_params = _member(sid, matches)
        sql = f"SELECT count(*) {source}{ties}{member}"
        skip = how.skip - conn.execute(sql, (sid, *how.anchor, *member_params)).fetchone()[0]
    if len(found) < limit:
        beyond = f" AND {column} {'<' if how.desc else '>'} ?"
        found += walk(beyond, (value,), limit - len(found), skip, budget)
    return found


def sort_matches(
    conn: sqlite3.Connection, sid: int, matches: MatchSet, column: str, desc: bool, name: str
) -> None:
    """Sort a listed set into `temp.<name>`: `pos` 1 is the view's first row."""
    direction = "DESC" if desc else "ASC"
    conn.execute(f"CREATE TEMP TABLE {name} (pos INTEGER PRIMARY KEY, rid INTEGER, value)")
    conn.execute(
        f"INSERT INTO temp.{name} SELECT row_number() OVER"
        f" (ORDER BY r.{column} {direction}, r.rid {direction}), r.rid, r.{column}"
        f" FROM temp.{matches.table} AS m CROSS JOIN records AS r ON r.rid = m.rid"
        " WHERE r.sid = ?",
        (sid,),
    )


def ordered_rows(
    conn: sqlite3.Connection, name: str, offset: int, limit: int
) -> list[tuple[int, object]]:
    """(rid, sort value) of view rows `offset`.. from a table made by sort_matches."""
    sql = f"SELECT rid, value FROM temp.{name} WHERE pos > ? ORDER BY pos LIMIT ?"
    return conn.execute(sql, (offset, limit)).fetchall()


def hop(
    conn: sqlite3.Connection,
    sid: int,
    matches: MatchSet | None,
    column: str,
    how: Plan,
    step: int,
    marks: dict[int, tuple[object, int]],
) -> Plan:
    """Skip `how.skip` rows `step` at a time, noting each row reached in `marks`; the plan
    for what is left to skip. (A little more than one OFFSET: a seek a step; see Anchors.)"""
    sign = -1 if how.reverse else 1
    while how.skip > step:
        found = page_rows(conn, sid, matches, column, replace(how, skip=step), 1)
        if not found:
            break
        rid, value = found[0]
        position = how.origin + sign * step
        marks[position] = value, rid
        how = replace(how, skip=how.skip - step, origin=position, anchor=(value, rid))
    return how
