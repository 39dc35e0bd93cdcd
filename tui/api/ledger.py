"""The rate budget of an account, shared by every promo-tui process on this machine.

A small SQLite file (`budget.sqlite3` in the platform's cache folder) holds one row per call
admitted in the last window: its API URL, its account (a digest of the account's brands, or ''
until the process has read them: never the token), the process and lane that admitted it, when
it was admitted and when it completed (a call that never left is taken out: `withdraw`). A
process admits a call only if the rows of its account, all processes together, leave room
under the limit (see `tui.api.pacing` for the rule), in one write transaction, so two
processes never take the same last slot.

Rows of a process that died are settled at once: its calls in flight count as completed when
it is found dead (they may have reached the server), its waiters go. Times are
`time.monotonic()`, which is the same clock for every process of a machine (rows left from
before the machine restarted, in that clock's future, are dropped).

A call whose account is not known yet ('') is counted against every account of its URL, and
every account's calls against it: it could belong to any of them.

When the file cannot be used (a read-only folder, a damaged file) the ledger lives in memory:
the process still paces itself, alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "budget.sqlite3"
STALE_SECONDS = 600.0  # a call in flight this long is counted as completed, whoever sent it
HOUSEKEEPING_SECONDS = 1.0  # dead processes and old rows are looked for at most this often
WAITER_SLACK = 1.0  # a waiter is fresh until this long after the time it said it would retry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    account TEXT NOT NULL,
    pacer TEXT NOT NULL,
    pid INTEGER NOT NULL,
    lane TEXT NOT NULL,
    admitted REAL NOT NULL,
    done REAL,
    window REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_url ON calls (url, account);
CREATE TABLE IF NOT EXISTS waiters (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    account TEXT NOT NULL,
    pacer TEXT NOT NULL,
    pid INTEGER NOT NULL,
    retry_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pace (
    url TEXT NOT NULL,
    account TEXT NOT NULL,
    due REAL NOT NULL,
    PRIMARY KEY (url, account)
);
CREATE TABLE IF NOT EXISTS blocks (
    url TEXT NOT NULL,
    account TEXT NOT NULL,
    until REAL NOT NULL,
    PRIMARY KEY (url, account)
);
"""


@dataclass(frozen=True)
class Account:
    """Whose budget: the API URL and the account's digest ('' while unknown)."""

    url: str
    account: str = ""

    def where(self, table: str = "") -> tuple[str, tuple[str, ...]]:
        """SQL condition (and parameters) for the rows that share this account's budget."""
        prefix = f"{table}." if table else ""
        if not self.account:
            return f"{prefix}url = ?", (self.url,)
        return f"{prefix}url = ? AND {prefix}account IN (?, '')", (self.url, self.account)


@dataclass(frozen=True)
class Usage:
    """The account's calls in the window: completion times (oldest first) and calls in flight."""

    done: tuple[float, ...]
    in_flight: int
    blocked_until: float  # 0 when no 429 holds the account
    interactive_waiting: bool
    bulk_due: float  # when the account's next BULK call is due on its even schedule (-inf: now)
    interactive: int  # INTERACTIVE calls of the account in the last half window (or in flight)

    @property
    def used(self) -> int:
        return len(self.done) + self.in_flight


# The pacer's rule, applied inside the ledger's transaction: usage -> (admit?, seconds to wait).
Decide = Callable[[Usage], "tuple[bool, float | None]"]


class Ledger:
    """One connection to the shared file (or to memory), safe to use from any thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._housekept = float("-inf")
        self._conn = self._open(path)

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            try:
                return _connect(path)
            except (OSError, sqlite3.Error) as exc:
                if isinstance(exc, sqlite3.DatabaseError) and path.exists():
                    with contextlib.suppress(OSError, sqlite3.Error):  # it is only a cache
                        for name in (path.name, path.name + "-wal", path.name + "-shm"):
                            path.with_name(name).unlink(missing_ok=True)
                        return _connect(path)
                log.info("the shared rate budget cannot be used (%s): pacing alone", exc)
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        conn.executescript(_SCHEMA)
        return conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- reading --------------------------------------------------------------------------------

    def _usage(self, conn: sqlite3.Connection, who: Account, window: float, now: float) -> Usage:
        where, params = who.where()
        counted, counted_params = where, params
        if not who.account:  # as much as the busiest account it could be
            busiest = conn.execute(
                "SELECT account FROM calls WHERE url = ? AND account != ''"
                " AND (done IS NULL OR done > ?) GROUP BY account ORDER BY count(*) DESC LIMIT 1",
                (who.url, now - window),
            ).fetchone()
            if busiest is not None:
                counted, counted_params = Account(who.url, busiest[0]).where()
        done = tuple(
            row[0]
            for row in conn.execute(
                f"SELECT done FROM calls WHERE {counted} AND done > ? ORDER BY done",
                (*counted_params, now - window),
            )
        )
        (in_flight,) = conn.execute(
            f"SELECT count(*) FROM calls WHERE {counted} AND done IS NULL", counted_params
        ).fetchone()
        (blocked,) = conn.execute(
            f"SELECT coalesce(max(until), 0) FROM blocks WHERE {where}", params
        ).fetchone()
        waiting = conn.execute(
            f"SELECT 1 FROM waiters WHERE {where} AND retry_at > ? LIMIT 1",
            (*params, now - WAITER_SLACK),
        ).fetchone()
        (due,) = conn.execute(f"SELECT max(due) FROM pace WHERE {where}", params).fetchone()
        (interactive,) = conn.execute(
            f"SELECT count(*) FROM calls WHERE {counted} AND lane = 'interactive'"
            " AND (done IS NULL OR done > ?)",
            (*counted_params, now - window / 2),
        ).fetchone()
        return Usage(
            done,
            in_flight,
            blocked if blocked > now else 0.0,
            waiting is not None,
            float("-inf") if due is None else due,
            interactive,
        )

    def usage(self, who: Account, window: float, now: float) -> Usage:
        with self._lock:
            return self._usage(self._conn, who, window, now)

    # -- admission ------------------------------------------------------------------------------

    def admit(
        self,
        who: Account,
        pacer: str,
        lane: str,
        window: float,
        now: float,
        decide: Decide,
        spacing: float = 0.0,
    ) -> tuple[int | None, float | None]:
        """In one transaction: `decide(usage)` -> (admit?, wait); an admitted call gets a row,
        and moves the account's bulk schedule `spacing` on (from now if it lags behind).

        Returns (row id, None) when admitted, else (None, seconds to wait; None: a completion).
        """
        with self._transaction() as conn:
            self._housekeeping(conn, now)
            usage = self._usage(conn, who, window, now)
            admit, wait = decide(usage)
            if not admit:
                return None, wait
            if spacing:
                conn.execute(
                    "INSERT INTO pace (url, account, due) VALUES (?, ?, ?)"
                    " ON CONFLICT (url, account) DO UPDATE SET due = excluded.due",
                    (who.url, who.account, max(usage.bulk_due, now) + spacing),
                )
            cursor = conn.execute(
                "INSERT INTO calls (url, account, pacer, pid, lane, admitted, window)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (who.url, who.account, pacer, self._pid, lane, now, window),
            )
            return cursor.lastrowid, None

    def complete(self, row: int, now: float) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE calls SET done = ? WHERE id = ? AND done IS NULL", (now, row))

    def withdraw(self, row: int) -> None:
        """An admitted call never left this machine: it takes nothing of the budget."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM calls WHERE id = ?", (row,))

    def waiting(self, who: Account, pacer: str, row: int | None, retry_at: float) -> int:
        """Note (or renew) an interactive call waiting for the budget; its row id."""
        with self._transaction() as conn:
            if row is not None:
                found = conn.execute(
                    "UPDATE waiters SET retry_at = ? WHERE id = ?", (retry_at, row)
                )
                if found.rowcount:
                    return row
            cursor = conn.execute(
                "INSERT INTO waiters (url, account, pacer, pid, retry_at) VALUES (?, ?, ?, ?, ?)",
                (who.url, who.account, pacer, self._pid, retry_at),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def done_waiting(self, row: int) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM waiters WHERE id = ?", (row,))

    def block(self, who: Account, until: float) -> None:
        """Every call of the account waits until `until` (after a 429 from the server)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO blocks (url, account, until) VALUES (?, ?, ?)"
                " ON CONFLICT (url, account) DO UPDATE SET until = max(until, excluded.until)",
                (who.url, who.account, until),
            )

    def identify(self, pacer: str, who: Account) -> None:
        """The pacer's account is known: its rows join that account's budget."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM pace WHERE url = ? AND account = ? AND"
                " due < (SELECT due FROM pace WHERE url = ? AND account = '')",
                (who.url, who.account, who.url),
            )
            conn.execute(
                "UPDATE OR IGNORE pace SET account = ? WHERE url = ? AND account = ''",
                (who.account, who.url),
            )
            for table in ("calls", "waiters"):
                conn.execute(
                    f"UPDATE {table} SET account = ? WHERE pacer = ? AND account = ''",
                    (who.account, pacer),
                )

    # -- housekeeping ---------------------------------------------------------------------------

    def _housekeeping(self, conn: sqlite3.Connection, now: float) -> None:
        """Settle the rows of dead processes and forget rows no window can count any more."""
        if 0 <= now - self._housekept < HOUSEKEEPING_SECONDS:
            return
        self._housekept = now
        pids = {
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM calls WHERE done IS NULL UNION SELECT pid FROM waiters"
            )
        }
        for pid in pids - {self._pid}:
            if not process_alive(pid):
                conn.execute("UPDATE calls SET done = ? WHERE pid = ? AND done IS NULL", (now, pid))
                conn.execute("DELETE FROM waiters WHERE pid = ?", (pid,))
        stale = now - STALE_SECONDS
        # Rows of the clock before the machine restarted are in the future (its monotonic clock
        # starts again near 0); the margin is far beyond any wait for the file's lock.
        future = now + STALE_SECONDS
        conn.execute("DELETE FROM calls WHERE admitted > ?", (future,))
        for table, column in (("waiters", "retry_at"), ("blocks", "until"), ("pace", "due")):
            conn.execute(f"DELETE FROM {table} WHERE {column} > ?", (future,))
        conn.execute("UPDATE calls SET done = ? WHERE done IS NULL AND admitted < ?", (now, stale))
        conn.execute("DELETE FROM calls WHERE done < ? - window", (now,))
        conn.execute("DELETE FROM waiters WHERE retry_at < ?", (now - STALE_SECONDS,))
        conn.execute("DELETE FROM blocks WHERE until < ?", (now,))
        conn.execute("DELETE FROM pace WHERE due < ?", (now - STALE_SECONDS,))


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    conn = sqlite3.connect(path, timeout=15.0, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")  # what it holds is worthless after a crash
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def process_alive(pid: int) -> bool:
    """Whether a process exists (POSIX); elsewhere assumed alive (stale rows still expire)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_ledgers: dict[Path, Ledger] = {}
_ledgers_lock = threading.Lock()


def shared_ledger(directory: Path) -> Ledger:
    """The process's one ledger on the machine-wide file in `directory`."""
    path = directory / FILE_NAME
    with _ledgers_lock:
        ledger = _ledgers.get(path)
        if ledger is None:
            ledger = _ledgers[path] = Ledger(path)
        return ledger
