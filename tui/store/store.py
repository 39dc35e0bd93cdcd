"""The store: write-through of fetched pages, sync bookkeeping, deleting personal data.

`Store.open` picks the profile's file for the account (or memory when caching is off); the
read API is in views.py, the connection and its recovery in base.py.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.store import files, fts
from tui.store.base import StoreError, connect_file
from tui.store.schema import KEY_COLUMNS, ensure_schema
from tui.store.specs import collection_name, extract, spec_for
from tui.store.views import PAGE_SIZE, Freshness, ScopeInfo, Views, pid_text

__all__ = ["PAGE_SIZE", "Freshness", "ScopeInfo", "Store", "StoreError", "WriteResult"]

_CHUNK = 500  # SQL parameters per IN (...) list


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


class Store(Views):
    """A cache database (a file, or memory when caching is off). Use `Store.open`."""

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
            with self._write() as conn:
                conn.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", values.items())

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
                _in_chunks(conn, "UPDATE records SET sweep = ?", (sweep,), sid, unchanged)
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
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
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
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
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
                (collection_name(collection), pid_text(promotion_id)),
            ).fetchone()
        return [] if row is None else [str(c) for c in json.loads(row[0])]

    def replace_pending(
        self, collection: object, promotion_id: object, old: str | None, new: str | None
    ) -> None:
        """Atomically swap one resume cursor: add `new` (old None), drop `old` (new None)."""
        with self._write() as conn:
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
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            _save_pending(conn, sid, cursors)

    def begin_sweep(self, collection: object, promotion_id: object) -> int:
        """Start a full read: returns the mark to pass to `write_page(sweep=...)`."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
            conn.execute("UPDATE scopes SET sweep = sweep + 1 WHERE sid = ?", (sid,))
            return int(conn.execute("SELECT sweep FROM scopes WHERE sid = ?", (sid,)).fetchone()[0])

    def end_sweep(self, collection: object, promotion_id: object, sweep: int) -> list[str]:
        """Finish a full read: delete the records it did not see; returns their ids."""
        with self._write() as conn:
            sid = self._scope(conn, collection_name(collection), pid_text(promotion_id))
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
                    "SELECT sid, count FROM scopes WHERE promotion_id = ?",
                    (pid_text(promotion_id),),
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
