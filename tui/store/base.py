"""The store's connection: one per process behind a lock, with its transactions and recovery.

Thread-safe (one connection behind a lock); several processes may share a file (WAL, busy
timeout, writes in `BEGIN IMMEDIATE`, so one writer at a time and no deadlock). A file found
damaged is moved aside and rebuilt empty: it is a cache, the API has the data.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from tui.store import files, query
from tui.store.schema import SchemaMismatch, ensure_schema

log = logging.getLogger(__name__)


_C = TypeVar("_C", bound="Connected")


class StoreError(Exception):
    """The cache could not be used (its message is meant for the user)."""


class Abandoned(Exception):
    """Reads made under `Connected.abandoned_when` stopped: the caller no longer wanted them."""


PROGRESS_STEPS = 20_000  # SQLite instructions between two checks of `abandoned_when` (~1 ms)


class Connected:
    """A cache database connection (a file, or memory when caching is off)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, warnings: list[str]):
        self._conn = conn
        self._lock = threading.RLock()
        self._matches = query.MatchSets()
        self._anchors: dict[tuple[object, ...], query.Anchors] = {}
        self._known: dict[tuple[object, ...], query.Known] = {}
        self._writes = 0
        self.path = path
        self.warnings = warnings

    def close(self) -> None:
        """Close the connection (the last one to close checkpoints the WAL)."""
        with self._lock:
            self._conn.close()

    def __enter__(self: _C) -> _C:
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
                self._forget_queries()
                aside = files.move_aside(self.path)
                message = f"The cache file was damaged ({exc}); moved it to {aside}."
                log.warning("%s", message)
                self.warnings.append(message)
                files.create_private(self.path)
                self._conn = _connect_checked(self.path)
                raise StoreError(message) from exc

    @contextmanager
    def abandoned_when(self, stale: Callable[[], bool]) -> Iterator[None]:
        """Reads inside stop (raising Abandoned) soon after `stale()` turns true, e.g. a filter
        evaluated ahead of time and typed over meanwhile. Only reads: a write stopped midway
        would roll its transaction back. The connection is held throughout."""
        with self._locked() as conn:
            conn.set_progress_handler(lambda: int(stale()), PROGRESS_STEPS)
            try:
                yield
            except sqlite3.OperationalError as exc:
                if not stale() or "interrupted" not in str(exc) or conn is not self._conn:
                    raise
                conn.set_progress_handler(None, 0)
                self._reset_queries(conn)
                raise Abandoned() from exc
            finally:
                if conn is self._conn:  # (not if a damaged file had it replaced)
                    conn.set_progress_handler(None, 0)

    def _reset_queries(self, conn: sqlite3.Connection) -> None:
        """Forget the query bookkeeping and drop its temporary tables (a statement stopped
        midway may have left them half filled, or rolled back with its transaction)."""
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        self._forget_queries()
        tables = conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'table'")
        for (name,) in tables.fetchall():
            conn.execute(f"DROP TABLE temp.{name}")

    def _forget_queries(self) -> None:
        """Drop what queries noted of the connection's views: match sets, anchors, positions."""
        self._matches.forget()
        self._anchors.clear()
        self._known.clear()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """The reads inside see one state of the cache: no write lands between them (this
        process's writers wait for it to end; another process's are seen after it)."""
        with self._read():
            yield

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: the statements of one call (or one `snapshot`) see one state."""
        with self._locked() as conn:
            if conn.in_transaction:  # inside a snapshot: its transaction holds
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn is self._conn and conn.in_transaction:  # (not if it was rebuilt)
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


def connect_file(
    path: Path, warnings: list[str], on_upgrade: Callable[[], None] | None = None
) -> sqlite3.Connection:
    """Connect to a cache file; a corrupt or unreadable one is moved aside and rebuilt; an
    older one is migrated (`on_upgrade` is called first)."""
    files.create_private(path)
    try:
        return _connect_checked(path, on_upgrade)
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


def _connect_checked(
    path: Path, on_upgrade: Callable[[], None] | None = None
) -> sqlite3.Connection:
    """Connect, create or migrate the schema, and read every table's first page."""
    conn = files.connect(path)
    try:
        ensure_schema(conn, on_upgrade)
        for table in ("info", "scopes", "records"):
            conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()
    except BaseException:
        conn.close()
        raise
    return conn
