"""The read API, made for a virtual table that materialises only the visible rows.

`count`, `rows(offset, limit)` and `index_of` run in SQL: sorting walks an index on the sort
column, from whichever end is nearer or from a row at a known position (keyset: a row served, or
a checkpoint noted while a long walk skipped rows, query.Anchors); a filter is an FTS5 query,
counted there and listed into a match set once a page needs it (query.MatchSet). A filtered walk
has a budget: matches bunched far down the order are sorted instead (query.walk_budget). So a
million rows scroll and filter without being loaded. Reads made for a filter still being typed
can be abandoned midway (base.Connected.abandoned_when).
`version` is a cheap per-collection change counter (it also sees other processes' writes)
telling a view when to query again; `iter_records` streams for export in constant memory.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tui.store import files, fts, query
from tui.store.base import Connected
from tui.store.specs import collection_name, key_value, spec_for

PAGE_SIZE = 100  # items per API page, for page estimates
MARK_STEP = 1024  # a long walk notes a checkpoint every MARK_STEP rows at least,
MARKS = 50  # and at most about MARKS of them per view


def pid_text(promotion_id: object) -> str:
    """The stored promotion id: "" for account-wide collections."""
    return "" if promotion_id is None else str(promotion_id)


@dataclass(frozen=True)
class Freshness:
    """How complete and recent a cached collection is."""

    count: int
    refreshed_at: float | None  # end of the last finished refresh (epoch seconds)
    written_at: float | None  # last page written
    complete: bool  # every record was read and no interrupted read is left to resume
    total_items: int | None  # records counted when the last refresh finished

    @property
    def pages_known(self) -> int:
        """API pages the collection spans, as far as the cache knows."""
        return math.ceil(max(self.total_items or 0, self.count) / PAGE_SIZE)


@dataclass(frozen=True)
class ScopeInfo:
    """One cached collection of one promotion (`promotion_id` "" for account-wide ones)."""

    collection: str
    promotion_id: str
    count: int
    refreshed_at: float | None
    written_at: float | None
    complete: bool


@dataclass
class _View:
    """A scope as a query sees it, with the filter's match set."""

    sid: int
    count: int  # records in the scope
    version: int
    edits: int
    matches: query.MatchSet | None

    @property
    def total(self) -> int:
        """Rows in the view: the matches with a filter."""
        return self.count if self.matches is None else self.matches.count


class Views(Connected):
    """The read side of the store."""

    def sortable(self, collection: object) -> tuple[str, ...]:
        """The sort keys `rows` accepts for a collection (the first is its default)."""
        spec = spec_for(collection)
        return (spec.default_sort, *(n for n in spec.sortable() if n != spec.default_sort))

    def default_descending(self, collection: object) -> bool:
        """The default direction of the collection's default sort."""
        return spec_for(collection).default_descending

    def _scope_row(self, conn: sqlite3.Connection, collection: object, pid: object) -> Any:
        return conn.execute(
            "SELECT sid, count, version, edits, refreshed_at, written_at, complete, total_items"
            " FROM scopes WHERE collection = ? AND promotion_id = ?",
            (collection_name(collection), pid_text(pid)),
        ).fetchone()

    def version(self, collection: object, promotion_id: object) -> int:
        """A counter that changes whenever the cached collection changes (any process)."""
        with self._locked() as conn:
            row = self._scope_row(conn, collection, promotion_id)
        return -1 if row is None else int(row[2])

    def data_version(self) -> int:
        """Changes whenever anything in the database changes (this or another process)."""
        with self._locked() as conn:
            other = int(conn.execute("PRAGMA data_version").fetchone()[0])
        return other * 1_000_000_007 + self._writes

    def freshness(self, collection: object, promotion_id: object) -> Freshness:
        """Count, last refresh, completeness and known total of a cached collection."""
        with self._locked() as conn:
            row = self._scope_row(conn, collection, promotion_id)
        if row is None:
            return Freshness(0, None, None, False, None)
        return Freshness(int(row[1]), row[4], row[5], bool(row[6]), row[7])

    def scopes(self) -> list[ScopeInfo]:
        """Every cached collection, for `cache info`."""
        with self._locked() as conn:
            rows = conn.execute(
                "SELECT collection, promotion_id, count, refreshed_at, written_at, complete"
                " FROM scopes ORDER BY promotion_id, collection"
            ).fetchall()
        return [ScopeInfo(c, p, n, r, w, bool(k)) for c, p, n, r, w, k in rows]

    def info(self) -> dict[str, str]:
        """What the file is for: profile, api_base_url, brands."""
        with self._locked() as conn:
            rows = conn.execute("SELECT key, value FROM info WHERE key != 'last_sid'").fetchall()
        return dict(rows)

    def _view(
        self, conn: sqlite3.Connection, collection: object, pid: object, filter_text: str | None
    ) -> _View | None:
        """The scope and the filter's match set; None if nothing is cached."""
        row = self._scope_row(conn, collection, pid)
        if row is None:
            return None
        sid, count, version, edits = (int(v) for v in row[:4])
        match = fts.match_expression(filter_text)
        matches = None if match is None else self._matches.get(conn, sid, match, version, edits)
        return _View(sid, count, version, edits, matches)

    def count(
        self, collection: object, promotion_id: object, filter_text: str | None = None
    ) -> int:
        """How many cached records (matching the filter: every word as a word prefix)."""
        with self._read() as conn:
            view = self._view(conn, collection, promotion_id, filter_text)
        return 0 if view is None else view.total

    def _remember(
        self, conn: sqlite3.Connection, view: _View, key: tuple[object, ...], rows: dict[int, int]
    ) -> None:
        """Note row positions of a view (index_of starts from them after new rows arrive)."""
        known = self._known.get(key)
        if known is None or (known.version, known.edits) != (view.version, view.edits):
            if len(self._known) >= 8:
                self._known.clear()
            top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
            known = self._known[key] = query.Known(view.version, view.edits, int(top), {})
        if len(known.positions) > 1000:
            known.positions.clear()
        known.positions.update(rows)

    def rows(
        self,
        collection: object,
        promotion_id: object,
        offset: int,
        limit: int,
        filter_text: str | None = None,
        sort: str | None = None,
        descending: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Raw records `offset` to `offset + limit` in the given order (ties: storage order).

        `sort` is one of `sortable(collection)` (default: the first); `descending` None means
        the collection's default direction.
        """
        spec = spec_for(collection)
        column, desc = query.order_column(spec, sort, descending)
        with self._read() as conn:
            view = self._view(conn, spec.name, promotion_id, filter_text)
            if view is None:
                return []
            offset = max(offset, 0)
            limit = min(limit, view.total - offset)
            if limit <= 0:
                return []
            anchors = self._anchors_for(conn, view, column, desc)
            found = self._page(conn, view, anchors, column, desc, offset, limit)
            anchors.served(offset, found)
            rids = [rid for rid, _ in found]
            key = _view_key(view, column, desc)
            self._remember(conn, view, key, {rid: offset + i for i, rid in enumerate(rids)})
            marks = ",".join("?" * len(rids))
            raws = dict(conn.execute(f"SELECT rid, raw FROM records WHERE rid IN ({marks})", rids))
        return [json.loads(raws[rid]) for rid in rids if rid in raws]

    def _page(
        self,
        conn: sqlite3.Connection,
        view: _View,
        anchors: query.Anchors,
        column: str,
        desc: bool,
        offset: int,
        limit: int,
    ) -> list[tuple[int, object]]:
        """(rid, sort value) of view rows `offset`..: a walk of the sort index from the nearest
        row at a known position; with a filter, the matches sorted instead when they are few or
        when a walk goes too far without finding them (query.walk_budget)."""
        matches = view.matches
        if matches is None:
            how = query.plan(view.total, offset, limit, desc, anchors.known(), view.count)
            return self._walk(conn, view, anchors, column, how, limit, None)
        while anchors.ordered is None:
            how = query.plan(view.total, offset, limit, desc, anchors.known(), view.count)
            if query.should_list(how, limit, view.count, matches):
                self._matches.listed(conn, matches)
            if how.sort_matches:
                break
            budget = query.walk_budget(how, limit, view.count, matches)
            found = self._walk(conn, view, anchors, column, how, limit, budget)
            if len(found) == limit:
                return found
            if matches.table is not None:
                break
            self._matches.listed(conn, matches)  # and walk again, probing the list
        if anchors.ordered is None:
            anchors.ordered = self._matches.new_table("order")
            self._matches.listed(conn, matches)
            query.sort_matches(conn, view.sid, matches, column, desc, anchors.ordered)
        return query.ordered_rows(conn, anchors.ordered, offset, limit)

    def _walk(
        self,
        conn: sqlite3.Connection,
        view: _View,
        anchors: query.Anchors,
        column: str,
        how: query.Plan,
        limit: int,
        budget: int | None,
    ) -> list[tuple[int, object]]:
        """The rows a plan reaches, in the view's order (fewer if it runs out of budget)."""
        if anchors.usable:
            step = max(MARK_STEP, view.total // MARKS)
            how = query.hop(conn, view.sid, view.matches, column, how, step, anchors.marks)
        found = query.page_rows(conn, view.sid, view.matches, column, how, limit, budget)
        if how.reverse:
            found.reverse()
        return found

    def _anchors_for(
        self, conn: sqlite3.Connection, view: _View, column: str, desc: bool
    ) -> query.Anchors:
        """Rows of this view at known positions, while it is unchanged (query.Anchors).

        They let a page start from a known row (keyset) instead of skipping rows from an end;
        a sort column with NULLs gets none (row values cannot compare NULL). Those of an older
        version of the view are dropped (with their ordered table), and the least recently used
        beyond eight views (a filter typed letter by letter makes a view per letter).
        """
        view_key = _view_key(view, column, desc)
        key = (*view_key, view.version)
        anchors = self._anchors.pop(key, None)  # put back last: the most recently used
        if anchors is None:
            stale = [k for k in self._anchors if k[:-1] == view_key]
            kept = [k for k in self._anchors if k not in stale]
            for old in stale + kept[: max(len(kept) - 7, 0)]:
                ordered = self._anchors.pop(old).ordered
                if ordered is not None:
                    conn.execute(f"DROP TABLE IF EXISTS temp.{ordered}")
            anchors = query.Anchors(not query.has_nulls(conn, view.sid, column))
        self._anchors[key] = anchors
        return anchors

    def get(
        self, collection: object, promotion_id: object, record_id: object
    ) -> dict[str, Any] | None:
        """One cached record by id."""
        with self._locked() as conn:
            row = conn.execute(
                "SELECT raw FROM records JOIN scopes USING (sid)"
                " WHERE collection = ? AND promotion_id = ? AND id = ?",
                (collection_name(collection), pid_text(promotion_id), str(record_id)),
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def matching(
        self, collection: object, promotion_id: object, key: str, value: object, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(count, newest `limit`) of the cached records whose field `key` equals `value`.

        `key` is one of the collection's sort keys (e.g. a user's participations: "user_id"),
        so the lookup walks that key's index instead of searching the text.
        """
        spec = spec_for(collection)
        keys = {k.name: k for k in spec.keys}
        if key not in keys:
            raise ValueError(f"{spec.name} has no field {key!r}; use one of {tuple(keys)}")
        column, _ = query.order_column(spec, key, None)
        wanted = key_value(value, keys[key].kind)
        order = "created DESC, rid DESC" if spec.created_paths else "rid"
        with self._read() as conn:
            row = self._scope_row(conn, spec.name, promotion_id)
            if row is None or wanted is None:
                return 0, []
            where = f"FROM records INDEXED BY records_{column} WHERE sid = ? AND {column} = ?"
            params = (int(row[0]), wanted)
            count = int(conn.execute(f"SELECT count(*) {where}", params).fetchone()[0])
            raws = conn.execute(f"SELECT raw {where} ORDER BY {order} LIMIT ?", (*params, limit))
            return count, [json.loads(raw) for (raw,) in raws]

    def index_of(
        self,
        collection: object,
        promotion_id: object,
        record_id: object,
        filter_text: str | None = None,
        sort: str | None = None,
        descending: bool | None = None,
    ) -> int | None:
        """The row number of a record in that order and filter (to keep a selection in place)."""
        spec = spec_for(collection)
        column, desc = query.order_column(spec, sort, descending)
        with self._read() as conn:
            view = self._view(conn, spec.name, promotion_id, filter_text)
            if view is None:
                return None
            row = conn.execute(
                f"SELECT rid, {column} FROM records WHERE sid = ? AND id = ?",
                (view.sid, str(record_id)),
            ).fetchone()
            if row is None:
                return None
            rid, value = row
            member = ""
            if view.matches is not None:
                if not query.contains(conn, view.matches, rid):
                    return None
                table = self._matches.listed(conn, view.matches)
                member = f" AND rid IN (SELECT rid FROM temp.{table})"
            key = _view_key(view, column, desc)
            known = self._known.get(key)
            if known and known.edits == view.edits and rid in known.positions:
                # Only rows were added since: count the new ones that come before it.
                position = known.positions[rid]
                if known.version != view.version:
                    source = "records NOT INDEXED WHERE rid > ? AND sid = ?"
                    params: tuple[object, ...] = (known.watermark, view.sid)
                    position += _count_before(
                        conn, source, params, column, (value, rid), desc, member
                    )
            else:
                source = f"records INDEXED BY records_{column} WHERE sid = ?"
                args = (conn, source, (view.sid,), column, (value, rid))
                # Probing the set costs ~8x counting the index: a row in the scope's second half
                # probes the rows after it.
                if member and 2 * _count_before(*args, desc, "") > view.count:
                    position = view.total - 1 - _count_before(*args, not desc, member)
                else:
                    position = _count_before(*args, desc, member)
            self._remember(conn, view, key, {rid: position})
            return position

    def iter_records(
        self,
        collection: object,
        promotion_id: object,
        filter_text: str | None = None,
        sort: str | None = None,
        descending: bool | None = None,
        batch_size: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record in order, streamed from one consistent snapshot.

        Constant memory; a file store reads through its own read-only connection, so writers
        are not held up while an export runs.
        """
        spec = spec_for(collection)
        column, desc = query.order_column(spec, sort, descending)
        direction = "DESC" if desc else "ASC"
        with self._locked() as conn:
            row = self._scope_row(conn, spec.name, promotion_id)
        if row is None:
            return
        sid = int(row[0])
        sql = f"SELECT raw FROM records INDEXED BY records_{column} WHERE sid = ?"
        params: tuple[object, ...] = (sid,)
        match = fts.match_expression(filter_text)
        if match is not None:
            table = fts.table(sid)
            sql += f" AND rid IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
            params += (match,)
        sql += f" ORDER BY {column} {direction}, rid {direction}"
        private = self.path is not None
        reader = files.connect(self.path, read_only=True) if self.path else self._conn
        guard = contextlib.nullcontext() if private else self._lock
        try:
            with guard:
                cursor = reader.execute(sql, params)
            while True:
                with guard:
                    batch = cursor.fetchmany(batch_size)
                if not batch:
                    return
                for (raw,) in batch:
                    yield json.loads(raw)
        finally:
            if private:
                reader.close()


def _view_key(view: _View, column: str, desc: bool) -> tuple[object, ...]:
    return (view.sid, view.matches.match if view.matches else None, column, desc)


def _count_before(
    conn: sqlite3.Connection,
    source: str,
    params: tuple[object, ...],
    column: str,
    row: tuple[object, int],
    desc: bool,
    member: str,
) -> int:
    """Rows of `FROM source` (+ `member` condition) ordered before row (value, rid)."""
    total = 0
    for where, more in query.before(column, row[0], row[1], desc):
        sql = f"SELECT count(*) FROM {source} AND {where}{member}"
        total += int(conn.execute(sql, (*params, *more)).fetchone()[0])
    return total
