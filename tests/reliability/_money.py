"""Money-like state: many coin transactions through the real client under random faults.

The sandbox's own record of applied POSTs is the truth. After the run, every entry the client
left unsettled is reconciled with the faults off, then the books must balance: each applied POST
is claimed by exactly one journal entry marked applied (no duplicate, no silent loss), entries
marked not applied have no POST behind them, and each user's balance moved by exactly the sum
the tool reported as applied.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tui.api.easypromos import EasypromosClient
from tui.api.errors import OutcomeUnknown, PromoTuiApiError
from tui.api.journal import EntryState, Journal
from tui.api.retry import RetryPolicy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PROMOTION = cr.ACTIVE_PROMOTION_ID
CONCEPTS = ("Goodwill", "Refund: ticket", "Welcome bonus", "Correction")
POST_KINDS = ("500", "503", "429", "reset", "truncate", "html", "gzip")
FAST = RetryPolicy(attempts=4, initial=0.001, maximum=0.005, jitter=0.001)


@dataclass
class MoneyReport:
    """Figures of one run."""

    sent: int = 0
    applied: int = 0
    not_applied: int = 0
    resent: int = 0
    refused: int = 0
    unknown_raised: int = 0
    reconciled_later: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    silent_losses: int = 0
    phantom: int = 0
    balance_mismatches: int = 0
    journal_unknown_missing: int = 0

    @property
    def balanced(self) -> bool:
        return not (
            self.duplicates
            or self.silent_losses
            or self.phantom
            or self.balance_mismatches
            or self.journal_unknown_missing
        )

    def summary(self) -> str:
        return (
            f"{self.sent} sent: {self.applied} applied, {self.not_applied} not applied "
            f"({self.resent} re-sent on purpose), {self.refused} refused; "
            f"{self.unknown_raised} unknown outcomes raised, {self.reconciled_later} reconciled "
            f"afterwards; faults fired {dict(self.faults)}; duplicates {self.duplicates}, "
            f"silent losses {self.silent_losses}, phantoms {self.phantom}, "
            f"balance mismatches {self.balance_mismatches}"
        )


def fault_rules(rng: random.Random, rate: float) -> list[dict[str, object]]:
    """POST faults of every kind and phase (`rate` in all), and many on the read-back."""
    rules: list[dict[str, object]] = [
        {
            "kind": kind,
            "method": "POST",
            "phase": phase,
            "probability": rate / (len(POST_KINDS) * 2),
        }
        for kind in POST_KINDS
        for phase in ("before", "after")
    ]
    # Read-backs fail often enough that some outcomes stay unknown after every retry.
    rules.append({"kind": rng.choice(("500", "reset")), "method": "GET", "probability": 0.6})
    return rules


def _user_ids(sandbox: SandboxServer, count: int) -> list[str]:
    page = sandbox.state.page(PROMOTION, "users", True, None)[0]
    return [str(user["id"]) for user in page[:count]]


def _balance(sandbox: SandboxServer, user_id: str) -> int:
    index = sandbox.state.user_index(PROMOTION, int(user_id))
    assert index is not None
    return sandbox.state.balance(PROMOTION, index)


async def run_money(
    sandbox: SandboxServer, journal: Path, *, count: int, seed: int, rate: float = 0.3
) -> MoneyReport:
    """`count` coin transactions under faults, then the books (see the module docstring)."""
    rng = random.Random(seed)
    users = _user_ids(sandbox, 20)
    before = {uid: _balance(sandbox, uid) for uid in users}
    control = f"{sandbox.base_url}/_sandbox/faults"
    httpx.put(control, json={"rules": fault_rules(rng, rate), "seed": seed}).raise_for_status()
    sandbox.state.stats.reset()
    report = MoneyReport()
    unknown_ids: list[str] = []
    async with EasypromosClient(
        sandbox.easypromos_url,
        Secret(cr.DEMO_TOKEN),
        rate_limit=100_000,
        rate_window=0.05,  # a 429 waits for the next (short) window
        timeout=2.0,
        journal_path=journal,
        retry=FAST,
        reconcile_delay=0.0,
        reconcile_window=0.0,  # faults are instant: one read tells
    ) as client:
        for _ in range(count):
            user = rng.choice(users)
            amount = rng.choice((1, 5, 10, 25, 50, -1, -5))
            report.sent += 1
            try:
                outcome = await client.add_coins(PROMOTION, user, amount, rng.choice(CONCEPTS))
                if not outcome.applied and rng.random() < 0.5:
                    report.resent += 1
                    await client.resend_coins(outcome.entry)
            except OutcomeUnknown as exc:
                report.unknown_raised += 1
                unknown_ids.append(exc.entry.id)
            except PromoTuiApiError:
                report.refused += 1  # a refusal (e.g. not enough coins), or a resend's unknown
        report.faults = Counter(sandbox.state.stats_snapshot()["faults"])
        httpx.delete(control).raise_for_status()
        await _settle(client, unknown_ids, report)
    _audit(sandbox, Journal(journal), users, before, report)
    return report


async def _settle(client: EasypromosClient, unknown_ids: list[str], report: MoneyReport) -> None:
    """Every unknown outcome must wait in the journal; reconcile them all, faults off."""
    pending = client.journal.pending()
    waiting = {entry.id for entry in pending}
    report.journal_unknown_missing = sum(1 for entry_id in unknown_ids if entry_id not in waiting)
    for entry in pending:
        await client.reconcile(entry)
    report.reconciled_later = len(pending)
    report.journal_unknown_missing += len(client.journal.pending())


def _audit(
    sandbox: SandboxServer,
    journal: Journal,
    users: list[str],
    before: dict[str, int],
    report: MoneyReport,
) -> None:
    entries = journal.entries()
    posts = {str(post["transaction_id"]): post for post in sandbox.state.journal}
    applied = [e for e in entries if e.state is EntryState.APPLIED]
    claimed = Counter(e.transaction_id for e in applied)
    report.applied = len(applied)
    report.not_applied = sum(e.state is EntryState.NOT_APPLIED for e in entries)
    report.duplicates = sum(n - 1 for n in claimed.values() if n > 1)
    report.silent_losses = sum(1 for tid in posts if tid not in claimed)
    report.phantom = sum(1 for tid in claimed if tid not in posts)
    for uid in users:
        reported = sum(e.amount for e in applied if e.user_id == uid)
        if _balance(sandbox, uid) - before[uid] != reported:
            report.balance_mismatches += 1


def fast_dir() -> str | None:
    """A RAM-backed folder for the journal when there is one: its fsyncs are then cheap."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
