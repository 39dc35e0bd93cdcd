"""The local cache of fetched collections (SQLite): write-through of pages, SQL-side read API.

Made for a virtual table: `count`, `rows(offset, limit)` and `index_of` materialise only what is
asked; sorting walks an index on the sort column (from whichever end is nearer) and a filter is
evaluated once into a match set, so a million rows scroll and filter without being loaded.
`version` is a cheap per-collection change counter (it also sees other processes' writes)
telling a view when to query again.

Thread-safe (one connection behind a lock); several processes may share a file (WAL, busy
timeout, writes in `BEGIN IMMEDIATE`, so one writer at a time and no deadlock).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.store import files, fts, query
from tui.store.schema import KEY_COLUMNS, SchemaMismatch, ensure_schema
from tui.store.specs import collection_name, extract, spec_for

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # items per API page, for page estimates
_CHUNK = 500  # SQL parameters per IN (...) list


class StoreError(Exception):
    """The cache could not be used (its message is meant for the user)."""


@dataclass(frozen=True)
class WriteResult:
    """What one `write_page` did."""

    added: int
    changed: int
    unchanged: int


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


@dataclass
class _Known:
    """Row positions of one view at one version (rows served, records located)."""

    version: int
    edits: int
    watermark: int  # highest rid in records then: later rows are new
    positions: dict[int, int]  # rid -> row number


def _pid(promotion_id: object) -> str:
    return "" if promotion_id is None else str(promotion_id)


class Store:
    """A cache database (a file, or memory when caching is off). Use `Store.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, warnings: list[str]):
        self._conn = conn
        self._lock = threading.RLock()
        self._matches = query.MatchSets()
        self._anchors: dict[tuple[object, ...], dict[int, tuple[object, int]]] = {}
        self._no_anchors: dict[int, tuple[object, int]] = {}
        self._known: dict[tuple[object, ...], _Known] = {}
        self._writes = 0
        self.path = path
        self.warnings = warnings

    # -- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        profile: str,
        api_base_url: str,
        brands_key: str | Iterable[object],
        *,
        enabled: bool = True,
        max_age_days: float | None = None,
        directory: Path | None = None,
    ) -> Store:
        """Open (creating, migrating or rebuilding) the profile's cache for this account.

        `brands_key`: the account's brand ids (or one string). With `enabled=False` the store
        lives in memory and nothing touches the disk. `max_age_days` deletes the collections
        not refreshed for that long. `directory` defaults to `tui.paths.cache_dir()`.
        """
        if not enabled:
            conn = files.connect(":memory:")
            ensure_schema(conn)
            return cls(conn, None, [])
        brands = files.brands_text(brands_key)
        path = files.database_path(profile, api_base_url, brands, directory)
        warnings: list[str] = []
        try:
            store = cls(_open_file(path, warnings), path, warnings)
            store._set_info(profile=profile, api_base_url=api_base_url, brands=brands)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cache {path}: {exc}") from exc
        if max_age_days is not None:
            store.prune(max_age_days * 86400.0)
        return store

    @classmethod
    def open_file(cls, path: Path) -> Store:
        """Open an existing cache file as it is (`cache info`, `cache clear`)."""
        warnings: list[str] = []
        try:
            return cls(_open_file(path, warnings), path, warnings)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cache {path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection (the last one to close checkpoints the WAL)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def in_memory(self) -> bool:
        return self.path is None

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; a damaged file is moved aside and rebuilt.

        The call that meets the damage raises StoreError with the message (also appended to
        `warnings`); later calls work on the new, empty file.
        """
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                if self.path is None or not files.is_corrupt(exc):
                    raise
                self._conn.close()
                self._matches.forget()
                self._anchors.clear()
                self._known.clear()
                aside = files.move_aside(self.path)
                message = f"The cache file was damaged ({exc}); moved it to {aside}."
                log.warning("%s", message)
                self.warnings.append(message)
                files.create_private(self.path)
                self._conn = _connect_checked(self.path)
                raise StoreError(message) from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: the statements of one call see one snapshot."""
        with self._locked() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; BEGIN IMMEDIATE waits (busy timeout) for other writers."""
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._writes += 1

    # -- writing ---------------------------------------------------------------------------

    def _scope(self, conn: sqlite3.Connection, collection: str, pid: str) -> int:
        """The scope id, creating the scope (and its FTS table) on first use."""
        row = conn.execute(
            "SELECT sid FROM scopes WHERE collection = ? AND promotion_id = ?", (collection, pid)
        ).fetchone()
        if row is not None:
            return int(row[0])
        # Never reuse the id of a deleted scope: other connections may still cache it.
        used = conn.execute("SELECT value FROM info WHERE key = 'last_sid'").fetchone()
        top = conn.execute("SELECT coalesce(max(sid), 0) FROM scopes").fetchone()[0]
        sid = max(int(used[0]) if used else 0, int(top)) + 1
        conn.execute("INSERT OR REPLACE INTO info (key, value) VALUES ('last_sid', ?)", (sid,))
        conn.execute(
            "INSERT INTO scopes (sid, collection, promotion_id) VALUES (?, ?, ?)",
            (sid, collection, pid),
        )
        fts.create(conn, sid)
        return sid

    def write_page(
        self,
        collection: object,
        promotion_id: object,
        items: Sequence[dict[str, Any]],
        fetched_at: float | None = None,
        *,
        sweep: int | None = None,
    ) -> WriteResult:
        """Store a page of raw records (insert new ones, update changed ones) atomically.

        `sweep` (from `begin_sweep`) marks every record of the page as seen by a full read.
        """
        spec = spec_for(collection)
        fetched = time.time() if fetched_at is None else fetched_at
        prepared = {}
        for item in items:
            columns = extract(spec, item)
            prepared[columns.id] = (columns, json.dumps(item, ensure_ascii=False))
        changed = 0
        unchanged: list[str] = []
        with self._write() as conn:
            sid = self._scope(conn, spec.name, _pid(promotion_id))
            mark = sweep
            if mark is None:
                mark = conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0]
            stored = self._stored(conn, sid, list(prepared))
            top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
            inserts: list[tuple[object, ...]] = []
            reindexed: list[tuple[int, str, str]] = []
            for record_id, (columns, raw) in prepared.items():
                values = (columns.id_num, columns.created, fetched, *columns.keys, columns.text)
                old = stored.get(record_id)
                if old is None:
                    inserts.append((sid, record_id, *values, mark, raw))
                elif old[2] != raw:
                    conn.execute(_UPDATE, (*values, mark, raw, old[0]))
                    if old[1] != columns.text:
                        reindexed.append((old[0], old[1], columns.text))
                    changed += 1
                else:
                    unchanged.append(record_id)
            conn.executemany(_INSERT, inserts)
            added = len(inserts)
            fts.remove(conn, sid, [(rid, text) for rid, text, _ in reindexed])
            fts.add(conn, sid, [(rid, text) for rid, _, text in reindexed])
            # We hold the write lock: the new rows are exactly those above the old top rid.
            fts.add(conn, sid, conn.execute("SELECT rid, ftext FROM records WHERE rid > ?", (top,)))
            if sweep is not None:
                _in_chunks(conn, "UPDATE records SET sweep = ?", (sweep,), sid, unchanged)
            conn.execute(
                "UPDATE scopes SET version = version + 1, written_at = ? WHERE sid = ?",
                (fetched, sid),
            )
        return WriteResult(added, changed, len(unchanged))

    @staticmethod
    def _stored(
        conn: sqlite3.Connection, sid: int, ids: list[str]
    ) -> dict[str, tuple[int, str, str]]:
        """id -> (rid, ftext, raw) of the cached records among `ids`."""
        found: dict[str, tuple[int, str, str]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for record_id, rid, text, raw in conn.execute(
                f"SELECT id, rid, ftext, raw FROM records WHERE sid = ? AND id IN ({marks})",
                (sid, *chunk),
            ):
                found[record_id] = (rid, text, raw)
        return found

    @staticmethod
    def _delete_where(
        conn: sqlite3.Connection, sid: int, where: str, params: tuple[object, ...]
    ) -> list[str]:
        """Delete the scope's records matching `where` (and unindex them); their ids."""
        rows = conn.execute(
            f"SELECT id, rid, ftext FROM records WHERE sid = ? AND ({where})", (sid, *params)
        ).fetchall()
        fts.remove(conn, sid, [(rid, text) for _, rid, text in rows])
        conn.executemany("DELETE FROM records WHERE rid = ?", [(rid,) for _, rid, _ in rows])
        if rows:
            fts.optimize(conn, sid)  # leave no deleted text in the index
            conn.execute("UPDATE scopes SET version = version + 1 WHERE sid = ?", (sid,))
        return [record_id for record_id, _, _ in rows]

    def delete_records(self, collection: object, promotion_id: object, ids: Iterable[str]) -> int:
        """Delete records by id; returns how many were cached."""
        wanted = [str(i) for i in ids]
        deleted = 0
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                deleted += len(self._delete_where(conn, sid, f"id IN ({marks})", tuple(chunk)))
        return deleted

    def mark_refreshed(
        self,
        collection: object,
        promotion_id: object,
        *,
        complete: bool,
        total_items: int | None = None,
        at: float | None = None,
    ) -> None:
        """Record the end of a refresh (sync calls this)."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            conn.execute(
                "UPDATE scopes SET refreshed_at = ?, complete = ?,"
                " total_items = coalesce(?, total_items), version = version + 1 WHERE sid = ?",
                (time.time() if at is None else at, int(complete), total_items, sid),
            )

    # -- sync bookkeeping (see sync.py) ----------------------------------------------------

    def pending(self, collection: object, promotion_id: object) -> list[str]:
        """Cursors where interrupted reads of the collection must resume."""
        with self._locked() as conn:
            row = conn.execute(
                "SELECT pending FROM scopes WHERE collection = ? AND promotion_id = ?",
                (collection_name(collection), _pid(promotion_id)),
            ).fetchone()
        return [] if row is None else [str(c) for c in json.loads(row[0])]

    def replace_pending(
        self, collection: object, promotion_id: object, old: str | None, new: str | None
    ) -> None:
        """Atomically swap one resume cursor: add `new` (old None), drop `old` (new None)."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            row = conn.execute("SELECT pending FROM scopes WHERE sid = ?", (sid,)).fetchone()
            cursors = [str(c) for c in json.loads(row[0])]
            if old is not None and old in cursors:
                cursors.remove(old)
            if new is not None:
                cursors.append(new)
            _save_pending(conn, sid, cursors)

    def set_pending(self, collection: object, promotion_id: object, cursors: list[str]) -> None:
        """Replace the resume cursors."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            _save_pending(conn, sid, cursors)

    def begin_sweep(self, collection: object, promotion_id: object) -> int:
        """Start a full read: returns the mark to pass to `write_page(sweep=...)`."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            conn.execute("UPDATE scopes SET sweep = sweep + 1 WHERE sid = ?", (sid,))
            return int(conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0])

    def end_sweep(self, collection: object, promotion_id: object, sweep: int) -> list[str]:
        """Finish a full read: delete the records it did not see; returns their ids."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            return self._delete_where(conn, sid, "sweep < ?", (sweep,))

    # -- deleting personal data --------------------------------------------------------------

    def prune(self, max_age_seconds: float) -> int:
        """Delete every collection not refreshed (or written) for `max_age_seconds`."""
        cutoff = time.time() - max_age_seconds
        with self._locked() as conn:
            old = conn.execute(
                "SELECT sid FROM scopes WHERE coalesce(refreshed_at, written_at, 0) < ?", (cutoff,)
            ).fetchall()
        if old:
            self._delete_scopes([sid for (sid,) in old])
        return len(old)

    def clear(self, promotion_id: object | None = None) -> int:
        """Delete the cached records of one promotion (or all); returns how many.

        Afterwards neither the file nor its WAL holds them: secure_delete zeroes freed
        content, the scopes' FTS tables are dropped, the file vacuumed, the WAL truncated.
        """
        with self._locked() as conn:
            if promotion_id is None:
                rows = conn.execute("SELECT sid, count FROM scopes").fetchall()
            else:
                rows = conn.execute(
                    "SELECT sid, count FROM scopes WHERE promotion_id = ?", (_pid(promotion_id),)
                ).fetchall()
        self._delete_scopes([sid for sid, _ in rows])
        return sum(count for _, count in rows)

    def _delete_scopes(self, sids: list[int]) -> None:
        with self._write() as conn:
            for sid in sids:
                conn.execute("DELETE FROM records WHERE sid = ?", (sid,))
                conn.execute("DELETE FROM scopes WHERE sid = ?", (sid,))
                fts.drop(conn, sid)
        self.scrub()

    def scrub(self) -> None:
        """Rewrite the file without free pages and empty the WAL (no deleted data left)."""
        if self.in_memory:
            return
        with self._locked() as conn:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- reading -------------------------------------------------------------------------------

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
            (collection_name(collection), _pid(pid)),
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

    def _set_info(self, **values: str) -> None:
        if self.info() != values:
            with self._write() as conn:
                conn.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", values.items())

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
            known = self._known[key] = _Known(view.version, view.edits, int(top), {})
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
            how = query.plan(view.total, offset, limit, desc, anchors, view.count)
            found = query.page_rows(conn, view.sid, view.matches, column, how, limit)
            if how.reverse:
                found.reverse()
            if anchors is not self._no_anchors and found:
                anchors[offset] = found[0][1], found[0][0]
                anchors[offset + len(found) - 1] = found[-1][1], found[-1][0]
            rids = [rid for rid, _ in found]
            key = _view_key(view, column, desc)
            self._remember(conn, view, key, {rid: offset + i for i, rid in enumerate(rids)})
            marks = ",".join("?" * len(rids))
            raws = dict(conn.execute(f"SELECT rid, raw FROM records WHERE rid IN ({marks})", rids))
        return [json.loads(raws[rid]) for rid in rids if rid in raws]

    def _anchors_for(
        self, conn: sqlite3.Connection, view: _View, column: str, desc: bool
    ) -> dict[int, tuple[object, int]]:
        """Rows already served in this view (position -> (value, rid)), while it is unchanged.

        They let the next page continue from a known row (keyset) instead of skipping rows
        from an end; a sort column with NULLs gets none (row values cannot compare NULL).
        """
        key = (*_view_key(view, column, desc), view.version)
        if key not in self._anchors:
            if len(self._anchors) >= 8:
                self._anchors.clear()
            nulls = query.has_nulls(conn, view.sid, column)
            self._anchors[key] = self._no_anchors if nulls else {}
        anchors = self._anchors[key]
        if len(anchors) > 64:
            anchors.clear()
        return anchors

    def get(
        self, collection: object, promotion_id: object, record_id: object
    ) -> dict[str, Any] | None:
        """One cached record by id."""
        with self._locked() as conn:
            row = conn.execute(
                "SELECT raw FROM records JOIN scopes USING (sid)"
                " WHERE collection = ? AND promotion_id = ? AND id = ?",
                (collection_name(collection), _pid(promotion_id), str(record_id)),
            ).fetchone()
        return None if row is None else json.loads(row[0])

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
                table = view.matches.table
                if conn.execute(f"SELECT 1 FROM temp.{table} WHERE rid = ?", (rid,)).fetchone():
                    member = f" AND rid IN (SELECT rid FROM temp.{table})"
                else:
                    return None
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
                position = _count_before(
                    conn, source, (view.sid,), column, (value, rid), desc, member
                )
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
    return (view.sid, view.matches.table if view.matches else None, column, desc)


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


def _in_chunks(
    conn: sqlite3.Connection, head: str, params: tuple[object, ...], sid: int, ids: list[str]
) -> None:
    """Run `head WHERE sid = ? AND id IN (...)` over ids, a chunk at a time."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"{head} WHERE sid = ? AND id IN ({marks})", (*params, sid, *chunk))


def _save_pending(conn: sqlite3.Connection, sid: int, cursors: list[str]) -> None:
    conn.execute(
        "UPDATE scopes SET pending = ?, complete = complete AND ? WHERE sid = ?",
        (json.dumps(cursors), not cursors, sid),
    )


_INSERT = (
    f"INSERT INTO records (sid, id, id_num, created, fetched_at, {', '.join(KEY_COLUMNS)},"
    f" ftext, sweep, raw) VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(KEY_COLUMNS))}, ?, ?, ?)"
)
_UPDATE = (
    f"UPDATE records SET id_num = ?, created = ?, fetched_at = ?,"
    f" {', '.join(c + ' = ?' for c in KEY_COLUMNS)}, ftext = ?, sweep = ?, raw = ? WHERE rid = ?"
)


def _open_file(path: Path, warnings: list[str]) -> sqlite3.Connection:
    """Connect to a cache file; a corrupt or unreadable one is moved aside and rebuilt."""
    files.create_private(path)
    try:
        return _connect_checked(path)
    except SchemaMismatch as exc:
        files.remove_database(path)
        warnings.append(f"The cache was rebuilt: {exc}.")
    except sqlite3.DatabaseError as exc:
        if not files.is_corrupt(exc):
            raise
        aside = files.move_aside(path)
        warnings.append(f"The cache file was damaged ({exc}); moved it to {aside}.")
    for warning in warnings:
        log.warning("%s", warning)
    files.create_private(path)
    return _connect_checked(path)


def _connect_checked(path: Path) -> sqlite3.Connection:
    """Connect, create or migrate the schema, and read every table's first page."""
    conn = files.connect(path)
    try:
        ensure_schema(conn)
        for table in ("info", "scopes", "records"):
            conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()
    except BaseException:
        conn.close()
        raise
    return conn
