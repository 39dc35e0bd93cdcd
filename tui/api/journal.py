"""The coin-transaction journal: every intent is on disk (fsync'd) before its POST leaves.

One JSON object a line, each a full snapshot of an entry; the last line of an id is its state:
`intent` (about to send) -> `applied` | `not_applied` | `unknown`. A crash mid-POST leaves an
`intent` entry, which `EasypromosClient.reconcile` settles by reading the user's transactions.
"""

from __future__ import annotations

import json
import os
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
# How far a server's `created` may sit before our intent time (clock skew) and still match.
MATCH_MARGIN = timedelta(minutes=2)


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
    retry_of: str | None = None

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
        retry_of: str | None = None,
    ) -> JournalEntry:
        entry = JournalEntry(
            id=uuid.uuid4().hex,
            account=account,
            promotion_id=str(promotion_id),
            user_id=str(user_id),
            amount=amount,
            concept=concept,
            created_at=datetime.now(timezone.utc),
            retry_of=retry_of,
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

    def pending(self) -> list[JournalEntry]:
        """Entries whose outcome is not known yet (`intent` or `unknown`)."""
        open_states = (EntryState.INTENT, EntryState.UNKNOWN)
        return [entry for entry in self.entries() if entry.state in open_states]

    def claimed_transaction_ids(self, promotion_id: str, user_id: str) -> set[str]:
        """Transaction ids already attributed to entries of this user."""
        return {
            entry.transaction_id
            for entry in self.entries()
            if entry.transaction_id
            and (entry.promotion_id, entry.user_id) == (promotion_id, user_id)
        }

    def _append(self, entry: JournalEntry) -> None:
        with self._lock:
            new = not self.path.exists()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(entry.to_json() + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise JournalUnavailable(
                    f"Cannot write the coin journal {self.path}: {reason}."
                ) from None
            if new:
                _fsync_dir(self.path.parent)


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
    """The earliest unclaimed transaction of the same amount and concept, made after the intent."""
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
