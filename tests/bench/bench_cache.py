"""Cache (issue 9): reopening a 100,000-row promotion cold vs cached, then the app with
1,000,000 cached rows: time to repaint after End, Home, a filter, clearing it, sort, reverse sort.

Cold = `sync.refresh` into an empty store, cached = the same again (calls counted at the sandbox,
scaled minute; the cold time is also given at the real 60 s minute). Then synthetic older rows
bring the promotion to 1,000,000 and the real app opens it on a pty (`_app_probe.py`): each
action is timed to the first frame that shows its complete result. A filter is typed a key at a
time (a different one each round) and timed from the end of the app's 200 ms typing pause, when
it is applied (also printed: from its last key). The sandbox's own 100,000 records hold no
names, so a name's matches all sit past them in the newest-first order. Targets: each repaint
< 100 ms; peak RSS <= 200 MB.

`--keep DIR` keeps the cache in DIR (sandbox on a fixed port, so the cache's key is the same):
a second run skips the reopen figures and the fill (~5 min) and times the app only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from _common import (
    fill_participations,
    isolate_dirs,
    parse_args,
    report,
    run_probe,
    sandbox_process,
)

from tui.api.easypromos import Collection, EasypromosClient
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.store import Store, sync

PROFILE = "bench"
SYNTHETIC_BASE_ID = 2_000_000_000
FILTERS = ["olga smith", "john garcia", "maria rossi", "wei chen", "ana lopez"]  # one per repeat
KEEP_PORT = 18765  # with --keep: the cache is keyed by the API URL, port included


def participation_calls(stats: dict, pid: int) -> int:
    path = Collection.PARTICIPATIONS.url_path(pid)
    return sum(n for p, n in stats["by_path"].items() if p.endswith(path))


async def reopen_twice(url: str, pid: int, limit: int, window: float) -> list[sync.SyncReport]:
    """Refresh the participations into an empty store, then again; both reports."""
    async with EasypromosClient(
        url, Secret(cr.DEMO_TOKEN), rate_limit=limit, rate_window=window
    ) as client:
        brands = [brand.get("id") for brand in await client.organizing_brands()]
        store = Store.open(PROFILE, url, brands)
        try:
            return [await sync.refresh(client, store, Collection.PARTICIPATIONS, pid) for _ in "12"]
        finally:
            store.close()


def cached_rows(url: str, pid: int, brands: list[object]) -> int:
    with Store.open(PROFILE, url, brands) as store:
        return store.count("participations", str(pid))


def fill_to(url: str, pid: int, rows: int, brands: list[object]) -> None:
    with Store.open(PROFILE, url, brands) as store:
        missing = rows - store.count("participations", str(pid))
        seconds = fill_participations(store, str(pid), missing, SYNTHETIC_BASE_ID)
        print(f"added {missing:,} synthetic older rows in {seconds:.1f} s")


async def brand_ids(url: str) -> list[object]:
    async with EasypromosClient(url, Secret(cr.DEMO_TOKEN)) as client:
        return [brand.get("id") for brand in await client.organizing_brands()]


def main() -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--keep", type=Path, default=None, metavar="DIR")

    args = parse_args(__doc__, options)
    if args.short:
        pid, limit, window, rows, repeats = cr.ACTIVE_PROMOTION_ID, 200, 1.0, 5_000, 1
    else:
        pid, limit, window, rows, repeats = cr.BIG_PROMOTION_ID, 200, 10.0, 1_000_000, 5
    isolate_dirs(args.keep)
    port = 0 if args.keep is None else KEEP_PORT
    with sandbox_process(minute_seconds=window, rate_limit=limit, port=port) as sandbox:
        url = sandbox.easypromos_url
        brands = asyncio.run(brand_ids(url))
        cold = cached = None
        if cached_rows(url, pid, brands) < rows:
            cold, cached = asyncio.run(reopen_twice(url, pid, limit, window))
            for name, found in (("cold", cold), ("cached", cached)):
                print(f"reopen {name:<6}: {found.calls:,} calls, {found.seconds:.2f} s")
            print(f"cold at the real 60 s minute: about {cold.seconds / window:.1f} min")
            fill_to(url, pid, rows, brands)
        before = participation_calls(sandbox.stats(), pid)
        config = {
            "scenario": "cached",
            "url": url,
            "token": cr.DEMO_TOKEN,
            "rate_limit": limit,
            "window": window,
            "promotion_id": pid,
            "filters": FILTERS,
            "repeats": repeats,
        }
        found = run_probe(config, timeout=300)
        app_calls = participation_calls(sandbox.stats(), pid) - before
    if "error" in found:
        raise RuntimeError(f"the app probe failed: {found['error']}")
    print(f"app: {found['rows']:,} rows, reopened with {app_calls} participation call(s)")
    worst = 0.0
    for action, seconds in found["times"].items():
        ms = [s * 1000 for s in seconds]
        print(f"  {action:<26} median {statistics.median(ms):7.1f} ms  max {max(ms):7.1f} ms")
        if not action.startswith("open"):
            worst = max(worst, max(ms))
    after_key = [s * 1000 for s in found.get("typed_from_last_key", [])]
    if after_key:
        print(
            f"  typed filter, from its last key (the 200 ms pause included): median "
            f"{statistics.median(after_key):.0f} ms, max {max(after_key):.0f} ms"
        )
    counts = found.get("filtered_rows", [])
    matched = ", ".join(f"{w!r} {n:,}" for w, n in zip(FILTERS, counts, strict=False))
    print(f"  filters matched: {matched}")
    for method, (total, calls, slowest) in found["source_seconds"].items():
        print(
            f"  store {method:<9} {calls:4} calls, {total * 1000:8.1f} ms in all, "
            f"slowest {slowest * 1000:6.1f} ms"
        )
    spent = sorted(found["render_seconds"].items(), key=lambda item: -item[1][0])[:5]
    print("  render time by widget: " + ", ".join(f"{k} {v[0]:.2f} s/{v[1]}" for k, v in spent))
    peak_mb = found["peak_rss_mib"] * 2**20 / 1e6
    reopen = "reopen not timed (cache kept)"
    if cold is not None and cached is not None:
        reopen = (
            f"reopen cold {cold.calls:,} calls/{cold.seconds:.0f} s (~{cold.seconds / window:.1f}"
            f" min real), cached {cached.calls} call/{cached.seconds:.2f} s"
        )
    report(
        "cache",
        f"{reopen}; {found['rows']:,} rows: worst repaint {worst:.0f} ms, "
        f"peak RSS {peak_mb:.0f} MB",
        "repaints < 100 ms, RSS <= 200 MB",
        worst < 100 and peak_mb <= 200 and (cached is None or cached.calls == 1),
        args.short,
    )


if __name__ == "__main__":
    main()
