"""`promo-tui insights PROMOTION_ID`: a promotion's figures per day (or hour), from the cache."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from tui.api.endpoints import Collection
from tui.commands._common import (
    CliError,
    UsageError,
    command_parser,
    numeric_id,
    print_table,
    run_async,
    say,
)

if TYPE_CHECKING:
    from tui.store.insights import Insights, Period

COLUMNS = ("date", "participations", "new_users", "coins_added", "coins_removed")
READ = (Collection.PARTICIPATIONS, Collection.USERS, Collection.COIN_TRANSACTIONS)

EXAMPLES = (
    "promo-tui insights 480101",
    "promo-tui insights 480101 --format csv > per-day.csv",
    "promo-tui insights 480101 --by hour --utc --format jsonl",
    "promo-tui insights 480101 --cached          # offline, from the cache",
)

DESCRIPTION = f"""\
One row per day (per hour with --by hour; by default for a promotion that started less than
three days ago) from the promotion's start or its first record to its last record, or to its
end (today while it runs): {", ".join(COLUMNS)}. Days are counted in the promotion's own
timezone (its `timezone` field; stderr says which), in UTC with --utc. Dates are ISO-8601.

The participations, users and coin transactions are refreshed into the local cache first
(cheap when little changed); --cached skips that and says which collections the cache holds
only in part. Figures are counted in the cache by SQL. Data goes to stdout; CSV cells are
escaped as in `promo-tui export`."""


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "insights",
        summary="A promotion's participations, new users and coins per day.",
        description=DESCRIPTION,
        examples=EXAMPLES,
    )
    parser.add_argument("promotion_id", metavar="PROMOTION_ID", type=numeric_id)
    parser.add_argument("--by", choices=("day", "hour"), help="period (default: see above)")
    parser.add_argument("--utc", action="store_true", help="count days in UTC")
    parser.add_argument(
        "--format", choices=("table", "csv", "jsonl"), default="table", help="default: table"
    )
    parser.add_argument(
        "--cached", action="store_true", help="read the local cache only, no network"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_async(lambda: insights(args))


async def insights(args: argparse.Namespace) -> int:
    from tui.cli import settings_from
    from tui.commands._clients import easypromos_client
    from tui.commands._progress import Progress
    from tui.commands.export import open_store
    from tui.store import insights as figures
    from tui.store import sync

    settings = settings_from(args)
    if not settings.cache_enabled:
        raise UsageError(
            f"insights are counted in the cache, which is off in profile {settings.profile!r}"
        )
    pid: str = args.promotion_id
    async with easypromos_client(settings) as client:
        store = await open_store(client, settings, cached=args.cached)
        with store:
            if args.cached:
                promotion = await asyncio.to_thread(figures.cached_promotion, store, pid)
                if promotion is None:
                    raise CliError(f"promotion {pid} is not cached; run without --cached first")
            else:
                promotion = await client.promotion(pid)
                await asyncio.to_thread(figures.remember_promotion, store, promotion)
                progress = Progress(
                    f"insights {pid}", waiting_until=lambda: client.pacer.state().waiting_until
                )
                async with progress.ticking():
                    for collection in READ:
                        name = collection.name.lower().replace("_", " ")

                        def show(report: sync.SyncProgress, name: str = name) -> None:
                            progress.update(status=f"{name}: {report.text()}")

                        await sync.refresh(client, store, collection, pid, on_progress=show)
            try:
                found = await asyncio.to_thread(
                    figures.read, store, promotion, by=args.by, utc=args.utc
                )
            except figures.InsightsError as exc:
                raise CliError(str(exc)) from None
    _notes(found)
    _write(found.periods, args.format)
    return 0


def _notes(found: Insights) -> None:
    """On stderr: the timezone, and what the cache does not hold whole."""
    say(f"promo-tui: {found.by}s in {found.zone.name} ({found.zone.why})")
    for coverage in found.partial:
        say(f"promo-tui: {coverage.label()}: the figures count what is cached")


def _write(periods: list[Period], fmt: str) -> None:
    """The rows on stdout through the export's safe writers (CSV cells and JSON escaped)."""
    rows = [
        {
            "date": p.label,
            "participations": p.participations,
            "new_users": p.new_users,
            "coins_added": p.coins_added,
            "coins_removed": p.coins_removed,
        }
        for p in periods
    ]
    if fmt == "table":
        cells = ([row["date"], *(f"{row[c]:,}" for c in COLUMNS[1:])] for row in rows)
        print_table(COLUMNS, cells)
    elif fmt == "csv":
        from tui.commands import _csv

        _csv.write_rows(sys.stdout, list(COLUMNS), rows)
    else:
        from tui.commands._output import record_line

        sys.stdout.writelines(record_line(row) for row in rows)
    sys.stdout.flush()
