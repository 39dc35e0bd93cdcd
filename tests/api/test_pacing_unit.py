"""The pacer's arithmetic with a fake clock, and its admission with a real one."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import pytest

from tui.api.pacing import Pacer, next_boundary, server_skew


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fake_pacer(limit: int, window: float, clock: FakeClock, **options: object) -> Pacer:
    return Pacer(limit, window, clock=clock, url="http://x/v2", **options)  # type: ignore[arg-type]


def test_admits_in_flight_plus_recent_below_limit() -> None:
    clock = FakeClock()
    pacer = fake_pacer(3, 10.0, clock)
    tickets = [pacer.try_acquire()[0] for _ in range(3)]
    assert None not in tickets
    assert pacer.try_acquire() == (None, None)  # all in flight: wait for a completion
    pacer.release(tickets[0])  # completes at 1000
    clock.now = 1004.0
    assert pacer.try_acquire() == (None, pytest.approx(6.0))  # until that completion leaves
    clock.now = 1010.0
    assert pacer.try_acquire()[0] is not None


def test_state_reports_used_and_countdown() -> None:
    clock, wall = FakeClock(), FakeClock(5_000.0)
    pacer = Pacer(5, 60.0, clock=clock, wall=wall, jitter=lambda cap: 0.0)
    pacer.release(pacer.try_acquire()[0] or 0)
    pacer.try_acquire()
    state = pacer.state()
    assert (state.used, state.in_flight, state.waiting_until) == (2, 1, None)
    wait = pacer.rate_limited(formatdate(5_010.0, usegmt=True))  # server 10 s ahead: 5010 -> 5040
    assert wait == pytest.approx(30.0)
    assert pacer.state().waiting_until == pytest.approx(5_030.0)
    assert pacer.try_acquire() == (None, pytest.approx(30.0))


def test_skew_uses_the_smallest_correction() -> None:
    assert server_skew(None, 100.0) == 0.0
    assert server_skew("not a date", 100.0) == 0.0
    assert server_skew(formatdate(100, usegmt=True), 100.7) == 0.0  # within Date's resolution
    assert server_skew(formatdate(110, usegmt=True), 100.0) == pytest.approx(10.0)
    assert server_skew(formatdate(90, usegmt=True), 100.0) == pytest.approx(-9.0)
    assert next_boundary(119.5, 60.0) == 120.0 and next_boundary(120.0, 60.0) == 180.0


def test_wait_is_capped_at_one_window() -> None:
    pacer = Pacer(5, 1.0, jitter=lambda cap: cap)
    assert 0 < pacer.rate_limited(formatdate(usegmt=True)) <= 1.0 + 1.0 / 120


@pytest.mark.parametrize(("window", "cap"), [(60.0, 0.5), (6.0, 0.05), (600.0, 0.5)])
def test_jitter_scales_with_the_window_up_to_half_a_second(window: float, cap: float) -> None:
    caps: list[float] = []
    pacer = Pacer(5, window, jitter=lambda c: caps.append(c) or 0.0)
    pacer.rate_limited(None)
    assert caps == [pytest.approx(cap)]


async def test_never_more_than_limit_in_any_window() -> None:
    limit, window = 5, 0.3
    pacer = Pacer(limit, window)
    starts: list[float] = []

    async def request() -> None:
        async with pacer.slot():
            starts.append(time.monotonic())
            await asyncio.sleep(0.01)

    await asyncio.gather(*(request() for _ in range(17)))
    starts.sort()
    for index in range(len(starts) - limit):
        assert starts[index + limit] - starts[index] >= window * 0.99
    assert starts[-1] - starts[0] < 4 * window  # and it does not dawdle


async def test_cancelled_waiter_leaves_no_trace() -> None:
    pacer = Pacer(1, 10.0)
    await pacer.acquire()
    waiter = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pacer._waiters == [] and pacer._waits == {} and pacer.state().in_flight == 1
