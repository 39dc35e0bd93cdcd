"""Insights (issue 19): the Insights screen of a promotion with 1,000,000 cached participations
(and its 25,000 users and 50,000 coin transactions), in a fresh process: time from opening the
screen to the frame that shows the charts, totals and every table (read in one go from the
store's summaries); the SQL alone; peak RSS. Opened 5 times; the first is with SQLite's page
cache cold for this process (the OS's file cache is warm).

The cache is built as bench_cache.py builds it (the sandbox's 100,000 participations, then
synthetic older rows), plus the promotion's users and coin transactions; `--keep DIR` shares
bench_cache.py's kept cache (same port, profile and folder layout). Target: < 300 ms to the
complete view, peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from pathlib import Path
from typing import Any

from _common import isolate_dirs, parse_args, peak_rss_mib, report, sandbox_process
from bench_cache import KEEP_PORT, PROFILE, brand_ids, cached_rows, fill_to, reopen_twice

from tui.api.easypromos import Collection, EasypromosClient
from tui.redact import Secret
from tui.sandbox import credentials as cr

ROUNDS = 5


async def cache_the_rest(url: str, pid: int, brands: list[object]) -> dict[str, Any]:
    """Users and coin transactions into the cache; the promotion in full."""
    from tui.store import Store, sync

    async with EasypromosClient(
        url, Secret(cr.DEMO_TOKEN), rate_limit=1_000_000, rate_window=1.0
    ) as client:
        with Store.open(PROFILE, url, brands) as store:
            for collection in (Collection.USERS, Collection.COIN_TRANSACTIONS):
                await sync.refresh(client, store, collection, pid)
        return await client.promotion(str(pid))


def measure(url: str, brands: list[object], promotion: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: open the screen ROUNDS times; seconds to each frame, peak RSS."""
    from textual.app import App

    from tui.screens.insights import InsightsScreen
    from tui.store import Store
    from tui.store import insights as figures

    class CachedSession:
        offline = True

        def __init__(self) -> None:
            self.store = Store.open(PROFILE, url, brands)

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.session = CachedSession()

    times: dict[str, list[float]] = {"complete": [], "sql": []}
    rows: list[int] = []
    with Store.open(PROFILE, url, brands) as store:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            figures.read(store, promotion)  # everything, in one read (nothing kept)
            times["sql"].append(time.perf_counter() - start)

    async def painted(screen: InsightsScreen) -> None:
        """Until the screen's next refresh is done (what was shown is in a frame)."""
        done = asyncio.Event()
        screen.call_after_refresh(done.set)
        await done.wait()

    async def run() -> None:
        app = Host()
        async with app.run_test(size=(140, 40)) as pilot:
            for _ in range(ROUNDS):
                start = time.perf_counter()
                screen = InsightsScreen(promotion)
                await app.push_screen(screen)
                while screen.found is None:
                    await asyncio.sleep(0.002)
                await painted(screen)  # the frame with the charts and every table
                times["complete"].append(time.perf_counter() - start)
                rows.append(screen.found.participations)
                await app.pop_screen()
                await pilot.pause()

    asyncio.run(run())
    return {"times": times, "rows": rows[0], "peak_rss_mib": peak_rss_mib()}


def main() -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--keep", type=Path, default=None, metavar="DIR")

    args = parse_args(__doc__, options)
    if args.short:
        pid, rows = cr.ACTIVE_PROMOTION_ID, 5_000
    else:
        pid, rows = cr.BIG_PROMOTION_ID, 1_000_000
    isolate_dirs(args.keep)
    port = 0 if args.keep is None else KEEP_PORT
    with sandbox_process(minute_seconds=1.0, rate_limit=None, port=port) as sandbox:
        url = sandbox.easypromos_url
        brands = asyncio.run(brand_ids(url))
        if cached_rows(url, pid, brands) < rows:
            asyncio.run(reopen_twice(url, pid, 1_000_000, 1.0))
            fill_to(url, pid, rows, brands)
        promotion = asyncio.run(cache_the_rest(url, pid, brands))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        found = pool.apply(measure, (url, brands, promotion))
    complete = [s * 1000 for s in found["times"]["complete"]]
    print(f"{found['rows']:,} participations cached")
    sql = [s * 1000 for s in found["times"]["sql"]]
    for name, ms in (("SQL alone", sql), ("complete view", complete)):
        print(
            f"  {name:<18} first {ms[0]:6.0f} ms, then median {statistics.median(ms[1:]):6.0f} ms"
            f", max {max(ms[1:]):6.0f} ms"
        )
    worst = max(complete)
    peak_mb = found["peak_rss_mib"] * 2**20 / 1e6
    report(
        "insights",
        f"{found['rows']:,} participations: complete "
        f"view {statistics.median(complete):.0f} ms median (first {complete[0]:.0f}, worst "
        f"{worst:.0f}); peak RSS {peak_mb:.0f} MB",
        "complete view < 300 ms, RSS <= 200 MB",
        worst < 300 and peak_mb <= 200,
        args.short,
    )


if __name__ == "__main__":
    main()
