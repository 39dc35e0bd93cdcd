"""Mutable sandbox state over the seeded data: added and deleted records, coin balances, the journal
of coin posts, request statistics and the Ezepo instance. Every public method is thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from tui.sandbox.catalog import COLLECTIONS, base_id
from tui.sandbox.data import Dataset, Record
from tui.sandbox.ezepo_state import EzepoState
from tui.sandbox.faults import FaultPlan, FaultRule
from tui.sandbox.paging import after_cursor, id_range_after, take_page
from tui.sandbox.ratelimit import RateLimiter

Page = tuple[list[Record], int | None]


@dataclass
class Overlay:
    """Changes to one (promotion, collection): added records (newest ids) and deleted ids."""

    next_index: int
    added: dict[int, Record] = field(default_factory=dict)
    added_ids: list[int] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)


class InsufficientCoins(ValueError):
    """A spend larger than the user's balance."""


class Stats:
    """Counts of answered requests (the control API excluded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.by_status: Counter[str] = Counter()
            self.by_path: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.requests += 1
            self.by_status[str(status)] += 1
            self.by_path[path] += 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "by_status": dict(self.by_status),
                "by_path": dict(self.by_path),
                "faults": dict(self.faults),
            }


class SandboxState:
    """Everything that changes while the sandbox runs."""

    def __init__(
        self,
        seed: int = 1,
        *,
        minute_seconds: float = 60.0,
        rate_limit: int | None = 200,
        job_seconds: float = 2.0,
        status_word: str = "complete",
        list_size: int | None = None,
        faults: list[FaultRule] | None = None,
        faults_seed: int = 0,
    ) -> None:
        self.dataset = Dataset(seed)
        self.limiter = RateLimiter(rate_limit, minute_seconds)
        self.faults = FaultPlan(faults, faults_seed)
        self._ezepo_settings = (seed, job_seconds, status_word, list_size)
        self.ezepo = EzepoState(*self._ezepo_settings)
        self.stats = Stats()
        self.journal: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._overlays: dict[tuple[int, str], Overlay] = {}
        self._balance_delta: Counter[tuple[int, int]] = Counter()
        self._user_added_tx: dict[tuple[int, int], list[int]] = {}

    # ----- account level -------------------------------------------------------------------
    def brands(self, account: str) -> list[Record]:
        ids = {spec.brand_id for spec in self.dataset.specs.values() if spec.account == account}
        return [self.dataset.brands[b] for b in sorted(ids)]

    def promotions(self, account: str, status: str | None = None) -> list[Record]:
        return [
            self.dataset.promotions[spec.id]
            for spec in self.dataset.specs.values()
            if spec.account == account and status in (None, spec.status)
        ]

    def promotion(self, pid: int) -> Record | None:
        return self.dataset.promotions.get(pid)

    @staticmethod
    def page_of_records(records: Iterable[Record], descending: bool, cursor: int | None) -> Page:
        """Keyset page of a small in-memory list of records with integer-like ids."""
        by_id = {int(r["id"]): r for r in records}
        ids, next_cursor = take_page(after_cursor(sorted(by_id), descending, cursor))
        return [by_id[i] for i in ids], next_cursor

    # ----- per promotion collections ---------------------------------------------------------
    def _overlay(self, pid: int, collection: str) -> Overlay:
        key = (pid, collection)
        overlay = self._overlays.get(key)
        if overlay is None:
            overlay = self._overlays[key] = Overlay(self.dataset.count(pid, collection))
        return overlay

    def _ids(
        self, pid: int, collection: str, descending: bool, cursor: int | None
    ) -> Iterator[int]:
        overlay = self._overlay(pid, collection)
        first = base_id(self.dataset.specs[pid], collection) + 1
        seeded = id_range_after(
            first, first + self.dataset.count(pid, collection) - 1, descending, cursor
        )
        kept = (i for i in seeded if i not in overlay.deleted) if overlay.deleted else iter(seeded)
        added = after_cursor(overlay.added_ids, descending, cursor)
        return chain(added, kept) if descending else chain(kept, added)

    def _materialize(self, pid: int, collection: str, rid: int, brief: bool = False) -> Record:
        overlay = self._overlay(pid, collection)
        added = overlay.added.get(rid)
        if added is not None:
            return added
        index = self.dataset.index_of(pid, collection, rid)
        return self.dataset.record(pid, collection, index, brief=brief)

    def page(
        self, pid: int, collection: str, descending: bool, cursor: int | None, brief: bool = False
    ) -> Page:
        """One page of a promotion's collection: full records, or `brief` ones (summaries may be
        built directly; callers still pass each through `summarize`)."""
        with self._lock:
            ids, next_cursor = take_page(self._ids(pid, collection, descending, cursor))
            return [self._materialize(pid, collection, i, brief) for i in ids], next_cursor

    def find(self, pid: int, collection: str, rid: int) -> Record | None:
        with self._lock:
            overlay = self._overlay(pid, collection)
            if rid in overlay.added:
                return overlay.added[rid]
            index = self.dataset.index_of(pid, collection, rid)
            if 0 <= index < self.dataset.count(pid, collection) and rid not in overlay.deleted:
                return self.dataset.record(pid, collection, index)
            return None

    def user_index(self, pid: int, uid: int) -> int | None:
        """Index of an existing user of the promotion, None when there is no such user."""
        if self.find(pid, "users", uid) is None:
            return None
        return self.dataset.index_of(pid, "users", uid)

    def count(self, pid: int, collection: str) -> int:
        with self._lock:
            overlay = self._overlay(pid, collection)
            seeded = self.dataset.count(pid, collection)
            return seeded - len(overlay.deleted) + len(overlay.added)

    def counts(self, pid: int) -> dict[str, int]:
        return {collection: self.count(pid, collection) for collection in COLLECTIONS}

    def add_records(self, pid: int, collection: str, count: int) -> list[int]:
        """Add `count` new (newest) records; returns their ids."""
        with self._lock:
            overlay = self._overlay(pid, collection)
            ids = []
            for _ in range(count):
                index = overlay.next_index
                overlay.next_index += 1
                if collection == "coin_transactions":
                    record = self._new_coin_transaction(pid, index)
                else:
                    record = self.dataset.record(pid, collection, index, created=time.time())
                self._store_added(pid, collection, record)
                ids.append(int(_record_id(record)))
            return ids

    def _store_added(self, pid: int, collection: str, record: Record) -> None:
        overlay = self._overlay(pid, collection)
        rid = int(_record_id(record))
        overlay.added[rid] = record
        overlay.added_ids.append(rid)
        if collection == "coin_transactions":
            uid = int(record["transaction"]["user_id"])
            self._user_added_tx.setdefault((pid, uid), []).append(rid)

    def delete_record(self, pid: int, collection: str, rid: int) -> bool:
        with self._lock:
            overlay = self._overlay(pid, collection)
            if rid in overlay.added:
                del overlay.added[rid]
                overlay.added_ids.remove(rid)
                return True
            if self.find(pid, collection, rid) is None:
                return False
            overlay.deleted.add(rid)
            return True

    # ----- virtual coins ---------------------------------------------------------------------
    def balance(self, pid: int, user_index: int) -> int:
        with self._lock:
            seeded = (
                self.dataset.seeded_balance(pid, user_index)
                if user_index < self.dataset.count(pid, "users")
                else 0
            )
            return seeded + self._balance_delta[(pid, user_index)]

    def _new_coin_transaction(
        self,
        pid: int,
        index: int,
        user_index: int | None = None,
        amount: int | None = None,
        concept: str | None = None,
    ) -> Record:
        users = max(self.dataset.count(pid, "users"), 1)
        if user_index is None:
            user_index = self.dataset.h(pid, 99, index) % users
        if amount is None:
            amount = 5 + self.dataset.h(pid, 98, index) % 46
        balance = self.balance(pid, user_index) + amount
        self._balance_delta[(pid, user_index)] += amount
        tid = base_id(self.dataset.specs[pid], "coin_transactions") + index + 1
        return self.dataset.coin_transaction(
            pid,
            tid,
            user_index,
            amount,
            balance,
            time.time(),
            concept,
            "api" if concept is not None else "earn",
        )

    def post_coins(self, pid: int, user_index: int, amount: int, concept: str) -> Record:
        """Apply a coin transaction; returns the list item ({"transaction", "user"}).

        Raises `InsufficientCoins` when a negative amount would leave the balance below zero.
        """
        with self._lock:
            if self.balance(pid, user_index) + amount < 0:
                raise InsufficientCoins(f"the user has {self.balance(pid, user_index)} coins")
            overlay = self._overlay(pid, "coin_transactions")
            index = overlay.next_index
            overlay.next_index += 1
            record = self._new_coin_transaction(pid, index, user_index, amount, concept)
            self._store_added(pid, "coin_transactions", record)
            tx = record["transaction"]
            self.journal.append(
                {
                    "time": time.time(),
                    "promotion_id": pid,
                    "user_id": tx["user_id"],
                    "amount": amount,
                    "concept": concept,
                    "transaction_id": tx["id"],
                    "balance": tx["balance"],
                }
            )
            return record

    def user_transactions(self, pid: int, uid: int, descending: bool, cursor: int | None) -> Page:
        """One page of the coin transactions of one user."""
        with self._lock:
            spec = self.dataset.specs[pid]
            user_index = self.dataset.index_of(pid, "users", uid)
            users = spec.counts["users"]
            first = base_id(spec, "coin_transactions") + 1
            seeded = (
                [first + user_index + r * users for r in range(spec.coin_rounds)]
                if user_index < users
                else []
            )
            overlay = self._overlay(pid, "coin_transactions")
            added = [i for i in self._user_added_tx.get((pid, uid), []) if i in overlay.added]
            ids = sorted({i for i in seeded if i not in overlay.deleted} | set(added))
            page_ids, next_cursor = take_page(after_cursor(ids, descending, cursor))
            return [self._materialize(pid, "coin_transactions", i) for i in page_ids], next_cursor

    # ----- control -----------------------------------------------------------------------------
    def stats_snapshot(self) -> dict[str, Any]:
        snapshot = self.stats.snapshot()
        snapshot["windows"] = self.limiter.windows()
        snapshot["posts"] = len(self.journal)
        return snapshot

    def reset_stats(self) -> None:
        self.stats.reset()
        self.limiter.reset()

    def reset(self) -> None:
        """Back to the start: seeded records only, no coin posts, no faults, empty statistics and
        rate windows, the Ezepo instance as it was created."""
        with self._lock:
            self._overlays.clear()
            self._balance_delta.clear()
            self._user_added_tx.clear()
            self.journal.clear()
            self.ezepo = EzepoState(*self._ezepo_settings)
        self.faults.clear()
        self.reset_stats()


def _record_id(record: Record) -> Any:
    return record["transaction"]["id"] if "transaction" in record else record["id"]
