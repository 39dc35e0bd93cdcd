"""Store figures at scale: fill N participations, then time count, filter, sort and scrolling.

A script, not a test: `.venv/bin/python tests/bench/bench_store.py [--short] [--rows N] [--dir D]`.
Reuses the database in `--dir` when it already holds the rows. Prints milliseconds per call
(first call, then best of 3) and peak RSS. Target: every query (not the full export stream)
under 100 ms on its first call, peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from _common import fill_participations, parse_args, peak_rss_mib, report

from tui.store import Store

PID = "1001"


SLOWEST: list[tuple[float, str]] = []


def timed(label: str, call: Callable[[], object], before: Callable[[], object] = list) -> None:
    """Print the first call's time (cold: a new filter is evaluated) and the best of 3 more
    (each after `before()`, untimed)."""
    times = []
    result: object = None
    for _ in range(4):
        before()
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    shown = result if isinstance(result, int) else len(result)  # type: ignore[arg-type]
    first, best = times[0] * 1000, min(times[1:]) * 1000
    print(f"{label:<46} first {first:7.1f} ms  then {best:7.1f} ms  ({shown:,})")
    SLOWEST.append((first, label))


def fresh_filter(store: Store, words: str) -> list[dict[str, object]]:
    """What typing a new filter costs: count and first page, with the match set not cached."""
    with store._db.locked() as conn:
        store._db.reset(conn)  # every match set and order dropped, as a typed-over filter does
    store.count("participations", PID, words)
    return store.rows("participations", PID, 0, 50, words)


def typed(store: Store, words: str, sort: str) -> None:
    """Type a filter as the app does (count and first page while the typing pause runs, the
    view sorted by `sort`), then wait for its order to be built in the background."""
    start = time.perf_counter()
    store.count("participations", PID, words)
    store.rows("participations", PID, 0, 50, words, sort=sort)
    typed_ms = (time.perf_counter() - start) * 1000
    store.settle(60)
    built_ms = (time.perf_counter() - start) * 1000
    print(f"(typed {words!r} by {sort}: count + first page {typed_ms:.1f} ms, order built", end="")
    print(f" {built_ms:.0f} ms after the typing began)")


def main() -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--rows", type=int, default=None, help="default 1,000,000 (short 5,000)"
        )
        parser.add_argument("--dir", type=Path, default=None)

    args = parse_args(__doc__, options)
    args.rows = args.rows or (5_000 if args.short else 1_000_000)
    folder = args.dir
    if folder is None:  # a throwaway database (~850 MiB at 1,000,000 rows): removed at exit
        folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    start = time.perf_counter()
    store = Store.open("bench", "http://bench/v2", "bench", directory=folder)
    print(f"opened in {time.perf_counter() - start:.1f} s {store.warnings or ''}")
    if store.count("participations", PID) != args.rows:
        store.clear()
        print(f"filled {args.rows:,} rows in {fill_participations(store, PID, args.rows):.1f} s")
    assert store.path is not None
    size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    print(f"database {store.path} {size:,.0f} MiB")
    n = args.rows
    c, p = "participations", PID
    timed("count", lambda: store.count(c, p))
    for words in ("gmail", "olga smith", "ol", "john.garcia12"):
        timed(f"count filter {words!r}", partial(store.count, c, p, words))
    for label, offset in (("first", 0), ("middle", n // 2), ("last", n - 50)):
        timed(f"rows 50 by created, {label} page", partial(store.rows, c, p, offset, 50))
        timed(
            f"rows 50 by points asc, {label} page",
            partial(store.rows, c, p, offset, 50, sort="points", descending=False),
        )
    store.count(c, p, "example")  # typed, and at once a jump to its middle (information only):
    store.rows(c, p, 0, 50, "example", sort="points")  # its order is built meanwhile
    start = time.perf_counter()
    store.rows(c, p, store.count(c, p, "example") // 2, 50, "example", sort="points")
    jump_ms = (time.perf_counter() - start) * 1000
    print(f"(a jump to the middle of 'example' by points right after typing it: {jump_ms:.0f} ms)")
    for words in ("gmail", "olga smith", "john.garcia12"):
        typed(store, words, "points")
        hits = store.count(c, p, words)
        deep = (("middle", hits // 2), ("5/8 (next jump)", hits * 5 // 8))
        for label, offset in (("first", 0), *deep, ("last", max(hits - 50, 0))):
            timed(
                f"rows 50 filter {words!r} by points, {label}",
                partial(store.rows, c, p, offset, 50, words, sort="points"),
            )
    for text in (None, "gmail"):
        middle = store.count(c, p, text) // 2 + 1000
        store.rows(c, p, middle, 50, text, sort="points")  # the jump; then scroll from there
        steps = itertools.count(middle + 1)

        def scroll(text: str | None = text, steps: Iterator[int] = steps) -> object:
            return store.rows(c, p, next(steps), 50, text, sort="points")

        timed(f"scroll 1 row in the middle, filter {text!r}", scroll)
    for words in ("maria", "o", "olga s"):  # "o", "olga s": one-letter prefixes, while typing
        label = f"new filter {words!r} + count + first page"
        timed(label, partial(fresh_filter, store, words), store.settle)  # (the last one's order)
    timed("index_of a middle row by created", lambda: store.index_of(c, p, str(n // 2)) or 0)
    timed(
        "index_of a middle row, filter 'gmail'",
        lambda: store.index_of(c, p, "500001", "gmail") or 0,
    )
    # After a sort change the selection is looked up in an order no page was served in yet.
    timed(
        "index_of a middle row by stage_id (cold)",
        lambda: store.index_of(c, p, str(n // 2), sort="stage_id") or 0,
    )
    member = store.rows(c, p, store.count(c, p, "gmail") // 2, 1, "gmail", sort="points")
    store.settle()
    timed(
        "index_of a 'gmail' row by stage_id (cold)",
        lambda: store.index_of(c, p, member[0]["id"], "gmail", "stage_id") or 0,
    )
    timed("version", lambda: store.version(c, p))
    start = time.perf_counter()
    streamed = sum(1 for _ in store.iter_records(c, p))
    print(f"iter_records all {streamed:,} rows{'':<22} {time.perf_counter() - start:8.1f} s")
    store.close()
    peak_mb = peak_rss_mib() * 2**20 / 1e6
    worst, label = max(SLOWEST)
    report(
        "store",
        f"{n:,} rows: slowest query {worst:.0f} ms ({label.strip()}), peak RSS {peak_mb:.0f} MB",
        "< 100 ms, <= 200 MB",
        worst < 100 and peak_mb <= 200,
        args.short,
    )


if __name__ == "__main__":
    main()
