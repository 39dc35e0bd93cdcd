"""The store: the local cache of fetched collections, read through views and written through.

`Store.open` picks the profile's file for the account (or memory when caching is off). A store
is a connection (database.Database: its lock, transactions and recovery) and the views read on
it (views.Views: filters, orders, pages); its writes, sync bookkeeping and deletions are here.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from tui.store import files, fts, summaries
from tui.store.database import Database, StoreError, chunked, connect_file
from tui.store.schema import KEY_COLUMNS, ensure_schema
from tui.store.specs import Extracted, collection_name, extract, key_value, spec_for
from tui.store.views import Scope, Views, order_column, ordered, pid_text, scope_of, scopes_where

__all__ = ["PAGE_SIZE", "Scope", "Store", "StoreError", "WriteResult"]

PAGE_SIZE = 100  # items per API page, for page estimates


@dataclass(frozen=True)
class WriteResult:
    """What one `write_page` did."""

    added: int
    changed: int
    newest_known: float | None = None  # created of the newest record that was stored before
    oldest: float | None = None  # created of the page's oldest record

    @property
    def reaches_known(self) -> bool:
        """The page goes past the newest record stored before it: what follows was stored too,
        if the store's records have no hole (records created in the same second as it, in
        whatever order the API gives them, are all on this page)."""
        known, oldest = self.newest_known, self.oldest
        return known is not None and oldest is not None and oldest < known


class Cached(NamedTuple):
    """A stored record's row, as far as writes need it."""

    id: str
    rid: int
    text: str
    raw: str


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

    # -- opening ---------------------------------------------------------------------------

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
        store = cls.open_file(
            files.database_path(profile, api_base_url, brands, directory), on_upgrade
        )
        info = {"profile": profile, "api_base_url": api_base_url, "brands": brands}
        if store.info() != info:
            with store._db.write() as conn:
                conn.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", info.items())
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
                with contextlib.closing(files.connect(path, read_only=True)) as conn:
                    url = conn.execute("SELECT value FROM info WHERE key = 'api_base_url'")
                    found = url.fetchone()
                    latest = conn.execute(
                        "SELECT max(coalesce(refreshed_at, written_at, 0)) FROM scopes"
                    ).fetchone()[0]
            except sqlite3.Error:
                continue
            if found == (api_base_url,) and latest and (best is None or latest > best[0]):
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

    # -- reading ---------------------------------------------------------------------------

    def snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        """The reads inside see one state of the cache: no write lands between them (this
        process's writers wait for it to end; another process's are seen after it). Its
        connection is for the store's modules that read in SQL (insights)."""
        return self._db.read()

    def abandoned_when(self, stale: Callable[[], bool]) -> AbstractContextManager[None]:
        """Reads inside stop (raising database.Abandoned) soon after `stale()` turns true."""
        return self._db.abandoned_when(stale)

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the background work is done (a filter's order being built): what follows
        is measured without it (benchmarks, tests). False on timeout."""
        return self._views.settle(timeout)

    def version(self, collection: object, promotion_id: object) -> int:
        """A counter that changes whenever the cached collection changes (any process)."""
        return self.freshness(collection, promotion_id).version

    def freshness(self, collection: object, promotion_id: object) -> Scope:
        """Count, last refresh, completeness, known total and resume cursors of a cached
        collection."""
        with self._db.locked() as conn:
            return scope_of(conn, collection, promotion_id) or Scope()

    def scopes(self) -> list[Scope]:
        """Every cached collection, for `cache info`."""
        with self._db.locked() as conn:
            return scopes_where(conn, "1", ())

    def info(self) -> dict[str, str]:
        """What the file is for: profile, api_base_url, brands."""
        with self._db.locked() as conn:
            rows = conn.execute("SELECT key, value FROM info WHERE key != 'last_sid'").fetchall()
        return dict(rows)

    def count(
        self, collection: object, promotion_id: object, filter_text: str | None = None
    ) -> int:
        """How many cached records (matching the filter: every word as a word prefix)."""
        with self._db.read() as conn:
            view = self._views.view(conn, collection, promotion_id, filter_text)
        return 0 if view is None else view.total

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

        `sort` is one of the collection's sort keys (default: its default sort); `descending`
        None means the collection's default direction.
        """
        column, desc = order_column(spec_for(collection), sort, descending)
        with self._db.read() as conn:
            view = self._views.view(conn, collection, promotion_id, filter_text)
            rids = [] if view is None else self._views.rids(conn, view, column, desc, offset, limit)
            raws = dict(
                chunked(conn, "SELECT rid, raw FROM records WHERE rid IN ({marks})", (), rids)
            )
        return [json.loads(raws[rid]) for rid in rids]

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
        column, desc = order_column(spec_for(collection), sort, descending)
        with self._db.read() as conn:
            view = self._views.view(conn, collection, promotion_id, filter_text)
            return (
                None if view is None else self._views.index_of(conn, view, column, desc, record_id)
            )

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
        column, _ = order_column(spec, key, None)
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
        self, collection: object, promotion_id: object, batch_size: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Every record in the collection's default order, streamed from one consistent snapshot.

        Constant memory; a file store reads through its own read-only connection, so writers
        are not held up while an export runs.
        """
        column, desc = order_column(spec_for(collection), None, None)
        with self._db.locked() as conn:
            scope = scope_of(conn, collection, promotion_id)
        if scope is None:
            return
        private = self.path is not None
        reader = files.connect(self.path, read_only=True) if self.path else self._db.conn
        guard = contextlib.nullcontext if private else self._db.locked
        try:
            with guard():
                cursor = reader.execute(ordered(column, desc, "raw"), (scope.sid,))
            while True:
                with guard():
                    batch = cursor.fetchmany(batch_size)
                if not batch:
                    return
                yield from (json.loads(raw) for (raw,) in batch)
        finally:
            if private:
                reader.close()

    # -- writing ---------------------------------------------------------------------------

    def _scope(self, conn: sqlite3.Connection, collection: object, promotion_id: object) -> int:
        """The scope id, creating the scope (and its FTS table) on first use."""
        if found := scope_of(conn, collection, promotion_id):
            return found.sid
        # Never reuse the id of a deleted scope: other connections may still cache it.
        used = conn.execute("SELECT value FROM info WHERE key = 'last_sid'").fetchone()
        top = conn.execute("SELECT coalesce(max(sid), 0) FROM scopes").fetchone()[0]
        sid = max(int(used[0]) if used else 0, int(top)) + 1
        conn.execute("INSERT OR REPLACE INTO info (key, value) VALUES ('last_sid', ?)", (sid,))
        conn.execute(
            "INSERT INTO scopes (sid, collection, promotion_id) VALUES (?, ?, ?)",
            (sid, collection_name(collection), pid_text(promotion_id)),
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
        page: dict[str, tuple[Extracted, str]] = {}
        for item in items:
            columns = extract(spec, item)
            page[columns.id] = (columns, json.dumps(item, ensure_ascii=False))
        with self._db.write() as conn:
            sid = self._scope(conn, collection, promotion_id)
            mark = sweep
            if mark is None:
                (mark,) = conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()
            sql = f"{_CACHED} AND id IN ({{marks}})"
            stored = {
                row.id: row for row in map(Cached._make, chunked(conn, sql, (sid,), list(page)))
            }
            new = sorted((c for c, _ in page.values() if c.id not in stored), key=_insertion_order)
            old = [(c, raw, stored[c.id]) for c, raw in page.values() if c.id in stored]
            changed = [(c, raw, row) for c, raw, row in old if row.raw != raw]
            top = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
            inserts = [(sid, c.id, *_values(c, fetched), mark, page[c.id][1]) for c in new]
            conn.executemany(_INSERT, inserts)
            summaries.count_added(conn, sid, top)
            for columns, raw, row in changed:
                conn.execute(_UPDATE, (*_values(columns, fetched), mark, raw, row.rid))
                if row.text != columns.text:
                    fts.remove(conn, sid, [(row.rid, row.text)])
                    fts.add(conn, sid, [(row.rid, columns.text)])
            # We hold the write lock: the new rows are exactly those above the old top rid.
            fts.add(conn, sid, conn.execute("SELECT rid, ftext FROM records WHERE rid > ?", (top,)))
            unchanged = [row.id for _, raw, row in old if row.raw == raw]
            if sweep is not None:
                sql = "UPDATE records SET sweep = ? WHERE sid = ? AND id IN ({marks})"
                list(chunked(conn, sql, (sweep, sid), unchanged))
            conn.execute(
                "UPDATE scopes SET version = version + 1, written_at = ? WHERE sid = ?",
                (fetched, sid),
            )
        known = [c.created for c, _, _ in old if c.created is not None]
        times = [c.created for c, _ in page.values() if c.created is not None]
        newest_known, oldest = max(known, default=None), min(times, default=None)
        return WriteResult(len(new), len(changed), newest_known, oldest)

    def mark_refreshed(
        self,
        collection: object,
        promotion_id: object,
        *,
        complete: bool,
        total_items: int | None = None,
    ) -> None:
        """Record the end of a refresh (sync calls this)."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection, promotion_id)
            conn.execute(
                "UPDATE scopes SET refreshed_at = ?, complete = ?,"
                " total_items = coalesce(?, total_items), version = version + 1 WHERE sid = ?",
                (time.time(), int(complete), total_items, sid),
            )

    # -- sync bookkeeping (see sync.py) ----------------------------------------------------

    def replace_pending(
        self, collection: object, promotion_id: object, old: str | None, new: str | None
    ) -> None:
        """Atomically swap one resume cursor: add `new` (old None), drop `old` (new None)."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection, promotion_id)
            row = conn.execute("SELECT pending FROM scopes WHERE sid = ?", (sid,)).fetchone()
            cursors = [str(c) for c in json.loads(row[0]) if str(c) != old]
            _save_pending(conn, sid, [*cursors, new] if new is not None else cursors)

    def begin_sweep(self, collection: object, promotion_id: object) -> int:
        """Start a full read: returns the mark to pass to `write_page(sweep=...)`."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection, promotion_id)
            conn.execute("UPDATE scopes SET sweep = sweep + 1 WHERE sid = ?", (sid,))
            return int(conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0])

    def end_sweep(self, collection: object, promotion_id: object, sweep: int) -> list[str]:
        """Finish a full read that reached the end: delete the records it did not see (their
        ids are returned); no interrupted read is left to resume."""
        with self._db.write() as conn:
            sid = self._scope(conn, collection, promotion_id)
            _save_pending(conn, sid, [])
            unseen = list(map(Cached._make, conn.execute(f"{_CACHED} AND sweep < ?", (sid, sweep))))
            fts.remove(conn, sid, [(row.rid, row.text) for row in unseen])
            conn.executemany("DELETE FROM records WHERE rid = ?", [(row.rid,) for row in unseen])
            if unseen:
                fts.optimize(conn, sid)  # leave no deleted text in the index
                conn.execute("UPDATE scopes SET version = version + 1 WHERE sid = ?", (sid,))
            return [row.id for row in unseen]

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
        pid = None if promotion_id is None else pid_text(promotion_id)
        with self._db.locked() as conn:
            sql = "SELECT sid, count FROM scopes WHERE ? IS NULL OR promotion_id = ?"
            rows = conn.execute(sql, (pid, pid)).fetchall()
        self._delete_scopes([sid for sid, _ in rows])
        return sum(count for _, count in rows)

    def _delete_scopes(self, sids: list[int]) -> None:
        """Delete the scopes, then rewrite the file without free pages and empty the WAL (no
        deleted data left)."""
        with self._db.write() as conn:
            for sid in sids:
                conn.execute("DELETE FROM records WHERE sid = ?", (sid,))
                conn.execute("DELETE FROM scopes WHERE sid = ?", (sid,))
                fts.drop(conn, sid)
        if self.path is None:
            return
        with self._db.locked() as conn:
            conn.execute("VACUUM")
            for _ in range(50):  # another process reading: its snapshot pins the WAL a moment
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    return
                time.sleep(0.1)
        raise StoreError("another promo-tui keeps the cache busy: close it and clear again")


def _insertion_order(columns: Extracted) -> tuple[bool, float, bool, int, str]:
    """Oldest first by (created, id): rows of one created time are read back in the API's
    order (ties in the store's orders fall back on insertion order, newest inserted first)."""
    created, number = columns.created, columns.id_num
    return (created is not None, created or 0.0, number is not None, number or 0, columns.id)


def _values(columns: Extracted, fetched: float) -> tuple[object, ...]:
    return (columns.id_num, columns.created, fetched, *columns.keys, columns.text)


def _save_pending(conn: sqlite3.Connection, sid: int, cursors: list[str]) -> None:
    conn.execute(
        "UPDATE scopes SET pending = ?, complete = complete AND ? WHERE sid = ?",
        (json.dumps(cursors), not cursors, sid),
    )


_CACHED = "SELECT id, rid, ftext, raw FROM records WHERE sid = ?"
_INSERT = (
    f"INSERT INTO records (sid, id, id_num, created, fetched_at, {', '.join(KEY_COLUMNS)},"
    f" ftext, sweep, raw) VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(KEY_COLUMNS))}, ?, ?, ?)"
)
_UPDATE = (
    f"UPDATE records SET id_num = ?, created = ?, fetched_at = ?,"
    f" {', '.join(c + ' = ?' for c in KEY_COLUMNS)}, ftext = ?, sweep = ?, raw = ? WHERE rid = ?"
)
