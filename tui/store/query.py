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


def before(column: str, value: object, desc: bool) -> tuple[str, tuple[object, ...]]:
    """SQL (and parameters but the rid) for rows ordered before (value, rid).

    The order is `ORDER BY column, rid` in one direction; NULLs are the lowest values.
    """
    if value is None:
        if desc:
            return f"{column} IS NOT NULL OR ({column} IS NULL AND rid > ?)", ()
        return f"{column} IS NULL AND rid < ?", ()
    if desc:
        return f"{column} > ? OR ({column} = ? AND rid > ?)", (value, value)
    return f"{column} IS NULL OR {column} < ? OR ({column} = ? AND rid < ?)", (value, value)


@dataclass
class MatchSet:
    """The row ids of a scope matching a filter, in `temp.<table>`."""

    table: str
    count: int
    version: int
    edits: int
    watermark: int  # highest rid in records when the set was last brought up to date


class MatchSets:
    """A few recent match sets of one connection, kept up to date with the scope."""

    def __init__(self) -> None:
        self._sets: OrderedDict[tuple[int, str], MatchSet] = OrderedDict()
        self._serial = 0

    def get(
        self, conn: sqlite3.Connection, sid: int, match: str, version: int, edits: int
    ) -> MatchSet:
        key = (sid, match)
        found = self._sets.pop(key, None)
        if found is not None and found.edits != edits:
            conn.execute(f"DROP TABLE IF EXISTS temp.{found.table}")
            found = None
        conn.execute("BEGIN")  # one snapshot for the watermark and the matches
        try:
            top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
            if found is None:
                self._serial += 1
                found = MatchSet(f"match_{self._serial}", 0, version, edits, 0)
                conn.execute(f"CREATE TEMP TABLE {found.table} (rid INTEGER PRIMARY KEY)")
            if found.watermark < top:
                table = fts.table(sid)
                found.count += conn.execute(
                    f"INSERT OR IGNORE INTO temp.{found.table} (rid) SELECT rowid FROM {table}"
                    f" WHERE {table} MATCH ? AND rowid > ?",
                    (match, found.watermark),
                ).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        found.watermark, found.version = top, version
        self._sets[key] = found
        while len(self._sets) > _KEEP:
            _, old = self._sets.popitem(last=False)
            conn.execute(f"DROP TABLE IF EXISTS temp.{old.table}")
        return found

    def forget(self) -> None:
        """Drop the bookkeeping (the connection, and its temp tables, are gone)."""
        self._sets.clear()


def page_rids(
    conn: sqlite3.Connection,
    sid: int,
    scope_count: int,
    matches: MatchSet | None,
    column: str,
    desc: bool,
    offset: int,
    limit: int,
) -> list[int]:
    """Row ids `offset` to `offset + limit` of a scope (or of its match set) in order."""
    direction = "DESC" if desc else "ASC"
    order = f"ORDER BY {column} {direction}, rid {direction} LIMIT ? OFFSET ?"
    index = f"records_{column}"
    if matches is None:
        sql = f"SELECT rid FROM records INDEXED BY {index} WHERE sid = ? {order}"
        params: tuple[object, ...] = (sid, limit, offset)
    elif (offset + limit) * scope_count / max(matches.count, 1) < matches.count * 4:
        # Many matches: walk the sort index, keep the rows in the set.
        sql = (
            f"SELECT rid FROM records INDEXED BY {index} WHERE sid = ?"
            f" AND rid IN (SELECT rid FROM temp.{matches.table}) {order}"
        )
        params = (sid, limit, offset)
    else:  # Few matches: read their sort keys and sort them.
        sql = (
            f"SELECT r.rid FROM temp.{matches.table} AS m CROSS JOIN records AS r"
            f" ON r.rid = m.rid WHERE r.sid = ? ORDER BY r.{column} {direction},"
            f" r.rid {direction} LIMIT ? OFFSET ?"
        )
        params = (sid, limit, offset)
    return [rid for (rid,) in conn.execute(sql, params)]
