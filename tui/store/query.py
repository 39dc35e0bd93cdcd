"""SQL for the read API: sort orders, "rows before this one", pages of row ids, match sets.

A filter is evaluated once into a match set (a temporary table of row ids) and reused while
the view scrolls; when the scope only gained rows (refreshes insert, they rarely edit) the set
is extended with the new matches instead of rebuilt.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from dataclasses import dataclass

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

    The order is `ORDER BY column, rid` in one direction; NULLs are the lowest values.
    """
    nulls = f"{column} IS NULL"
    if value is None:
        if desc:
            return [(f"{column} IS NOT NULL", ()), (f"{nulls} AND rid > ?", (rid,))]
        return [(f"{nulls} AND rid < ?", (rid,))]
    if desc:
        return [(f"({column}, rid) > (?, ?)", (value, rid))]
    return [(f"({column}, rid) < (?, ?)", (value, rid)), (nulls, ())]


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
    so it is listed only when a page is deeper than that, or for `index_of`.
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
            self._serial += 1
            found.table = f"match_{self._serial}"
            conn.execute(f"CREATE TEMP TABLE {found.table} (rid INTEGER PRIMARY KEY)")
            _list(conn, found, 0)
        return found.table

    def forget(self) -> None:
        """Drop the bookkeeping (the connection, and its temp tables, are gone)."""
        self._sets.clear()


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
class Plan:
    """How to reach rows `offset`..: the SQL order, rows to skip, and an optional anchor."""

    desc: bool  # direction of the SQL walk
    skip: int
    anchor: tuple[object, int] | None = None  # walk strictly past this (value, rid)
    reverse: bool = False  # the walk runs against the view's order: reverse the result
    sort_matches: bool = False  # sort the (few) matches instead of walking the sort index


def plan(
    total: int,
    offset: int,
    limit: int,
    desc: bool,
    anchors: dict[int, tuple[object, int]],
    scope_count: int,
) -> Plan:
    """The cheapest way: walk from the nearer end or past the nearest row already served
    (keyset); with a filter of few matches, sort the matches instead.

    `total` is the number of rows in the view (the matches, with a filter).
    """
    best = Plan(desc, offset)
    if total - offset - limit < offset:
        best = Plan(not desc, total - offset - limit, reverse=True)
    for position, anchor in anchors.items():
        if position < offset and offset - position - 1 < best.skip:
            best = Plan(desc, offset - position - 1, anchor)
        elif position >= offset + limit and position - offset - limit < best.skip:
            best = Plan(not desc, position - offset - limit, anchor, reverse=True)
    walk_cost = (best.skip + limit) * scope_count / max(total, 1)  # index entries visited
    if total < scope_count and walk_cost > total * 4:
        return Plan(desc, offset, sort_matches=True)
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


def page_rows(
    conn: sqlite3.Connection,
    sid: int,
    matches: MatchSet | None,
    column: str,
    how: Plan,
    limit: int,
) -> list[tuple[int, object]]:
    """(rid, sort value) of the rows `how` reaches, in the walk's order.

    With a filter whose set is not listed (see MatchSet), each row walked is probed in the
    scope's FTS index instead.
    """
    direction = "DESC" if how.desc else "ASC"
    where = "sid = ?"
    params: list[object] = [sid]
    if how.anchor is not None:
        where += f" AND ({column}, rid) {'<' if how.desc else '>'} (?, ?)"
        params += how.anchor
    order = f"ORDER BY {column} {direction}, rid {direction} LIMIT ? OFFSET ?"
    tail = (limit, how.skip)
    walk = f"SELECT rid, {column} FROM records INDEXED BY records_{column} WHERE {where}"
    if matches is None:
        sql = f"{walk} {order}"
    elif matches.table is None:
        index = fts.table(sid)
        sql = (
            f"{walk} AND EXISTS (SELECT 1 FROM {index} WHERE {index} MATCH ?"
            f" AND {index}.rowid = records.rid) {order}"
        )
        params.append(matches.match)
    elif not how.sort_matches:  # walk the sort index, keep the rows in the set
        sql = f"{walk} AND rid IN (SELECT rid FROM temp.{matches.table}) {order}"
    else:  # few matches: sort them (a plan with sort_matches has no anchor)
        sql = (
            f"SELECT r.rid, r.{column} FROM temp.{matches.table} AS m CROSS JOIN records AS r"
            f" ON r.rid = m.rid WHERE r.sid = ? ORDER BY r.{column} {direction},"
            f" r.rid {direction} LIMIT ? OFFSET ?"
        )
    return [(rid, value) for rid, value in conn.execute(sql, (*params, *tail))]
