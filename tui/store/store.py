"""The local cache of fetched collections (SQLite): write-through of pages, SQL-side read API.

Made for a virtual table: `count`, `rows(offset, limit)` and `index_of` materialise only what is
asked, sorting walks an index on the sort column and filtering uses an FTS5 index, so a million
rows scroll and filter without being loaded. `version` is a cheap per-collection change counter
(it also sees other processes' writes) telling a view when to query again.

Thread-safe (one connection behind a lock); several processes may share a file (WAL, busy
timeout, writes in `BEGIN IMMEDIATE` so there is one writer at a time and no deadlock).
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

from tui.store import files
from tui.store.schema import KEY_COLUMNS, SchemaMismatch, ensure_schema
from tui.store.specs import Spec, collection_name, extract, spec_for

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
    refreshed_at: float | None  # end of the last completed refresh (epoch seconds)
    written_at: float | None  # last page written
    complete: bool  # the whole collection was read at least once and the last refresh finished
    total_items: int | None  # upstream total the API last reported

    @property
    def pages_known(self) -> int:
        """Pages the collection spans (upstream total when known, else what is cached)."""
        return math.ceil((self.total_items or self.count) / PAGE_SIZE)


@dataclass(frozen=True)
class ScopeInfo:
    """One cached collection of one promotion (`promotion_id` "" for account-wide ones)."""

    collection: str
    promotion_id: str
    count: int
    refreshed_at: float | None
    written_at: float | None
    complete: bool


def _pid(promotion_id: object) -> str:
    return "" if promotion_id is None else str(promotion_id)


def _match_expression(sid: int, filter_text: str | None) -> str | None:
    """FTS5 query: the scope AND every word as a prefix ("jo gmail" -> jo* AND gmail*)."""
    if not filter_text:
        return None
    terms = [
        '"' + word.replace('"', '""') + '"*'
        for word in filter_text.split()
        if any(ch.isalnum() for ch in word)
    ]
    if not terms:
        return None
    return f'sid : "{sid}" AND ftext : ({" AND ".join(terms)})'


class Store:
    """A cache database (a file, or memory when caching is off). Use `Store.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, warnings: list[str]):
        self._conn = conn
        self._lock = threading.RLock()
        self._counts: dict[tuple[int, str], tuple[int, int]] = {}
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

        With `enabled=False` the store lives in memory and nothing touches the disk.
        `max_age_days` deletes collections not refreshed for that long.
        """
        if not enabled:
            conn = files.connect(":memory:")
            ensure_schema(conn)
            return cls(conn, None, [])
        path = files.database_path(profile, api_base_url, files.brands_text(brands_key), directory)
        warnings: list[str] = []
        try:
            conn = _open_file(path, warnings)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cache {path}: {exc}") from exc
        store = cls(conn, path, warnings)
        store._set_info(
            profile=profile, api_base_url=api_base_url, brands=files.brands_text(brands_key)
        )
        if max_age_days is not None:
            store.prune(max_age_days * 86400.0)
        return store

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed when the last one closes)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def in_memory(self) -> bool:
        return self.path is None

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._writes += 1

    def _scope(self, conn: sqlite3.Connection, collection: str, pid: str) -> int:
        conn.execute(
            "INSERT OR IGNORE INTO scopes (collection, promotion_id) VALUES (?, ?)",
            (collection, pid),
        )
        row = conn.execute(
            "SELECT sid FROM scopes WHERE collection = ? AND promotion_id = ?", (collection, pid)
        ).fetchone()
        return int(row[0])

    def write_page(
        self,
        collection: object,
        promotion_id: object,
        items: Sequence[dict[str, Any]],
        fetched_at: float | None = None,
    ) -> WriteResult:
        """Store a page of raw records (insert new ones, update changed ones) atomically."""
        spec = spec_for(collection)
        fetched = time.time() if fetched_at is None else fetched_at
        prepared = {}
        for item in items:
            columns = extract(spec, item)
            prepared[columns.id] = (columns, json.dumps(item, ensure_ascii=False))
        added = changed = 0
        with self._write() as conn:
            sid = self._scope(conn, spec.name, _pid(promotion_id))
            stored = self._stored_raw(conn, sid, list(prepared))
            for record_id, (columns, raw) in prepared.items():
                values = (
                    columns.id_num,
                    columns.created,
                    fetched,
                    *columns.keys,
                    columns.text,
                    raw,
                )
                if record_id not in stored:
                    conn.execute(_INSERT, (sid, record_id, *values))
                    added += 1
                elif stored[record_id] != raw:
                    conn.execute(_UPDATE, (*values, sid, record_id))
                    changed += 1
            conn.execute(
                "UPDATE scopes SET version = version + 1, written_at = ? WHERE sid = ?",
                (fetched, sid),
            )
        return WriteResult(added, changed, len(prepared) - added - changed)

    def _stored_raw(self, conn: sqlite3.Connection, sid: int, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                conn.execute(
                    f"SELECT id, raw FROM records WHERE sid = ? AND id IN ({marks})", (sid, *chunk)
                ).fetchall()
            )
        return found

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

    def delete_records(self, collection: object, promotion_id: object, ids: Iterable[str]) -> int:
        """Delete records by id; returns how many were there."""
        ids = list(ids)
        deleted = 0
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), _pid(promotion_id))
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(
                    f"DELETE FROM records WHERE sid = ? AND id IN ({marks})", (sid, *chunk)
                )
                deleted += cur.rowcount
            conn.execute("UPDATE scopes SET version = version + 1 WHERE sid = ?", (sid,))
        return deleted

    def prune(self, max_age_seconds: float) -> int:
        """Delete every collection not refreshed (or written) for `max_age_seconds`."""
        cutoff = time.time() - max_age_seconds
        with self._lock:
            old = self._conn.execute(
                "SELECT sid FROM scopes WHERE coalesce(refreshed_at, written_at, 0) < ?", (cutoff,)
            ).fetchall()
        if old:
            self._delete_scopes([sid for (sid,) in old])
        return len(old)

    def clear(self, promotion_id: object | None = None) -> int:
        """Delete the cached records of one promotion (or all) and scrub them from the file.

        Returns the number of records deleted. Afterwards neither the file nor its WAL holds
        them: secure_delete zeroes freed content, the FTS index is rebuilt, the file vacuumed
        and the WAL truncated.
        """
        with self._lock:
            if promotion_id is None:
                rows = self._conn.execute("SELECT sid, count FROM scopes").fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT sid, count FROM scopes WHERE promotion_id = ?", (_pid(promotion_id),)
                ).fetchall()
            self._delete_scopes([sid for sid, _ in rows])
            return sum(count for _, count in rows)

    def _delete_scopes(self, sids: list[int]) -> None:
        with self._write() as conn:
            for sid in sids:
                conn.execute("DELETE FROM records WHERE sid = ?", (sid,))
                conn.execute("DELETE FROM scopes WHERE sid = ?", (sid,))
            conn.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        self._counts.clear()
        self.scrub()

    def scrub(self) -> None:
        """Rewrite the file without free pages and empty the WAL (no deleted data left)."""
        if self.in_memory:
            return
        with self._lock:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- reading ---------------------------------------------------------------------------

    def _sid(self, collection: object, promotion_id: object) -> int | None:
        row = self._conn.execute(
            "SELECT sid FROM scopes WHERE collection = ? AND promotion_id = ?",
            (collection_name(collection), _pid(promotion_id)),
        ).fetchone()
        return None if row is None else int(row[0])

    def sortable(self, collection: object) -> tuple[str, ...]:
        """The sort keys `rows` accepts for a collection (the first is its default)."""
        spec = spec_for(collection)
        names = spec.sortable()
        return (spec.default_sort, *(n for n in names if n != spec.default_sort))

    def default_descending(self, collection: object) -> bool:
        """The default direction of the collection's default sort."""
        return spec_for(collection).default_descending

    def version(self, collection: object, promotion_id: object) -> int:
        """A counter that changes whenever the cached collection changes (any process)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT version FROM scopes WHERE collection = ? AND promotion_id = ?",
                (collection_name(collection), _pid(promotion_id)),
            ).fetchone()
        return -1 if row is None else int(row[0])

    def data_version(self) -> int:
        """Changes whenever anything in the database changes (this or another process)."""
        with self._lock:
            other = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        return other * 1_000_000_007 + self._writes

    def freshness(self, collection: object, promotion_id: object) -> Freshness:
        """Count, last refresh, completeness and upstream total of a cached collection."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count, refreshed_at, written_at, complete, total_items FROM scopes"
                " WHERE collection = ? AND promotion_id = ?",
                (collection_name(collection), _pid(promotion_id)),
            ).fetchone()
        if row is None:
            return Freshness(0, None, None, False, None)
        return Freshness(int(row[0]), row[1], row[2], bool(row[3]), row[4])

    def scopes(self) -> list[ScopeInfo]:
        """Every cached collection, for `cache info`."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT collection, promotion_id, count, refreshed_at, written_at, complete"
                " FROM scopes ORDER BY promotion_id, collection"
            ).fetchall()
        return [ScopeInfo(c, p, n, r, w, bool(k)) for c, p, n, r, w, k in rows]

    def info(self) -> dict[str, str]:
        """What the file is for: profile, api_base_url, brands."""
        with self._lock:
            return dict(self._conn.execute("SELECT key, value FROM info").fetchall())

    def _set_info(self, **values: str) -> None:
        if self.info() == values:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO info (key, value) VALUES (?, ?)", values.items()
            )

    def count(
        self, collection: object, promotion_id: object, filter_text: str | None = None
    ) -> int:
        """How many cached records (matching the filter: every word as a word prefix)."""
        with self._lock:
            sid = self._sid(collection, promotion_id)
            if sid is None:
                return 0
            return self._count(sid, _match_expression(sid, filter_text))

    def _count(self, sid: int, match: str | None) -> int:
        row = self._conn.execute(
            "SELECT count, version FROM scopes WHERE sid = ?", (sid,)
        ).fetchone()
        if row is None:
            return 0
        total, version = int(row[0]), int(row[1])
        if match is None:
            return total
        cached = self._counts.get((sid, match))
        if cached and cached[0] == version:
            return cached[1]
        found = int(
            self._conn.execute(
                "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?", (match,)
            ).fetchone()[0]
        )
        self._counts[(sid, match)] = (version, found)
        return found

    def _order(self, spec: Spec, sort: str | None, descending: bool | None) -> tuple[str, bool]:
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
        """Raw records `offset` to `offset + limit` in the given order (ties by storage order).

        `sort` is one of `sortable(collection)` (default: the first); `descending` None means
        the collection's default direction.
        """
        spec = spec_for(collection)
        column, desc = self._order(spec, sort, descending)
        with self._lock:
            sid = self._sid(spec.name, promotion_id)
            if sid is None or limit <= 0:
                return []
            match = _match_expression(sid, filter_text)
            total = self._count(sid, match)
            offset = max(offset, 0)
            limit = min(limit, total - offset)
            if limit <= 0:
                return []
            reverse = offset + limit / 2 > total / 2  # walk from the nearer end
            if reverse:
                offset, desc = total - offset - limit, not desc
            rids = self._page_rids(sid, match, total, column, desc, offset, limit)
            raws = self._raw_by_rid(rids)
        ordered = [json.loads(raws[rid]) for rid in rids if rid in raws]
        return ordered[::-1] if reverse else ordered

    def _page_rids(
        self,
        sid: int,
        match: str | None,
        matches: int,
        column: str,
        desc: bool,
        offset: int,
        limit: int,
    ) -> list[int]:
        direction = "DESC" if desc else "ASC"
        order = f"ORDER BY {column} {direction}, rid {direction} LIMIT ? OFFSET ?"
        index = f"records_{column}"
        if match is None:
            sql = f"SELECT rid FROM records INDEXED BY {index} WHERE sid = ? {order}"
            params: tuple[object, ...] = (sid, limit, offset)
        else:
            scope_total = self._count(sid, None)
            walk_cost = (offset + limit) * scope_total / max(matches, 1)
            matched = "SELECT rowid FROM records_fts WHERE records_fts MATCH ?"
            if walk_cost < matches * 8:  # many matches: walk the sort index, probe the set
                sql = (
                    f"SELECT rid FROM records INDEXED BY {index}"
                    f" WHERE sid = ? AND rid IN ({matched}) {order}"
                )
                params = (sid, match, limit, offset)
            else:  # few matches: read just those rows and sort them
                sql = f"SELECT rid FROM records NOT INDEXED WHERE rid IN ({matched}) {order}"
                params = (match, limit, offset)
        return [rid for (rid,) in self._conn.execute(sql, params)]

    def _raw_by_rid(self, rids: list[int]) -> dict[int, str]:
        marks = ",".join("?" * len(rids))
        return dict(
            self._conn.execute(f"SELECT rid, raw FROM records WHERE rid IN ({marks})", rids)
        )

    def get(
        self, collection: object, promotion_id: object, record_id: object
    ) -> dict[str, Any] | None:
        """One cached record by id."""
        with self._lock:
            sid = self._sid(collection, promotion_id)
            row = None
            if sid is not None:
                row = self._conn.execute(
                    "SELECT raw FROM records WHERE sid = ? AND id = ?", (sid, str(record_id))
                ).fetchone()
        return None if row is None else json.loads(row[0])

    def known_ids(self, collection: object, promotion_id: object, ids: Iterable[str]) -> set[str]:
        """Which of these ids are cached."""
        with self._lock:
            sid = self._sid(collection, promotion_id)
            if sid is None:
                return set()
            return set(self._stored_raw(self._conn, sid, [str(i) for i in ids]))

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
        column, desc = self._order(spec, sort, descending)
        with self._lock:
            sid = self._sid(spec.name, promotion_id)
            if sid is None:
                return None
            row = self._conn.execute(
                f"SELECT rid, {column} FROM records WHERE sid = ? AND id = ?", (sid, str(record_id))
            ).fetchone()
            if row is None:
                return None
            rid, value = row
            match = _match_expression(sid, filter_text)
            if (
                match is not None
                and not self._conn.execute(
                    "SELECT 1 FROM records_fts WHERE records_fts MATCH ? AND rowid = ?",
                    (match, rid),
                ).fetchone()
            ):
                return None
            before = _before(column, value, desc)
            sql = f"SELECT count(*) FROM records WHERE sid = ? AND ({before})"
            params: tuple[object, ...] = (
                (sid, value, value, rid) if value is not None else (sid, rid)
            )
            if match is not None:
                sql += " AND rid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)"
                params += (match,)
            return int(self._conn.execute(sql, params).fetchone()[0])

    def iter_records(
        self,
        collection: object,
        promotion_id: object,
        filter_text: str | None = None,
        sort: str | None = None,
        descending: bool | None = None,
        batch_size: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record in order, streamed in batches from one consistent snapshot.

        A file store reads through its own read-only connection, so writers are not held up.
        """
        spec = spec_for(collection)
        column, desc = self._order(spec, sort, descending)
        direction = "DESC" if desc else "ASC"
        with self._lock:
            sid = self._sid(spec.name, promotion_id)
        if sid is None:
            return
        match = _match_expression(sid, filter_text)
        index = f"records_{column}"
        sql = f"SELECT raw FROM records INDEXED BY {index} WHERE sid = ?"
        params: tuple[object, ...] = (sid,)
        if match is not None:
            sql += " AND rid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)"
            params += (match,)
        sql += f" ORDER BY {column} {direction}, rid {direction}"
        reader = self._conn if self.path is None else files.connect(self.path, read_only=True)
        guard = self._lock if reader is self._conn else contextlib.nullcontext()
        try:
            with guard:
                cursor = reader.execute(sql, params)
            while True:
                with guard:
                    batch = cursor.fetchmany(batch_size)
                if not batch:
                    break
                for (raw,) in batch:
                    yield json.loads(raw)
        finally:
            if reader is not self._conn:
                reader.close()


def _before(column: str, value: object, desc: bool) -> str:
    """SQL for "comes before (value, rid)" in ORDER BY column, rid (NULLs sort lowest)."""
    if value is None:  # NULLs come first ascending, last descending
        if desc:
            return f"{column} IS NOT NULL OR ({column} IS NULL AND rid > ?)"
        return f"{column} IS NULL AND rid < ?"
    if desc:
        return f"{column} > ? OR ({column} = ? AND rid > ?)"
    return f"{column} IS NULL OR {column} < ? OR ({column} = ? AND rid < ?)"


_INSERT = (
    f"INSERT INTO records (sid, id, id_num, created, fetched_at, {', '.join(KEY_COLUMNS)},"
    f" ftext, raw) VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(KEY_COLUMNS))}, ?, ?)"
)
_UPDATE = (
    f"UPDATE records SET id_num = ?, created = ?, fetched_at = ?,"
    f" {', '.join(c + ' = ?' for c in KEY_COLUMNS)}, ftext = ?, raw = ? WHERE sid = ? AND id = ?"
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
        warnings.append(
            f"The cache file was damaged ({exc}); moved it to {aside}, starting afresh."
        )
    for warning in warnings:
        log.warning("%s", warning)
    files.create_private(path)
    return _connect_checked(path)


def _connect_checked(path: Path) -> sqlite3.Connection:
    conn = files.connect(path)
    try:
        ensure_schema(conn)
        conn.execute("SELECT count(*) FROM scopes").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn
