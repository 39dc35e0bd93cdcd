"""The shared budget's rule with a fake clock: lanes, the reserve, several pacers (as several
processes) on one ledger file, accounts, dead processes, a 429 seen by one of them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tui.api.ledger import Ledger
from tui.api.pacing import CATCH_UP_SPACINGS, Lane, Pacer

URL = "http://x/v2"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "budget.sqlite3")


def pacer_on(ledger: Ledger, clock: FakeClock, limit: int = 10, window: float = 10.0) -> Pacer:
    return Pacer(limit, window, reserve=0.2, url=URL, ledger=ledger, clock=clock)


def spend(pacer: Pacer, lane: Lane, count: int) -> None:
    """`count` calls admitted and completed now."""
    for _ in range(count):
        ticket, _ = pacer.try_acquire(lane)
        assert ticket is not None
        pacer.release(ticket)


def test_bulk_leaves_the_users_share_of_the_reserve_free(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock)  # 10 a window of 10 s, 2 reserved; bulk spaced 1 s apart
    for _ in range(8):  # bulk at its even pace
        spend(pacer, Lane.BULK, 1)
        clock.now += 1.0
    spend(pacer, Lane.INTERACTIVE, 1)  # the user: one slot is kept for their next call
    assert pacer.try_acquire(Lane.BULK) == (None, pytest.approx(2.0))
    spend(pacer, Lane.INTERACTIVE, 1)  # and they find it free
    clock.now += 5.5  # half a window later the user's calls no longer hold the reserve back
    spend(pacer, Lane.BULK, 2)


def test_bulk_catches_up_a_few_calls_after_a_stall(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock)
    spend(pacer, Lane.BULK, 1)
    clock.now += 6.0  # a slow page: 5 calls behind its schedule
    spend(pacer, Lane.BULK, 1 + CATCH_UP_SPACINGS)
    assert pacer.try_acquire(Lane.BULK) == (None, pytest.approx(1.0))


def test_bulk_is_spread_over_the_window(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock)
    spend(pacer, Lane.BULK, 1 + CATCH_UP_SPACINGS)  # the schedule starts now: it may run ahead
    assert pacer.try_acquire(Lane.BULK) == (None, pytest.approx(1.0))
    clock.now += 1.0
    spend(pacer, Lane.BULK, 1)
    assert pacer.try_acquire(Lane.BULK) == (None, pytest.approx(1.0))
    assert pacer.try_acquire(Lane.INTERACTIVE)[0] is not None  # the user is not spaced


def test_a_lone_bulk_stream_uses_the_whole_budget(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock)
    admitted = 0
    while clock.now < 1000.0 + 100.0:  # ten windows, a call every 10 ms when admitted
        ticket, _ = pacer.try_acquire(Lane.BULK)
        if ticket is not None:
            admitted += 1
            pacer.release(ticket)
        clock.now += 0.01
    assert admitted >= 0.97 * 10 * 10


def test_pacers_on_one_ledger_share_the_budget(ledger: Ledger, tmp_path: Path) -> None:
    clock = FakeClock()
    first = pacer_on(ledger, clock, limit=4)
    second = pacer_on(Ledger(tmp_path / "budget.sqlite3"), clock, limit=4)  # another process
    for pacer in (first, second):
        pacer.identify(["11", "12"])
    spend(first, Lane.INTERACTIVE, 3)
    held, _ = second.try_acquire(Lane.INTERACTIVE)
    assert held is not None
    assert second.try_acquire(Lane.INTERACTIVE) == (None, pytest.approx(10.0))
    assert first.try_acquire(Lane.INTERACTIVE) == (None, pytest.approx(10.0))
    assert first.state().used == second.state().used == 4


def test_an_unknown_account_counts_against_every_account(ledger: Ledger, clock: FakeClock) -> None:
    known, other, unknown = (pacer_on(ledger, clock, limit=4) for _ in range(3))
    known.identify(["11"])
    other.identify(["99"])
    spend(known, Lane.INTERACTIVE, 3)
    spend(other, Lane.INTERACTIVE, 3)  # another account: its own budget
    spend(unknown, Lane.INTERACTIVE, 1)  # could be either account: now both are full
    assert known.try_acquire()[0] is None and other.try_acquire()[0] is None
    unknown.identify(["99"])  # it was the other account's
    assert known.try_acquire()[0] is not None
    assert other.try_acquire()[0] is None


def test_bulk_waits_while_an_interactive_call_waits_anywhere(
    ledger: Ledger, tmp_path: Path, clock: FakeClock
) -> None:
    app = pacer_on(ledger, clock)
    export = pacer_on(Ledger(tmp_path / "budget.sqlite3"), clock)
    spend(export, Lane.BULK, 1)
    spend(app, Lane.INTERACTIVE, 9)
    row = ledger.waiting(app.account, "app", None, retry_at=clock.now + 10.0)
    clock.now += 10.0  # bulk could go now...
    assert export.try_acquire(Lane.BULK) == (None, pytest.approx(0.05))  # ...but for the user
    ledger.done_waiting(row)
    assert export.try_acquire(Lane.BULK)[0] is not None


def test_a_dead_process_holds_no_budget(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock, limit=3)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    ghost = Ledger(ledger.path)
    ghost._pid = int(dead.stdout)  # calls in flight and a waiter left by a killed process
    decide = pacer._decide(Lane.INTERACTIVE, clock.now).decide
    for _ in range(3):
        ghost.admit(pacer.account, "ghost", "bulk", 10.0, clock.now, decide)
    ghost.waiting(pacer.account, "ghost", None, retry_at=clock.now + 60.0)
    clock.now += 1.0  # its calls are settled as completed when found dead: they count a window
    assert pacer.try_acquire(Lane.BULK) == (None, pytest.approx(10.0))
    clock.now += 10.0
    assert pacer.try_acquire(Lane.BULK)[0] is not None  # and no waiter of it holds bulk back


def test_a_429_holds_every_process_of_the_account(
    ledger: Ledger, tmp_path: Path, clock: FakeClock
) -> None:
    first = pacer_on(ledger, clock)
    second = pacer_on(Ledger(tmp_path / "budget.sqlite3"), clock)
    first._jitter = lambda cap: 0.0
    wait = first.rate_limited(None)
    assert second.try_acquire(Lane.INTERACTIVE) == (None, pytest.approx(wait, abs=0.01))
    assert second.state().waiting_until is not None


async def test_a_long_wait_for_the_budget_is_reported(ledger: Ledger, clock: FakeClock) -> None:
    pacer = pacer_on(ledger, clock, limit=1)
    spend(pacer, Lane.INTERACTIVE, 1)
    waiter = asyncio.ensure_future(pacer.acquire(Lane.INTERACTIVE))
    await asyncio.sleep(0.05)
    assert pacer.state().budget_wait_until is None  # not yet a second
    clock.now += 1.5
    state = pacer.state()
    assert state.budget_wait_until is not None
    assert state.interactive_wait_until == state.budget_wait_until
    assert state.budget_wait_until - pacer._wall() == pytest.approx(8.5, abs=0.1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pacer.state().budget_wait_until is None


async def test_bulk_held_to_its_even_pace_is_no_wait_for_the_budget(
    ledger: Ledger, clock: FakeClock
) -> None:
    pacer = pacer_on(ledger, clock, limit=10, window=100.0)  # a bulk call every 10 s
    spend(pacer, Lane.BULK, 1 + CATCH_UP_SPACINGS)
    waiter = asyncio.ensure_future(pacer.acquire(Lane.BULK))
    await asyncio.sleep(0.05)
    clock.now += 5.0
    assert pacer.state().budget_wait_until is None
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter


def test_a_damaged_ledger_file_is_replaced_and_an_unusable_folder_paces_alone(
    tmp_path: Path, clock: FakeClock
) -> None:
    damaged = tmp_path / "budget.sqlite3"
    damaged.write_bytes(b"not a database" * 100)
    spend(pacer_on(Ledger(damaged), clock), Lane.INTERACTIVE, 1)
    assert damaged.read_bytes().startswith(b"SQLite format 3")
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    alone = Ledger(blocked / "budget.sqlite3")  # its folder cannot be made
    spend(pacer_on(alone, clock, limit=1), Lane.INTERACTIVE, 1)
    assert pacer_on(alone, clock, limit=1).try_acquire()[0] is None  # still paced, in memory


def test_rows_from_before_the_machine_restarted_are_dropped(ledger: Ledger) -> None:
    before = FakeClock(50_000.0)  # the monotonic clock of the last boot
    spend(pacer_on(ledger, before, limit=2), Lane.INTERACTIVE, 2)
    after = FakeClock(30.0)  # this boot's, started again near 0
    assert pacer_on(ledger, after, limit=2).try_acquire()[0] is not None
