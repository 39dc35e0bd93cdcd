"""The store: the local cache of fetched collections, read by views and written through.

`Store.open` picks the profile's file for the account (or memory when caching is off). A Store
is a connection (base.Database: its lock, transactions and recovery) and the views read from it
(views.Views: filters, orders, pages); the simple reads, the writes (fetched pages, sync
bookkeeping) and deleting personal data are here.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.store import files, fts, query
from tui.store.base import Database, StoreError, chunked, connect_file
from tui.store.schema import KEY_COLUMNS, ensure_schema
from tui.store.specs import collection_name, extract, key_value, spec_for
from tui.store.views import Views, pid_text, scope_of

__all__ = ["PAGE_SIZE", "Freshness", "ScopeInfo", "Store", "StoreError", "WriteResult"]

PAGE_SIZE = 100  # items per API page, for page estimates


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


@dataclass(frozen=True)
class WriteResult:
    """What one `write_page` did."""

    added: int
    changed: int
    unchanged: int
    newest_known: float | None = None  # created of the newest record that was stored before
    oldest: float | None = None  # created of the page's oldest record

    @property
    def reaches_known(self) -> bool:
        """The page goes past the newest record stored before it: what follows was stored too,
        if the store's records have no hole (records created in the same second as it, in
        whatever order the API gives them, are all on this page)."""
        known, oldest = self.newest_known, self.oldest
        return known is not None and oldest is not None and oldest < known


class Store:
    """A cache database (a file, or memory when caching is off). Use `Store.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, warnings: list[str]):
        self._db = Database(conn, path, warnings)
        self._views = Views(self._db)
        self.path = path
        self.warnings = warnings

    def close(self) -> None:
        """Close the connection (the last one to close checkpoints the WAL)."""
        self._views.close()
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def in_memory(self) -> bool:
        return self.path is None

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
        on_upgrade: Callable[[], None] | None = None,
    ) -> Store:
        """Open (creating, migrating or rebuilding) the profile's cache for this account.

        `brands_key`: the account's brand ids (or one string). With `enabled=False` the store
        lives in memory and nothing touches the disk. `max_age_days` deletes the collections
        not refreshed for that long. `directory` defaults to `tui.paths.cache_dir()`.
        `on_upgrade` is called before a cache made by an older version is migrated.
        """
        if not enabled:
            conn = files.connect(":memory:")
            ensure_schema(conn)
            return cls(conn, None, [])
        brands = files.brands_text(brands_key)
        path = files.database_path(profile, api_base_url, brands, directory)
        warnings: list[str] = []
        try:
            store = cls(connect_file(path, warnings, on_upgrade), path, warnings)
            store._set_info(profile=profile, api_base_url=api_base_url, brands=brands)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cache {path}: {exc}") from exc
        if max_age_days is not None:
            store.prune(max_age_days * 86400.0)
        return store

    @classmethod
    def open_latest(
        cls,
        profile: str,
        api_base_url: str,
        directory: Path | None = None,
        on_upgrade: Callable[[], None] | None = None,
    ) -> Store | None:
        """The profile's most recently written cache for this API URL, whatever its account;
        None when there is none. For working offline, when the brands cannot be listed."""
        best: tuple[float, Path] | None = None
        for path in files.profile_databases(profile, directory):
            if not path.name.endswith(files.SUFFIX):
                continue  # a damaged file moved aside
            try:
                conn = files.connect(path, read_only=True)
                try:
                    url = conn.execute("SELECT value FROM info WHERE key = 'api_base_url'")
                    found = url.fetchone()
                    latest = conn.execute(
                        "SELECT max(coalesce(refreshed_at, written_at, 0)) FROM scopes"
                    ).fetchone()[0]
                finally:
                    conn.close()
            except sqlite3.Error:
                continue
            newer = best is None or (latest or 0) > best[0]
            if found is not None and found[0] == api_base_url and latest and newer:
                best = (float(latest), path)
        return None if best is None else cls.open_file(best[1], on_upgrade)

    @classmethod
    def open_file(cls, path: Path, on_upgrade: Callable[[], None] | None = None) -> Store:
        """Open an existing cache file as it is (`cache info`, `cache clear`)."""
        warnings: list[str] = []
        try:
            return cls(connect_file(path, warnings, on_upgrade), path, warnings)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cache {path}: {exc}") from exc

    def _set_info(self, **values: str) -> None:
        if self.info() != values:
            with self._db.write() as conn:
                conn.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", values.items())

    # -- reading ---------------------------------------------------------------------------

    def snapshot(self) -> AbstractContextManager[object]:
        """The reads inside see one state of the cache: no write lands between them (this
        process's writers wait for it to end; another process's are seen after it)."""
        return self._db.read()

    def abandoned_when(self, stale: Callable[[], bool]) -> AbstractContextManager[None]:
        """Reads inside stop (raising base.Abandoned) soon after `stale()` turns true."""
        return self._db.abandoned_when(stale)

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the background work is done (a filter's order being built): what follows
        is measured without it (benchmarks, tests). False on timeout."""
        return self._views.settle(timeout)

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read transaction, for the store's modules that read in SQL."""
        return self._db.read()

    def sortable(self, collection: object) -> tuple[str, ...]:
        """The sort keys `rows` accepts for a collection (the first is its default)."""
        spec = spec_for(collection)
        return (spec.default_sort, *(n for n in spec.sortable() if n != spec.default_sort))

    def default_descending(self, collection: object) -> bool:
        """The default direction of the collection's default sort."""
        return spec_for(collection).default_descending

    def version(self, collection: object, promotion_id: object) -> int:
        """A counter that changes whenever the cached collection changes (any process)."""
        with self._db.locked() as conn:
            scope = scope_of(conn, collection, promotion_id)
        return -1 if scope is None else scope.version

    def data_version(self) -> int:
        """Changes whenever anything in the database changes (this or another process)."""
        with self._db.locked() as conn:
            other = int(conn.execute("PRAGMA data_version").fetchone()[0])
        return other * 1_000_000_007 + self._db.writes

    def freshness(self, collection: object, promotion_id: object) -> Freshness:
        """Count, last refresh, completeness and known total of a cached collection."""
        with self._db.locked() as conn:
            s = scope_of(conn, collection, promotion_id)
        if s is None:
            return Freshness(0, None, None, False, None)
        return Freshness(s.count, s.refreshed_at, s.written_at, s.complete, s.total_items)

    def scopes(self) -> list[ScopeInfo]:
        """Every cached collection, for `cache info`."""
        with self._db.locked() as conn:
            rows = conn.execute(
                "SELECT collection, promotion_id, count, refreshed_at, written_at, complete"
                " FROM scopes ORDER BY promotion_id, collection"
            ).fetchall()
        return [ScopeInfo(c, p, n, r, w, bool(k)) for c, p, n, r, w, k in rows]

    def info(self) -> dict[str, str]:
        """What the file is for: profile, api_base_url, brands."""
        with self._db.locked() as conn:
            rows = conn.execute("SELECT key, value FROM info WHERE key != 'last_sid'").fetchall()
        return dict(rows)

    def count(
        self, collection: object, promotion_id: object, filter_text: str | None = None
    ) -> int:
        """How many cached records (matching the filter: every word as a word prefix)."""
        return self._views.count(collection, promotion_id, filter_text)

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
        column, desc = query.order_column(spec_for(collection), sort, descending)
        with self._db.read() as conn:
            rids = self._views.rows(
                collection, promotion_id, offset, limit, filter_text, column, desc
            )
            sql = "SELECT rid, raw FROM records WHERE rid IN ({marks})"
            raws = dict(chunked(conn, sql, (), rids))
        return [json.loads(raws[rid]) for rid in rids if rid in raws]

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
        column, desc = query.order_column(spec_for(collection), sort, descending)
        return self._views.index_of(collection, promotion_id, record_id, filter_text, column, desc)

    def get(
        self, collection: object, promotion_id: object, record_id: object
    ) -> dict[str, Any] | None:
        """One cached record by id."""
        with self._db.locked() as conn:
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
        with self._db.read() as conn:
            scope = scope_of(conn, spec.name, promotion_id)
            if scope is None or wanted is None:
                return 0, []
            where = f"FROM records INDEXED BY records_{column} WHERE sid = ? AND {column} = ?"
            params = (scope.sid, wanted)
            count = int(conn.execute(f"SELECT count(*) {where}", params).fetchone()[0])
            raws = conn.execute(f"SELECT raw {where} ORDER BY {order} LIMIT ?", (*params, limit))
            return count, [json.loads(raw) for (raw,) in raws]

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
        with self._db.locked() as conn:
            scope = scope_of(conn, spec.name, promotion_id)
        if scope is None:
            return
        sid = scope.sid
        sql = f"SELECT raw FROM records INDEXED BY records_{column} WHERE sid = ?"
        params: tuple[object, ...] = (sid,)
        match = fts.match_expression(filter_text)
        if match is not None:
            table = fts.table(sid)
            sql += f" AND rid IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
            params += (match,)
        sql += f" ORDER BY {column} {direction}, rid {direction}"
        private = self.path is not None
        reader = files.connect(self.path, read_only=True) if self.path else self._db.conn
        guard = contextlib.nullcontext if private else self._db.locked
        try:
            with guard():
                cursor = reader.execute(sql, params)
            while True:
                with guard():
                    batch = cursor.fetchmany(batch_size)
                if not batch:
                    return
                for (raw,) in batch:
                    yield json.loads(raw)
        finally:
            if private:
                reader.close()

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
        with self._db.write() as conn:
            sid = self._scope(conn, spec.name, pid_text(promotion_id))
            mark = sweep
            if mark is None:
                mark = conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0]
            stored = self._stored(conn, sid, list(prepared))
            known = [c.created for i, (c, _) in prepared.items() if i in stored]
            times = [c.created for c, _ in prepared.values() if c.created is not None]
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
            inserts.sort(key=_insertion_order)
            conn.executemany(_INSERT, inserts)
            added = len(inserts)
            fts.remove(conn, sid, [(rid, text) for rid, text, _ in reindexed])
            fts.add(conn, sid, [(rid, text) for rid, _, text in reindexed])
            # We hold the write lock: the new rows are exactly those above the old top rid.
            fts.add(conn, sid, conn.execute("SELECT rid, ftext FROM records WHERE rid > ?", (top,)))
            if sweep is not None:
                sql = "UPDATE records SET sweep = ? WHERE sid = ? AND id IN ({marks})"
                list(chunked(conn, sql, (sweep, sid), unchanged))
            conn.execute(
                "UPDATE scopes SET version = version + 1, written_at = ? WHERE sid = ?",
                (fetched, sid),
            )
        return WriteResult(
            added,
            changed,
            len(unchanged),
            max((t for t in known if t is not None), default=None),
            min(times, default=None),
        )

    @staticmethod
    def _stored(
        conn: sqlite3.Connection, sid: int, ids: list[str]
    ) -> dict[str, tuple[int, str, str]]:
        """id -> (rid, ftext, raw) of the cached records among `ids`."""
        sql = "SELECT id, rid, ftext, raw FROM records WHERE sid = ? AND id IN ({marks})"
        return {
            record_id: (rid, text, raw)
            for record_id, rid, text, raw in chunked(conn, sql, (sid,), ids)
        }

    @staticmethod
    def _delete(conn: sqlite3.Connection, sid: int, rows: list[Any]) -> list[str]:
        """Delete records of a scope (and unindex them), given as (id, rid, ftext); their ids."""
        fts.remove(conn, sid, [(rid, text) for _, rid, text in rows])
        conn.executemany("DELETE FROM records WHERE rid = ?", [(rid,) for _, rid, _ in rows])
        if rows:
            fts.optimize(conn, sid)  # leave no deleted text in the index
            conn.execute("UPDATE scopes SET version = version + 1 WHERE sid = ?", (sid,))
        return [record_id for record_id, _, _ in rows]

    def delete_records(self, collection: object, promotion_id: object, ids: Iterable[str]) -> int:
        """Delete records by id; returns how many were cached."""
        sql = "SELECT id, rid, ftext FROM records WHERE sid = ? AND id IN ({marks})"
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            rows = list(chunked(conn, sql, (sid,), [str(i) for i in ids]))
            return len(self._delete(conn, sid, rows))

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
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            conn.execute(
                "UPDATE scopes SET refreshed_at = ?, complete = ?,"
                " total_items = coalesce(?, total_items), version = version + 1 WHERE sid = ?",
                (time.time() if at is None else at, int(complete), total_items, sid),
            )

    # -- sync bookkeeping (see sync.py) ----------------------------------------------------

    def pending(self, collection: object, promotion_id: object) -> list[str]:
        """Cursors where interrupted reads of the collection must resume."""
        with self._db.locked() as conn:
            row = conn.execute(
                "SELECT pending FROM scopes WHERE collection = ? AND promotion_id = ?",
                (collection_name(collection), pid_text(promotion_id)),
            ).fetchone()
        return [] if row is None else [str(c) for c in json.loads(row[0])]

    def replace_pending(
        self, collection: object, promotion_id: object, old: str | None, new: str | None
    ) -> None:
        """Atomically swap one resume cursor: add `new` (old None), drop `old` (new None)."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            row = conn.execute("SELECT pending FROM scopes WHERE sid = ?", (sid,)).fetchone()
            cursors = [str(c) for c in json.loads(row[0])]
            if old is not None and old in cursors:
                cursors.remove(old)
            if new is not None:
                cursors.append(new)
            _save_pending(conn, sid, cursors)

    def set_pending(self, collection: object, promotion_id: object, cursors: list[str]) -> None:
        """Replace the resume cursors."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            _save_pending(conn, sid, cursors)

    def begin_sweep(self, collection: object, promotion_id: object) -> int:
        """Start a full read: returns the mark to pass to `write_page(sweep=...)`."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            conn.execute("UPDATE scopes SET sweep = sweep + 1 WHERE sid = ?", (sid,))
            return int(conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0])

    def end_sweep(self, collection: object, promotion_id: object, sweep: int) -> list[str]:
        """Finish a full read: delete the records it did not see; returns their ids."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            sql = "SELECT id, rid, ftext FROM records WHERE sid = ? AND sweep < ?"
            return self._delete(conn, sid, conn.execute(sql, (sid, sweep)).fetchall())

    # -- deleting personal data --------------------------------------------------------------

    def prune(self, max_age_seconds: float) -> int:
        """Delete every collection not refreshed (or written) for `max_age_seconds`."""
        cutoff = time.time() - max_age_seconds
        with self._db.locked() as conn:
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
        with self._db.locked() as conn:
            if promotion_id is None:
                rows = conn.execute("SELECT sid, count FROM scopes").fetchall()
            else:
                rows = conn.execute(
                    "SELECT sid, count FROM scopes WHERE promotion_id = ?",
                    (pid_text(promotion_id),),
                ).fetchall()
        self._delete_scopes([sid for sid, _ in rows])
        return sum(count for _, count in rows)

    def _delete_scopes(self, sids: list[int]) -> None:
        with self._db.write() as conn:
            for sid in sids:
                conn.execute("DELETE FROM records WHERE sid = ?", (sid,))
                conn.execute("DELETE FROM scopes WHERE sid = ?", (sid,))
                fts.drop(conn, sid)
        self.scrub()

    def scrub(self) -> None:
        """Rewrite the file without free pages and empty the WAL (no deleted data left)."""
        if self.in_memory:
            return
        with self._db.locked() as conn:
            conn.execute("VACUUM")
            for _ in range(50):  # another process reading: its snapshot pins the WAL a moment
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    return
                time.sleep(0.1)
        raise StoreError("another promo-tui keeps the cache busy: close it and clear again")


def _insertion_order(insert: tuple[object, ...]) -> tuple[bool, float, bool, int, str]:
    """Oldest first by (created, id): rows of one created time are read back in the API's
    order (ties in the store's orders fall back on insertion order, newest inserted first)."""
    _, record_id, id_num, created = insert[:4]
    created_value = float(created) if isinstance(created, (int, float)) else 0.0
    number = id_num if isinstance(id_num, int) else 0
    return (created is not None, created_value, id_num is not None, number, str(record_id))


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
