"""Money-like state: many coin transactions through the real client under random faults.

Most are sent and awaited; some are left to finish on their own, as when the coin dialog is
closed mid-send (the app's worker sees them through); some are cut off mid-send, as when the
process is killed (nothing after that point runs). The sandbox's own record of applied POSTs is
the truth. After the run the process "restarts": a new client on the same journal reconciles
every open entry with the faults off, as the app does at start. Then the books must balance:
each applied POST is claimed by exactly one journal entry marked applied (no duplicate, no
silent loss), entries marked not applied have no POST behind them, no entry is left open (none
unreported), and each user's balance moved by exactly the sum the tool reported as applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tui.api.easypromos import EasypromosClient
from tui.api.errors import OutcomeUnknown, PromoTuiApiError
from tui.api.journal import CoinOutcome, EntryState, Journal
from tui.api.retry import RetryPolicy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PROMOTION = cr.ACTIVE_PROMOTION_ID
CONCEPTS = ("Goodwill", "Refund: ticket", "Welcome bonus", "Correction")
POST_KINDS = ("500", "503", "429", "reset", "truncate", "html", "gzip")
FAST = RetryPolicy(attempts=4, initial=0.001, maximum=0.005, jitter=0.001)
EVENTS = {"awaited": 8, "dialog closed": 1, "process killed": 1}  # relative weights


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
    dialog_closed: int = 0
    killed: int = 0
    left_open: int = 0
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
            or self.left_open
        )

    def summary(self) -> str:
        return (
            f"{self.sent} sent: {self.applied} applied, {self.not_applied} not applied "
            f"({self.resent} re-sent on purpose), {self.refused} refused; "
            f"{self.unknown_raised} unknown outcomes raised; {self.dialog_closed} left to finish "
            f"after their dialog closed, {self.killed} cut off by a kill; "
            f"{self.reconciled_later} reconciled at the restart; faults fired {dict(self.faults)}; "
            f"duplicates {self.duplicates}, silent losses {self.silent_losses}, "
            f"phantoms {self.phantom}, balance mismatches {self.balance_mismatches}, "
            f"left open {self.left_open}"
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
    async with _client(sandbox, journal) as client:
        detached: list[asyncio.Task[CoinOutcome]] = []
        for _ in range(count):
            user = rng.choice(users)
            amount = rng.choice((1, 5, 10, 25, 50, -1, -5))
            event = rng.choices(list(EVENTS), weights=list(EVENTS.values()))[0]
            report.sent += 1
            try:
                entry = client.prepare_coins(PROMOTION, user, amount, rng.choice(CONCEPTS))
            except PromoTuiApiError:
                report.refused += 1
                continue
            sending = asyncio.ensure_future(client.send_coins(entry))
            if event == "dialog closed":  # nobody waits for it now; it reports when done
                report.dialog_closed += 1
                detached.append(sending)
                continue
            if event == "process killed":  # at a random point of the send
                report.killed += 1
                await asyncio.sleep(rng.random() * 0.004)
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError, PromoTuiApiError):
                    await sending
                continue
            await _outcome(client, sending, rng, report, unknown_ids)
        for sending in detached:
            await _outcome(client, sending, rng, report, unknown_ids)
        report.faults = Counter(sandbox.state.stats_snapshot()["faults"])
        httpx.delete(control).raise_for_status()
    await _restart(sandbox, journal, unknown_ids, report)
    _audit(sandbox, Journal(journal), users, before, report)
    return report


def _client(sandbox: SandboxServer, journal: Path, check_seconds: float = 0.0) -> EasypromosClient:
    return EasypromosClient(
        sandbox.easypromos_url,
        Secret(cr.DEMO_TOKEN),
        rate_limit=100_000,
        rate_window=0.05,  # a 429 waits for the next (short) window
        timeout=2.0,
        journal_path=journal,
        retry=FAST,
        reconcile_delay=0.0,
        reconcile_interval=0.2,
        reconcile_window=check_seconds,  # the faults are instant: one read tells
    )


async def _outcome(
    client: EasypromosClient,
    sending: asyncio.Future[CoinOutcome],
    rng: random.Random,
    report: MoneyReport,
    unknown_ids: list[str],
) -> None:
    """Wait for a send; a transaction proved not applied is sent again half the time."""
    try:
        outcome = await sending
        if not outcome.applied and rng.random() < 0.5:
            report.resent += 1
            entry = outcome.entry  # a new transaction, sent on purpose
            await client.add_coins(entry.promotion_id, entry.user_id, entry.amount, entry.concept)
    except OutcomeUnknown as exc:
        report.unknown_raised += 1
        unknown_ids.append(exc.entry.id)
    except PromoTuiApiError:
        report.refused += 1  # a refusal (e.g. not enough coins), or a resend's unknown


async def _restart(
    sandbox: SandboxServer, journal: Path, unknown_ids: list[str], report: MoneyReport
) -> None:
    """A new process on the same journal reconciles every open entry, faults off, as the app
    does at start: every unknown outcome must be waiting there. (An entry cut off in its last
    2 s is looked for until 2 s after it was sent.)"""
    waiting = {entry.id for entry in Journal(journal).pending()}
    report.journal_unknown_missing = sum(1 for entry_id in unknown_ids if entry_id not in waiting)
    async with _client(sandbox, journal, check_seconds=2.0) as client:
        report.reconciled_later = len(await client.reconcile_pending())
    report.left_open = len(Journal(journal).pending())


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
