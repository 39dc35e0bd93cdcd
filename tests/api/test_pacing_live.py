"""The pacer against the sandbox's rate limit with a 1 s minute; counts come from its stats.

These check states, not speed: no 429 and no window over the limit, whatever the machine's load.
How fully the budget is used is a timing figure: `tests/bench/bench_export.py` measures it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import httpx

from tests.api.helpers import Control
from tui.api.easypromos import Collection, EasypromosClient
from tui.api.pacing import pacer_for
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


async def drain(ep: EasypromosClient, collection: Collection, pid: int) -> list[str]:
    return [str(item["id"]) async for page in ep.pages(collection, pid) for item in page.items]


def demo_windows(control: Control) -> list[dict]:
    windows = [w for w in control.stats()["windows"] if w["account"] == cr.DEMO_ACCOUNT]
    return sorted(windows, key=lambda w: w["index"])


async def export_for(sb: SandboxServer, seconds: float, limit: int) -> None:
    """Read the small collections of every promotion for `seconds`, then cancel."""
    async with EasypromosClient(
        sb.easypromos_url, Secret(cr.DEMO_TOKEN), rate_limit=limit, rate_window=1.0
    ) as ep:
        promotions = [p["id"] for p in await ep.promotions()]

        async def export() -> None:
            for pid in promotions * 3:
                for collection in (Collection.STAGES, Collection.PRIZE_TYPES):
                    await drain(ep, collection, int(pid))

        task = asyncio.ensure_future(export())
        await asyncio.sleep(seconds)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_long_export_gets_no_429_and_never_exceeds_the_budget(
    make_sandbox: Callable[..., SandboxServer],
) -> None:
    limit = 10  # low enough that even a loaded machine is held back by the budget
    sb = make_sandbox(rate_limit=limit)
    await export_for(sb, 3.3, limit)
    control = Control(sb)
    windows = demo_windows(control)
    assert "429" not in control.stats()["by_status"]
    assert all(w["rejected"] == 0 and w["count"] <= limit for w in windows)
    assert sum(w["count"] for w in windows) > 2 * limit  # the export outlasted two windows


async def test_another_client_burns_the_budget_and_ours_waits_and_resumes(
    make_sandbox: Callable[..., SandboxServer],
) -> None:
    sb = make_sandbox(rate_limit=30)
    pid = cr.ACTIVE_PROMOTION_ID
    expected = sb.state.count(pid, "participations")
    headers = {"Authorization": f"Bearer {cr.DEMO_TOKEN}"}
    async with httpx.AsyncClient(base_url=sb.easypromos_url, headers=headers) as raw:

        async def exhaust_window() -> None:
            while (await raw.get("/organizing_brands")).status_code != 429:
                pass

        # Spend the whole budget of a window with >= 0.3 s left (windows align on the epoch).
        await exhaust_window()
        while 1.0 - time.time() % 1.0 < 0.3:
            await asyncio.sleep(1.0 - time.time() % 1.0 + 0.01)
            await exhaust_window()

        async def keep_burning(seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await raw.get("/organizing_brands")

        burner = asyncio.ensure_future(keep_burning(1.2))
        async with EasypromosClient(
            sb.easypromos_url, Secret(cr.DEMO_TOKEN), rate_limit=30, rate_window=1.0
        ) as ep:
            ids = await drain(ep, Collection.PARTICIPATIONS, pid)
            assert ep.pacer.rate_limited_count >= 1
        await burner
    assert len(ids) == len(set(ids)) == expected


def test_clients_of_one_account_share_a_pacer() -> None:
    token = Secret("shared-token-for-pacer")
    first = pacer_for("http://x/v2", token, 200, 60.0)
    assert pacer_for("http://x/v2/", token, 200, 60.0) is first
    assert pacer_for("http://x/v2", Secret("another-token-123"), 200, 60.0) is not first
    assert pacer_for("http://x/v2", token, 100, 1.0) is first and first.limit == 100
