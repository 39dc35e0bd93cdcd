"""Export efficiency: actual / ideal time to export the 1,000-page promotion, and 429s received.

Ideal = pages / limit windows of the sandbox's scaled minute. Side by side, each against a fresh
sandbox process starting at the same phase of a window: our client (per-account sliding-window
pacer), a naive leaky bucket of `limit` per window (what `aiolimiter.AsyncLimiter(200, 60)` does,
reimplemented here) with backoff on 429, and backoff on 429 alone (1 s, 2 s, 4 s... scaled,
capped at half a minute). Target for ours: ratio <= 1.03 and no 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from _common import (
    Export,
    add_page,
    export_ours,
    isolate_dirs,
    parse_args,
    report,
    sandbox_process,
    sleep_to_phase,
)

from tui.api.endpoints import Collection
from tui.sandbox import credentials as cr


class LeakyBucket:
    """aiolimiter's algorithm: up to `limit` at once, draining at `limit / window` per second."""

    def __init__(self, limit: int, window: float) -> None:
        self.capacity, self.rate = limit, limit / window
        self.level, self.last = 0.0, time.monotonic()

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            self.level = max(self.level - (now - self.last) * self.rate, 0.0)
            self.last = now
            if self.level + 1 <= self.capacity:
                self.level += 1
                return
            await asyncio.sleep((self.level + 1 - self.capacity) / self.rate)


async def export_naive(
    url: str, window: float, max_pages: int | None, limiter: LeakyBucket | None
) -> Export:
    """A plain paginating loop: optional leaky bucket, exponential backoff on 429."""
    result = Export()
    path = Collection.PARTICIPATIONS.url_path(cr.BIG_PROMOTION_ID)
    params: dict[str, str] = {"order": "created_desc"}
    backoff = 0
    start = time.monotonic()
    headers = {"Authorization": f"Bearer {cr.DEMO_TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        while max_pages is None or result.pages < max_pages:
            if limiter is not None:
                await limiter.acquire()
            response = await client.get(path, params=params)
            if response.status_code == 429:
                result.rate_limited += 1
                await asyncio.sleep(min(window / 60 * 2**backoff, window / 2))
                backoff += 1
                continue
            backoff = 0
            data = response.raise_for_status().json()
            add_page(result, data["items"])
            cursor = (data.get("paging") or {}).get("next_cursor")
            if not cursor:
                break
            params["next_cursor"] = str(cursor)
    result.seconds = time.monotonic() - start
    return result


def main() -> None:
    args = parse_args(__doc__)
    isolate_dirs()  # the shared rate budget's file
    limit, window, max_pages = (20, 1.0, 40) if args.short else (200, 10.0, None)

    async def ours(url: str) -> Export:
        found, _ = await export_ours(
            url, cr.DEMO_TOKEN, cr.BIG_PROMOTION_ID, limit, window, max_pages
        )
        return found

    runs: dict[str, Callable[[str], Coroutine[Any, Any, Export]]] = {
        "ours": ours,
        "leaky bucket": lambda url: export_naive(
            url, window, max_pages, LeakyBucket(limit, window)
        ),
        "retry-on-429 only": lambda url: export_naive(url, window, max_pages, None),
    }
    figures: dict[str, tuple[float, Export]] = {}
    print(f"limit {limit} per {window:g} s window; 'minute' scaled x{60 / window:g}")
    with sandbox_process(minute_seconds=window, rate_limit=limit) as sandbox:
        for name, run in runs.items():
            sleep_to_phase(window)  # a fresh window: nothing of the previous run counts
            sandbox.reset_stats()
            found = asyncio.run(run(sandbox.easypromos_url))
            rejected = sandbox.stats()["by_status"].get("429", 0)
            ideal = found.pages / limit * window
            ratio = found.seconds / ideal
            figures[name] = (ratio, found)
            print(
                f"{name:<18} {found.pages:5,} pages {len(found.ids):7,} records "
                f"{found.seconds:7.1f} s  ideal {ideal:6.1f} s  ratio {ratio:5.2f}  "
                f"429s {found.rate_limited} (sandbox counted {rejected})"
            )
    ratio, found = figures["ours"]
    others = ", ".join(
        f"{n} {r:.2f}x/{e.rate_limited} 429s" for n, (r, e) in figures.items() if n != "ours"
    )
    report(
        "export efficiency",
        f"ours {ratio:.2f}x ideal, {found.rate_limited} 429s; {others}",
        "<= 1.03x, 0 429s",
        ratio <= 1.03 and found.rate_limited == 0,
        args.short,
    )


if __name__ == "__main__":
    main()
