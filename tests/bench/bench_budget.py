"""Shared budget: another client of the same account burns part of every window while we export.

Each 429 our client receives makes it wait for the next window boundary; the figure is how late
after that boundary it resumes (in scaled seconds: 1 s = window / 60) and the time lost against
the ideal of resuming right at the boundary. Checks that every record arrived once.
Target: every resume within 1 s (scaled) of the boundary, no record lost.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time

import httpx
from _common import (
    Sent,
    export_ours,
    isolate_dirs,
    parse_args,
    report,
    sandbox_process,
    sleep_to_phase,
)

from tui.sandbox import credentials as cr


async def burn(url: str, window: float, share: int, at: float, stop: asyncio.Event) -> int:
    """At `at` of every window, spend `share` calls of the demo account; calls made."""
    headers = {"Authorization": f"Bearer {cr.DEMO_TOKEN}"}
    spent = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:

        async def one() -> None:
            nonlocal spent
            await client.get("/organizing_brands")
            spent += 1

        while not stop.is_set():
            now = time.time()
            start = math.floor(now / window) * window + at * window
            if start <= now:
                start += window
            try:
                await asyncio.wait_for(stop.wait(), start - now)
            except asyncio.TimeoutError:
                for _ in range(0, share, 4):
                    await asyncio.gather(*(one() for _ in range(4)))
    return spent


async def run(url: str, limit: int, window: float, share: int, at: float, pages: int | None):
    stop = asyncio.Event()
    burner = asyncio.create_task(burn(url, window, share, at, stop))
    try:
        found, sent = await export_ours(
            url, cr.DEMO_TOKEN, cr.BIG_PROMOTION_ID, limit, window, pages
        )
    finally:
        stop.set()
    return found, sent, await burner


def resumes(sent: list[Sent], window: float) -> list[tuple[float, float]]:
    """For each 429: (the boundary after it, how late after it the next request started)."""
    found = []
    for index, request in enumerate(sent):
        if request.status != 429:
            continue
        boundary = (math.floor(request.start / window) + 1) * window
        following = [s.start for s in sent[index + 1 :]]
        if following:
            found.append((boundary, following[0] - boundary))
    return found


def main() -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--window", type=float, help="seconds in a 'minute' (default 6)")
        parser.add_argument("--pages", type=int, help="stop after this many pages (default all)")
        parser.add_argument("--at", type=float, default=0.3, help="the other client's phase")

    args = parse_args(__doc__, options)
    isolate_dirs()  # the shared rate budget's file
    limit, window, share, pages = (20, 1.0, 8, 40) if args.short else (200, 6.0, 80, None)
    window, pages = args.window or window, args.pages or pages
    scale = 60 / window
    with sandbox_process(minute_seconds=window, rate_limit=limit) as sandbox:
        sleep_to_phase(window)
        found, sent, burned = asyncio.run(
            run(sandbox.easypromos_url, limit, window, share, args.at, pages)
        )
    expected = found.pages * 100 if pages else cr.BIG_PARTICIPATIONS
    late = [lateness for _, lateness in resumes(sent, window)]
    print(
        f"limit {limit} per {window:g} s window (x{scale:g}); the other client spent {burned} "
        f"calls ({share} at {args.at:.0%} of each window)"
    )
    print(
        f"ours: {found.pages:,} pages, {len(found.ids):,} distinct records of {expected:,} "
        f"in {found.seconds:.1f} s; {found.rate_limited} 429s"
    )
    for number, lateness in enumerate(late, 1):
        print(f"  429 #{number}: resumed {lateness * scale:+.2f} s (scaled) after the boundary")
    early = sum(1 for value in late if value < 0)
    worst = max(late, default=0.0) * scale
    lost = sum(max(value, 0) for value in late) * scale
    complete = len(found.ids) == expected == found.items
    report(
        "shared budget",
        f"{len(late)} 429s, resumed at most {worst:.2f} s (scaled) after the boundary, "
        f"{lost:.1f} s lost in all, {early} early, "
        f"{'no record lost' if complete else f'{expected - len(found.ids)} records lost'}",
        "<= 1 s after the boundary, none lost",
        worst <= 1.0 and early == 0 and complete,
        args.short,
    )


if __name__ == "__main__":
    main()
