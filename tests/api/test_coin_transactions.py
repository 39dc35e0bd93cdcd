"""Coin transactions under faults: the balance changes exactly once, or the error says unknown."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import Control
from tui.api.easypromos import EasypromosClient
from tui.api.errors import JournalUnavailable, OutcomeUnknown
from tui.api.journal import REFERENCE_SEPARATOR, CoinOutcome, EntryState, Journal, JournalEntry
from tui.sandbox import credentials as cr
from tui.sandbox.faults import KINDS
from tui.sandbox.server import SandboxServer

PID = cr.ACTIVE_PROMOTION_ID
POST_PATH = f"/v2/coin_transactions/{PID}"
# The client waits 0.3 s for an answer; a slow POST lands after 0.5 s, before reconciliation
# (0.3 s timeout + 0.3 s delay) reads it back. A hang never answers within the timeout.
SECONDS = {"slow": 0.5, "hang": 0.8, "late": 0.5}


def post_fault(kind: str, phase: str, nth: list[int]) -> dict:
    return {
        "kind": kind,
        "method": "POST",
        "path": POST_PATH,
        "phase": phase,
        "nth": nth,
        "seconds": SECONDS.get(kind),
    }


def applied(sb: SandboxServer, concept: str) -> int:
    """How many POSTs the sandbox applied with this concept (its own journal), whatever their
    reference."""
    return sum(
        1 for row in sb.state.journal if row["concept"].split(REFERENCE_SEPARATOR)[0] == concept
    )


def user_ids(sb: SandboxServer, count: int) -> list[int]:
    records, _ = sb.state.page(PID, "users", False, None, brief=True)
    return [int(r["id"]) for r in records[:count]]


async def send_once(
    ep: EasypromosClient, uid: int, concept: str
) -> tuple[CoinOutcome | None, CoinOutcome | None]:
    """Add coins; when proved not applied, send again on purpose (as a caller would).

    Returns the first outcome and the final one (None: OutcomeUnknown)."""
    try:
        first = await ep.add_coins(PID, uid, 7, concept)
        if first.state is not EntryState.NOT_APPLIED:
            return first, first
        return first, await ep.add_coins(PID, uid, 7, concept)
    except OutcomeUnknown:
        return None, None


@pytest.mark.parametrize("phase", ["before", "after"])
@pytest.mark.parametrize("kind", KINDS)
async def test_each_fault_on_the_post_applies_once_or_says_unknown(
    kind: str,
    phase: str,
    sb: SandboxServer,
    control: Control,
    make_ep: Callable[..., EasypromosClient],
) -> None:
    uid = user_ids(sb, 1)[0]
    concept = f"fault {kind} {phase}"
    control.faults(post_fault(kind, phase, [1]))
    async with make_ep(timeout=0.3) as ep:
        first, final = await send_once(ep, uid, concept)
    if first is None or final is None:
        pytest.fail("the sandbox's transactions are readable: the outcome must be known")
    assert final.applied and applied(sb, concept) == 1
    assert final.transaction is not None and final.transaction.amount == 7
    # Broken before applying, the POST is proved not applied (the sandbox drops a slow POST whose
    # client left; a 429 is waited out and sent again); applied then broken, it is found. A late
    # one lands after the first read back, and a later read finds it.
    refused = phase == "before" and kind not in ("429", "late")
    assert (first.state is EntryState.NOT_APPLIED) == refused
    assert first.reconciled == (kind != "429" or phase == "after")
    states = [entry.state for entry in Journal(ep.journal.path).entries()]
    assert states.count(EntryState.APPLIED) == 1


async def test_outcome_unknown_when_nothing_can_be_read(
    sb: SandboxServer, control: Control, make_ep: Callable[..., EasypromosClient]
) -> None:
    uid = user_ids(sb, 1)[0]
    control.faults(post_fault("reset", "after", [1]), {"kind": "503", "method": "GET"})
    async with make_ep(timeout=0.3) as ep:
        with pytest.raises(OutcomeUnknown) as raised:
            await ep.add_coins(PID, uid, 7, "unknowable")
        entry = raised.value.entry
        assert entry.state is EntryState.UNKNOWN and "outcome" in str(raised.value)
        assert [e.id for e in ep.journal.pending()] == [entry.id]
        control.clear_faults()
        settled = await ep.reconcile(entry)
    assert settled.applied and applied(sb, "unknowable") == 1
    assert ep.journal.pending() == []


async def test_an_unwritable_journal_sends_nothing(
    sb: SandboxServer, make_ep: Callable[..., EasypromosClient], tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    async with make_ep(journal_path=blocker / "journal.jsonl") as ep:
        with pytest.raises(JournalUnavailable, match=r"coin journal .*Nothing was sent\."):
            await ep.add_coins(PID, user_ids(sb, 1)[0], 3, "never sent")
    assert sb.state.stats_snapshot()["posts"] == 0


FAULT = st.sampled_from(KINDS).flatmap(
    lambda kind: st.tuples(st.just(kind), st.sampled_from(["before", "after"]))
)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule=st.lists(st.tuples(st.integers(1, 4), FAULT), max_size=3))
async def test_random_fault_schedules_never_duplicate(
    schedule: list[tuple[int, tuple[str, str]]],
    sb: SandboxServer,
    control: Control,
    make_ep: Callable[..., EasypromosClient],
) -> None:
    """Three identical transactions to one user, faults on random POSTs: one each, no more."""
    rules = [post_fault(kind, phase, [nth]) for nth, (kind, phase) in schedule]
    control.faults(*rules)
    concept = f"bonus {uuid.uuid4().hex[:8]}"
    uid = user_ids(sb, 2)[1]
    async with make_ep(timeout=0.3) as ep:
        outcomes = [(await send_once(ep, uid, concept))[1] for _ in range(3)]
    confirmed = sum(1 for outcome in outcomes if outcome is not None and outcome.applied)
    unknown = outcomes.count(None)
    assert confirmed <= applied(sb, concept) <= confirmed + unknown
    assert applied(sb, concept) <= 3
    control.clear_faults()


def colleague_post(sb: SandboxServer, uid: int, amount: int, concept: str) -> None:
    """Another tool of the same account sends a coin transaction (straight to the sandbox)."""
    response = httpx.post(
        f"{sb.easypromos_url}/coin_transactions/{PID}",
        json={"user_id": uid, "amount": amount, "concept": concept},
        headers={"Authorization": f"Bearer {cr.DEMO_TOKEN}"},
    )
    response.raise_for_status()


async def test_a_late_apply_is_found_by_a_later_read_not_reported_not_applied(
    sb: SandboxServer, control: Control, make_ep: Callable[..., EasypromosClient]
) -> None:
    """The answer is lost at once and the server applies the POST 1.5 s later: the first read
    back (0.3 s) misses it, a later one within the window finds it."""
    uid = user_ids(sb, 1)[0]
    control.faults({**post_fault("late", "before", [1]), "seconds": 1.5})
    checks: list[JournalEntry] = []
    async with make_ep(reconcile_window=5.0) as ep:
        entry = ep.prepare_coins(PID, uid, 7, "slow server")
        outcome = await ep.send_coins(entry, on_checking=lambda e, _until: checks.append(e))
    assert outcome.applied and outcome.reconciled and applied(sb, "slow server") == 1
    assert len(checks) >= 2, "found by the first read: the fault did not delay the apply"
    assert outcome.transaction is not None and entry.reference in (outcome.transaction.label or "")


async def test_a_colleagues_identical_transaction_is_not_taken_for_ours(
    sb: SandboxServer, control: Control, make_ep: Callable[..., EasypromosClient]
) -> None:
    """Our POST breaks before it is applied while a colleague sends the same amount and concept
    to the same user: reconciliation must not claim theirs (it did, matching amount and text)."""
    uid = user_ids(sb, 1)[0]
    control.faults(post_fault("reset", "before", [2]))  # the colleague's is the first POST
    async with make_ep() as ep:
        entry = ep.prepare_coins(PID, uid, 7, "Goodwill")
        colleague_post(sb, uid, 7, "Goodwill")
        outcome = await ep.send_coins(entry)
    assert outcome.state is EntryState.NOT_APPLIED and outcome.transaction is None
    assert "not among the user's transactions" in outcome.entry.note
    assert applied(sb, "Goodwill") == 1  # the colleague's only


async def test_coins_added_but_the_journal_unwritable_says_added(
    sb: SandboxServer, make_ep: Callable[..., EasypromosClient], tmp_path: Path
) -> None:
    """The journal disappears between the intent and the answer: the outcome is still applied,
    with the journal's problem beside it (a 'not added' would invite paying twice)."""
    journal = tmp_path / "journal.jsonl"
    async with make_ep(journal_path=journal) as ep:
        entry = ep.prepare_coins(PID, user_ids(sb, 1)[0], 7, "journal gone")
        journal.unlink()
        journal.mkdir()  # appending to it now fails
        outcome = await ep.send_coins(entry)
    assert outcome.applied and outcome.transaction is not None
    assert outcome.journal_error is not None and "Cannot write the coin journal" in (
        outcome.journal_error
    )
    assert applied(sb, "journal gone") == 1


async def test_pending_entries_are_reconciled_for_their_account_only(
    sb: SandboxServer, make_ep: Callable[..., EasypromosClient]
) -> None:
    """A process died after sending one transaction and before sending another (both left as
    intents), and another account's intent waits too: reconcile_pending settles this account's."""
    uid = user_ids(sb, 1)[0]
    async with make_ep(reconcile_window=0.0) as ep:
        sent = ep.prepare_coins(PID, uid, 7, "sent, then killed")
        colleague_post(sb, uid, 7, sent.posted_concept)  # what the dead process's POST did
        never = ep.prepare_coins(PID, uid, 8, "killed before sending")
        foreign = ep.journal.record_intent(
            account="https://other.example/v2", promotion_id="1", user_id="2", amount=1, concept="x"
        )
        outcomes = await ep.reconcile_pending()
    by_id = {o.entry.id: o for o in outcomes if isinstance(o, CoinOutcome)}
    assert set(by_id) == {sent.id, never.id}
    assert by_id[sent.id].applied and by_id[never.id].state is EntryState.NOT_APPLIED
    assert [e.id for e in Journal(ep.journal.path).pending()] == [foreign.id]
