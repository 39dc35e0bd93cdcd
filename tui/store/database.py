"""The store's connection: one per store behind a lock, its transactions and its recovery.

Several processes may share a file (WAL, busy timeout, writes in `BEGIN IMMEDIATE`: one writer
at a time, no deadlock). A file found damaged is moved aside and rebuilt empty: it is a cache.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.store import files
from tui.store.schema import SchemaMismatch, ensure_schema

log = logging.getLogger(__name__)


class StoreError(Exception):
    """The cache could not be used (its message is meant for the user)."""


class Abandoned(Exception):
    """Reads made under `Database.abandoned_when` stopped: the caller no longer wanted them."""


PROGRESS_STEPS = 20_000  # SQLite instructions between two checks of `abandoned_when`


class Database:
    """A cache database connection (a file, or memory when caching is off)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, warnings: list[str]):
        self.conn = conn
        self.path = path
        self.warnings = warnings
        self.on_reset: Callable[[], None] = lambda: None
        """Called when the connection's temporary tables are gone (views forget theirs)."""
        self._lock = threading.RLock()
        self._waiting: list[None] = []  # one entry per thread waiting for the lock

    def close(self) -> None:
        """Close the connection (the last one to close checkpoints the WAL)."""
        with self._lock:
            self.conn.close()

    @property
    def contended(self) -> bool:
        """Whether another thread waits for the connection (background work then yields)."""
        return bool(self._waiting)

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; a damaged file is moved aside and rebuilt.

        The call that meets the damage raises StoreError with the message (also appended to
        `warnings`); later calls work on the new, empty file.
        """
        if not self._lock.acquire(blocking=False):
            self._waiting.append(None)  # (list appends and pops are atomic)
            try:
                self._lock.acquire()
            finally:
                self._waiting.pop()
        try:
            yield self.conn
        except sqlite3.DatabaseError as exc:
            if self.path is None or not files.is_corrupt(exc):
                raise
            self.conn.close()
            self.on_reset()
            aside = files.move_aside(self.path)
            message = f"The cache file was damaged ({exc}); moved it to {aside}."
            log.warning("%s", message)
            self.warnings.append(message)
            files.create_private(self.path)
            self.conn = _connect_checked(self.path)
            raise StoreError(message) from exc
        finally:
            self._lock.release()

    @contextmanager
    def abandoned_when(self, stale: Callable[[], bool]) -> Iterator[None]:
        """Reads inside stop (raising Abandoned) soon after `stale()` turns true, e.g. a filter
        evaluated ahead of time and typed over meanwhile. Only reads: a write stopped midway
        would roll its transaction back. The connection is held throughout."""
        with self.locked() as conn:
            conn.set_progress_handler(lambda: int(stale()), PROGRESS_STEPS)
            try:
                yield
            except sqlite3.OperationalError as exc:
                if not stale() or not interrupted(exc) or conn is not self.conn:
                    raise
                conn.set_progress_handler(None, 0)
                self.reset(conn)
                raise Abandoned() from exc
            finally:
                if conn is self.conn:  # (not if a damaged file had it replaced)
                    conn.set_progress_handler(None, 0)

    def reset(self, conn: sqlite3.Connection) -> None:
        """Roll back and drop every temporary table (a statement stopped midway may have left
        them half filled, or rolled back with its transaction); views forget theirs."""
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        self.on_reset()
        tables = conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'table'")
        for (name,) in tables.fetchall():
            conn.execute(f"DROP TABLE temp.{name}")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: the statements of one call (or one `snapshot`) see one state."""
        with self.locked() as conn:
            if conn.in_transaction:  # inside a snapshot: its transaction holds
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn is self.conn and conn.in_transaction:  # (not if it was rebuilt)
                    conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; BEGIN IMMEDIATE waits (busy timeout) for other writers."""
        with self.locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def interrupted(exc: sqlite3.OperationalError) -> bool:
    """Whether a statement was stopped by a progress handler."""
    return "interrupted" in str(exc)


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


CHUNK = 500  # SQL parameters per IN (...) list


def chunked(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...], values: Sequence[object]
) -> Iterator[Any]:
    """The rows of `sql` run over `values` a chunk at a time: `{marks}` in it is the IN list's
    placeholders, `params` come before them."""
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(sql.format(marks=marks), (*params, *chunk))
