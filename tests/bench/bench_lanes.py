"""Interactive lane: how long what the user waits on takes while bulk loads use the budget.

1. Latency. The 1,000-page promotion loads page by page in a thread of its own (as the app's
   refresh does, bulk lane), and every `--every` seconds (randomised) a "user detail" is timed:
   the user, then their coin transactions, two interactive calls. p50 and p95 of that, from the
   end of the first window (when the budget is in full use), at the real minute by default.
   Against the same run with the load in the interactive lane too (first come, first served:
   the load takes a window's budget in a burst and everyone waits for the next window).
2. App and export. `promo-tui export` of the same promotion in another process (bulk, the shared
   budget; caching off, so that its time is the API's and not the CSV's) while this one reads a
   user detail every `--app-every` seconds (at the real minute; 200 calls / 20 s by default: the
   CLI writes ~20 pages a second here, a faster scale would measure its CPU):
   429s (the sandbox's count, both processes) and the export's time / ideal, ideal = its calls /
   (limit - the details' calls a window) windows: the time it would take with every call the
   user did not make. While the user is active, bulk keeps as many slots free as they used, up
   to the reserve: a user twice as active costs the export that much more.

A lone export's time / ideal is bench_export's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from _common import (
    PYTHON,
    Sandbox,
    isolate_dirs,
    parse_args,
    percentile,
    report,
    sandbox_process,
)

from tui.api.easypromos import Collection, EasypromosClient
from tui.api.pacing import Lane
from tui.redact import Secret
from tui.sandbox import credentials as cr

BIG = cr.BIG_PROMOTION_ID


def client(url: str, limit: int, window: float, lane: Lane) -> EasypromosClient:
    token = Secret(cr.DEMO_TOKEN)
    return EasypromosClient(url, token, rate_limit=limit, rate_window=window, lane=lane)


def load_in_thread(url: str, limit: int, window: float, lane: Lane) -> Callable[[], None]:
    """Stream the big promotion's participations on a thread of its own; a call that stops it."""
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[None]]] = []
    started = threading.Event()

    async def load() -> None:
        task = asyncio.current_task()
        assert task is not None
        running.append((asyncio.get_running_loop(), task))
        started.set()
        async with client(url, limit, window, lane) as ep:
            async for _ in ep.pages(Collection.PARTICIPATIONS, BIG):
                pass

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(load())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait()

    def stop() -> None:
        loop, task = running[0]
        loop.call_soon_threadsafe(task.cancel)
        thread.join()

    return stop


async def user_details(
    url: str, limit: int, window: float, every: float, done: Callable[[], bool]
) -> list[tuple[float, float]]:
    """As the app: the account check, then a user detail every ~`every` s until `done()`:
    (when each started, how long it took)."""
    timed: list[tuple[float, float]] = []
    async with client(url, limit, window, Lane.INTERACTIVE) as ep:
        await ep.organizing_brands()
        first = await anext(aiter(ep.pages(Collection.USERS, BIG)))
        users = [str(item["id"]) for item in first.items]
        start = time.monotonic()
        rnd = random.Random(15)
        while not done():
            await asyncio.sleep(rnd.uniform(0.5, 1.5) * every)
            uid = rnd.choice(users)
            began = time.monotonic()
            await ep.user(BIG, uid)
            await ep.user_coin_transactions(BIG, uid)
            timed.append((began - start, time.monotonic() - began))
    return timed


def latency(url: str, limit: int, window: float, seconds: float, every: float, lane: Lane) -> str:
    """Part 1 with the load in `lane`: 'p50/p95' in seconds."""
    stop = load_in_thread(url, limit, window, lane)
    deadline = time.monotonic() + seconds
    try:
        timed = asyncio.run(
            user_details(url, limit, window, every, lambda: time.monotonic() > deadline)
        )
    finally:
        stop()
    waits = [took for began, took in timed if began >= window]
    p50, p95 = percentile(waits, 50), percentile(waits, 95)
    print(
        f"load in the {lane.value} lane: {len(waits)} user details after the first window, "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(waits, default=float('nan')):.2f} s"
    )
    return f"{p50:.2f}/{p95:.2f}"


def app_and_export(
    sandbox: Sandbox, limit: int, window: float, pid: int, every: float | None
) -> tuple[int, float]:
    """Part 2: (429s, the export's time / ideal), beside the app (`every` None: alone)."""
    env = {
        **os.environ,
        "EASYPROMOS_TOKEN": cr.DEMO_TOKEN,
        "EASYPROMOS_API_URL": sandbox.easypromos_url,
        "PROMO_TUI_RATE_LIMIT": str(limit),
        "PROMO_TUI_RATE_WINDOW_SECONDS": str(window),
    }
    home = Path(os.environ["XDG_CACHE_HOME"]).parent
    no_cache = home / "no-cache.toml"  # pages straight to the file: its time is the API's
    no_cache.write_text("[defaults]\ncache_enabled = false\n", encoding="utf-8")
    no_cache.chmod(0o600)
    command = [str(Path(PYTHON).with_name("promo-tui")), "export", "participations", str(pid)]
    command += ["--config", str(no_cache)]
    out = home / "export.csv"
    sandbox.reset_stats()
    started = time.monotonic()
    export = subprocess.Popen(
        [*command, "-o", str(out)], env=env, stderr=subprocess.PIPE, text=True
    )
    timed = (
        []
        if every is None
        else asyncio.run(
            user_details(
                sandbox.easypromos_url, limit, window, every, lambda: export.poll() is not None
            )
        )
    )
    export.wait()
    seconds = time.monotonic() - started
    _, errors = export.communicate()
    if export.returncode != 0:
        raise SystemExit(f"the export failed: {errors.strip()[-300:]}")
    stats = sandbox.stats()
    rejected = int(stats["by_status"].get("429", 0))
    app_calls = 0 if every is None else 2 + 2 * len(timed)  # account, users page, details
    # (the export, caching off, makes no account check: its calls count against any account)
    export_calls = int(stats["requests"]) - app_calls
    app_per_window = app_calls / seconds * window
    ideal = export_calls / (limit - app_per_window) * window
    beside = (
        f"beside an app making {app_calls} ({app_per_window:.1f} a window)" if timed else "alone"
    )
    print(
        f"export of {pid} {beside}: {export_calls} calls in {seconds:.1f} s, ideal {ideal:.1f} s, "
        f"ratio {seconds / ideal:.2f}; 429s {rejected}"
    )
    return rejected, seconds / ideal


def main() -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--window", type=float, help="latency: a 'minute' (default 60 s)")
        parser.add_argument("--seconds", type=float, help="latency: each run's length (180 s)")
        parser.add_argument("--every", type=float, help="real seconds between details (4)")
        parser.add_argument("--app-every", type=float, help="the same beside the export (10)")
        parser.add_argument("--export-window", type=float, help="app + export (default 20 s)")

    args = parse_args(__doc__, options)
    if args.short:
        limit, window, seconds, every, export_window, app_every = 20, 2.0, 6.0, 10.0, 2.0, 10.0
    else:
        limit, window, seconds, every, export_window, app_every = 200, 60.0, 180.0, 4.0, 20.0, 10.0
    window, seconds = args.window or window, args.seconds or seconds
    every, export_window = args.every or every, args.export_window or export_window
    app_every = args.app_every or app_every
    figures = {}
    for lane in (Lane.BULK, Lane.INTERACTIVE):  # each run on a fresh sandbox and budget
        isolate_dirs()
        with sandbox_process(minute_seconds=window, rate_limit=limit) as sandbox:
            print(
                f"limit {limit} per {window:g} s; a user detail every ~{every * window / 60:.2f} s"
            )
            url = sandbox.easypromos_url
            figures[lane] = latency(url, limit, window, seconds, every * window / 60, lane)
    exports = {}
    for app in (False, True):  # the CLI's own work sets the pace at fast scales: alone first
        isolate_dirs()
        with sandbox_process(minute_seconds=export_window, rate_limit=limit) as sandbox:
            pid = cr.ACTIVE_PROMOTION_ID if args.short else BIG
            scaled = app_every * export_window / 60 if app else None
            exports[app] = app_and_export(sandbox, limit, export_window, pid, scaled)
    (rejected, ratio), alone = exports[True], exports[False][1]
    p95 = float(figures[Lane.BULK].split("/")[1])
    report(
        "interactive lane",
        f"user detail p50/p95 {figures[Lane.BULK]} s during a paced load "
        f"(no lanes: {figures[Lane.INTERACTIVE]} s); app + export: {rejected} 429s, "
        f"export {ratio:.2f}x ideal (alone {alone:.2f}x)",
        "p95 < 1 s; 0 429s, <= 1.1x",
        p95 < 1.0 and rejected == 0 and ratio <= 1.1,
        args.short,
    )


if __name__ == "__main__":
    main()
