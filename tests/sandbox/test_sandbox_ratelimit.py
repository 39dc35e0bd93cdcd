"""The per-account rate limit: fixed windows aligned on the epoch, 429 until the boundary."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.sandbox.conftest import ClientFor
from tui.sandbox import credentials as cr
from tui.sandbox.ratelimit import RateLimiter
from tui.sandbox.server import SandboxServer


def wait_for_window_start(minute: float) -> None:
    """Sleep to just after a window boundary, so a burst fits in one window."""
    time.sleep(minute - time.time() % minute + 0.02)


def test_limiter_windows_are_aligned_on_the_epoch() -> None:
    now = [1000.25]
    limiter = RateLimiter(limit=2, minute_seconds=0.5, clock=lambda: now[0])
    assert [limiter.admit("a") for _ in range(3)] == [True, True, False]
    assert limiter.admit("b")  # another account has its own budget
    now[0] = 1000.49
    assert not limiter.admit("a")
    now[0] = 1000.5
    assert limiter.admit("a")
    rows = {(w["account"], w["index"]): w for w in limiter.windows()}
    assert rows[("a", 2000)]["count"] == 2 and rows[("a", 2000)]["rejected"] == 2
    assert rows[("a", 2001)]["start"] == 1000.5


def test_429_until_the_next_minute_then_200(
    sandbox_factory: Callable[..., SandboxServer], client_for: ClientFor
) -> None:
    minute = 1.0
    server = sandbox_factory(minute_seconds=minute, rate_limit=20)
    demo, scoped = client_for(server), client_for(server, cr.SCOPED_TOKEN)
    other = client_for(server, cr.OTHER_ACCOUNT_TOKEN)
    wait_for_window_start(minute)
    statuses = [demo.get("/organizing_brands").status_code for _ in range(15)]
    statuses += [scoped.get("/organizing_brands").status_code for _ in range(10)]
    assert statuses == [200] * 20 + [429] * 5  # one budget for all tokens of the account
    assert other.get("/organizing_brands").status_code == 200
    assert demo.post(f"/coin_transactions/{cr.ACTIVE_PROMOTION_ID}", json={}).status_code == 429
    wait_for_window_start(minute)
    assert demo.get("/organizing_brands").status_code == 200
    windows = client_for(server, None, "/_sandbox").get("/stats").json()["windows"]
    demo_windows = [w for w in windows if w["account"] == cr.DEMO_ACCOUNT]
    assert [w["count"] for w in demo_windows] == [20, 1]
    assert [w["rejected"] for w in demo_windows] == [6, 0]
    assert demo_windows[1]["index"] == demo_windows[0]["index"] + 1


def test_unauthenticated_calls_are_not_counted(
    sandbox: SandboxServer, control: httpx.Client, client_for: ClientFor
) -> None:
    assert client_for(sandbox, None).get("/promotions").status_code == 401
    assert control.get("/stats").json()["windows"] == []
