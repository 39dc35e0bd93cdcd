"""The coin-transaction journal: every intent is on disk (fsync'd) before its POST leaves.

One JSON object a line, each a full snapshot of an entry; the last line of an id is its state:
`intent` (about to send) -> `applied` | `not_applied` | `unknown`. A crash mid-POST leaves an
`intent` entry, which `EasypromosClient.reconcile` settles by reading the user's transactions.

The API takes no idempotency key, so each entry carries a short random `reference` that is sent
at the end of its concept (`Goodwill · ref 7K3Q9`): reading the user's transactions back then
finds exactly this transaction, never a colleague's identical one. The file is the user's alone
(0600 in a 0700 folder): it names users and amounts.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import threading
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from tui import paths
from tui.api.errors import JournalUnavailable
from tui.api.models import CoinTransaction, to_datetime

JOURNAL_NAME = "coin-journal.jsonl"
# How far a server's `created` may sit before our intent time (clock skew) and still match
# (entries without a reference only).
MATCH_MARGIN = timedelta(minutes=2)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud safely
REFERENCE_LENGTH = 5
REFERENCE_SEPARATOR = " · ref "
REFERENCE_SPACE = len(REFERENCE_SEPARATOR) + REFERENCE_LENGTH
"""Characters a reference adds to a concept."""


def new_reference() -> str:
    """A random reference (30^5, about 24 million: unique among one user's transactions)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class EntryState(str, Enum):
    INTENT = "intent"
    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class JournalEntry:
    """One coin transaction we meant to send, and what became of it."""

    id: str
    account: str
    promotion_id: str
    user_id: str
    amount: int | float
    concept: str
    created_at: datetime
    state: EntryState = EntryState.INTENT
    transaction_id: str | None = None
    note: str = ""
    reference: str = ""

    @property
    def posted_concept(self) -> str:
        """The concept as sent: the user's text, then the reference when there is one."""
        if not self.reference:
            return self.concept
        return f"{self.concept}{REFERENCE_SEPARATOR}{self.reference}"

    @property
    def is_open(self) -> bool:
        """Its outcome is not known yet (`intent` or `unknown`)."""
        return self.state in (EntryState.INTENT, EntryState.UNKNOWN)

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["state"] = self.state.value
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> JournalEntry:
        data = json.loads(line)
        created = to_datetime(data.pop("created_at", None)) or datetime.fromtimestamp(
            0, timezone.utc
        )
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["state"] = EntryState(known.get("state", "intent"))
        return cls(created_at=created, **known)


@dataclass(frozen=True)
class CoinOutcome:
    """What became of a coin transaction; `reconciled` when it was learnt by reading back."""

    state: EntryState
    entry: JournalEntry
    transaction: CoinTransaction | None = None
    reconciled: bool = False
    journal_error: str | None = None
    """Why the journal could not record this outcome (the outcome itself stands)."""

    @property
    def applied(self) -> bool:
        return self.state is EntryState.APPLIED


class Journal:
    """Append-only JSONL file of `JournalEntry` snapshots; safe across threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / JOURNAL_NAME
        self._lock = threading.Lock()
        self._read_to = 0
        self._latest: dict[str, JournalEntry] = {}

    def record_intent(
        self,
        *,
        account: str,
        promotion_id: str,
        user_id: str,
        amount: int | float,
        concept: str,
        reference: bool = True,
    ) -> JournalEntry:
        """Write (and fsync) the intent of a transaction before it is sent; `reference`: give
        it a reference to send with its concept."""
        entry = JournalEntry(
            id=uuid.uuid4().hex,
            account=account,
            promotion_id=str(promotion_id),
            user_id=str(user_id),
            amount=amount,
            concept=concept,
            created_at=datetime.now(timezone.utc),
            reference=new_reference() if reference else "",
        )
        try:
            self._append(entry)
        except JournalUnavailable as exc:
            raise JournalUnavailable(f"{exc} Nothing was sent.") from None
        return entry

    def mark(
        self,
        entry: JournalEntry,
        state: EntryState,
        *,
        transaction_id: str | None = None,
        note: str = "",
    ) -> JournalEntry:
        updated = replace(
            entry, state=state, transaction_id=transaction_id or entry.transaction_id, note=note
        )
        self._append(updated)
        return updated

    def entries(self) -> list[JournalEntry]:
        """The latest snapshot of every entry, oldest first (unreadable lines skipped).

        The file only grows, so each call parses just the lines added since the last one
        (reconciling would otherwise re-read the whole journal every time).
        """
        with self._lock:
            try:
                with self.path.open("rb") as handle:
                    if os.fstat(handle.fileno()).st_size < self._read_to:  # replaced: start over
                        self._read_to, self._latest = 0, {}
                    handle.seek(self._read_to)
                    data = handle.read()
            except FileNotFoundError:
                self._read_to, self._latest = 0, {}
                return []
            complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
            self._read_to += len(complete)
            for line in complete.decode("utf-8", errors="replace").splitlines():
                try:
                    entry = JournalEntry.from_json(line)
                except (ValueError, TypeError, KeyError):
                    continue  # a line torn by a crash
                self._latest[entry.id] = entry
            return list(self._latest.values())

    def pending(self, account: str | None = None) -> list[JournalEntry]:
        """Entries whose outcome is not known yet (of `account` only, when given)."""
        return [
            entry for entry in self.entries() if entry.is_open and account in (None, entry.account)
        ]

    def latest(self, entry_id: str) -> JournalEntry | None:
        """The latest snapshot of one entry (another process may have settled it)."""
        return next((entry for entry in self.entries() if entry.id == entry_id), None)

    def claimed_transaction_ids(self, entry: JournalEntry) -> set[str]:
        """Transaction ids attributed to the other entries of the same user."""
        return {
            other.transaction_id
            for other in self.entries()
            if other.transaction_id
            and other.id != entry.id
            and (other.promotion_id, other.user_id) == (entry.promotion_id, entry.user_id)
        }

    def _append(self, entry: JournalEntry) -> None:
        with self._lock:
            new = not self.path.exists()
            try:
                _private_folder(self.path.parent)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
                        os.fchmod(fd, 0o600)  # a journal of an older version, or copied in
                    handle.write(entry.to_json() + "\n")
                    handle.flush()
                    os.fsync(fd)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise JournalUnavailable(
                    f"Cannot write the coin journal {self.path}: {reason}."
                ) from None
            if new:
                _fsync_dir(self.path.parent)


def _private_folder(directory: Path) -> None:
    """Create the journal's folder readable by its owner only, or make it so."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(directory.stat().st_mode) & 0o077:
        directory.chmod(0o700)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def find_match(
    entry: JournalEntry,
    transactions: Iterable[CoinTransaction],
    claimed: set[str],
    margin: timedelta = MATCH_MARGIN,
) -> CoinTransaction | None:
    """The user's transaction that is `entry`: the one carrying its reference; for an entry
    without one, the earliest unclaimed transaction of the same amount and concept made after
    the intent (which a colleague's identical transaction can fool)."""
    if entry.reference:
        mark = re.compile(rf"(?<![0-9A-Za-z])ref {entry.reference}(?![0-9A-Za-z])")
        return next((tx for tx in transactions if mark.search(tx.label or "")), None)
    earliest = entry.created_at - margin
    candidates = [
        tx
        for tx in transactions
        if tx.id not in claimed
        and tx.amount == entry.amount
        and (tx.label or "").strip() == entry.concept.strip()
        and (tx.created is None or tx.created >= earliest)
    ]
    candidates.sort(key=lambda tx: tx.created or entry.created_at)
    return candidates[0] if candidates else None
