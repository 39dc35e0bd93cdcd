"""`promo-tui export`: a whole collection as CSV or JSON lines, streamed page by page."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.api.endpoints import Collection
from tui.commands import _csv
from tui.commands._common import (
    CliError,
    UsageError,
    check_writable_file,
    command_parser,
    iso_datetime,
    numeric_id,
    run_async,
    say,
)
from tui.declarations import DECLARATIONS, first
from tui.store.schema import UPGRADE_NOTE
from tui.store.specs import extract, parse_time, spec_for
from tui.store.store import Store, StoreError

if TYPE_CHECKING:
    from tui.api.easypromos import EasypromosClient
    from tui.commands._output import Sink
    from tui.commands._progress import Progress
    from tui.config import Settings

KINDS = {DECLARATIONS[collection].kind: collection for collection in Collection}
PROMOTION_STATUSES = ("all", "draft", "active", "expired")
STATUS_KINDS = ("promotions", "users")

EXAMPLES = (
    "promo-tui export participations 480101 -o participations.csv",
    "promo-tui export users 480101 --format jsonl --since 2024-05-01 > users.jsonl",
    "promo-tui export promotions --status active --format jsonl",
    "promo-tui export participations 480101 -o p.csv --resume   # after an interruption",
    "promo-tui export users 480101 --cached -o users.csv        # offline, from the cache",
)

DESCRIPTION = f"""\
KIND is one of: {", ".join(KINDS)}. All but brands and promotions need a PROMOTION_ID.

Records stream page by page (constant memory). Data goes to stdout, or with -o into FILE, which
appears only once complete (the pages land in a hidden .FILE.part first; --resume continues an
interrupted export from its last page). A progress line shows on stderr when it is a terminal.

By default the local cache is refreshed first (cheap when little changed) and the export reads
from it; --cached skips the refresh. With caching off the pages stream straight from the API.

JSONL keeps each record as the API gave it. {_csv.HELP}"""


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "export",
        summary="Export a collection as CSV or JSON lines.",
        description=DESCRIPTION,
        examples=EXAMPLES,
    )
    parser.add_argument("kind", metavar="KIND", choices=list(KINDS), help="what to export")
    parser.add_argument(
        "promotion_id", metavar="PROMOTION_ID", nargs="?", type=numeric_id, help="the promotion"
    )
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="default: csv")
    parser.add_argument("-o", "--output", metavar="FILE", type=Path, help="write into FILE")
    parser.add_argument(
        "--status",
        metavar="S",
        help=f"promotions: one of {', '.join(PROMOTION_STATUSES)}; users: their status field",
    )
    parser.add_argument(
        "--since",
        metavar="ISO",
        type=iso_datetime,
        help="only records created at or after this date/time (UTC unless it has an offset)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the interrupted export into -o FILE"
    )
    parser.add_argument(
        "--cached", action="store_true", help="read the local cache only, no network"
    )
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Request:
    """A validated export request."""

    kind: str
    collection: Collection
    promotion_id: str | None
    fmt: str
    output: Path | None
    status: str | None
    since: datetime | None
    resume: bool
    cached: bool

    def params(self, source: str) -> dict[str, Any]:
        """What a resumable partial must have been made with."""
        return {
            "kind": self.kind,
            "promotion_id": self.promotion_id,
            "format": self.fmt,
            "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "source": source,
        }


def run(args: argparse.Namespace) -> int:
    return run_async(lambda: export(args))


def validate(args: argparse.Namespace) -> Request:
    """Check the arguments before anything is sent or written (UsageError otherwise)."""
    kind: str = args.kind
    collection = KINDS[kind]
    if collection.per_promotion and args.promotion_id is None:
        raise UsageError(f"export {kind} needs a PROMOTION_ID")
    if not collection.per_promotion and args.promotion_id is not None:
        raise UsageError(f"export {kind} takes no PROMOTION_ID")
    status = args.status
    if status is not None:
        if kind not in STATUS_KINDS:
            raise UsageError(f"--status applies to {' and '.join(STATUS_KINDS)} only")
        if kind == "promotions" and status not in PROMOTION_STATUSES:
            raise UsageError(f"--status must be one of {', '.join(PROMOTION_STATUSES)}")
    if args.since is not None and not spec_for(collection).created_paths:
        raise UsageError(f"--since needs records with a created time; {kind} have none")
    if args.resume and args.output is None:
        raise UsageError("--resume needs -o FILE")
    output = check_writable_file(args.output) if args.output is not None else None
    return Request(
        kind=kind,
        collection=collection,
        promotion_id=args.promotion_id,
        fmt=args.format,
        output=output,
        status=None if status == "all" else status,
        since=args.since,
        resume=args.resume,
        cached=args.cached,
    )


# -- running -------------------------------------------------------------------------------------


async def export(args: argparse.Namespace) -> int:
    """Fetch and write; the sink is kept resumable when anything stops it."""
    request = validate(args)
    from tui.api.pacing import Lane
    from tui.cli import settings_from
    from tui.commands._clients import easypromos_client
    from tui.commands._output import FileSink, StdoutSink
    from tui.commands._progress import Progress

    settings = settings_from(args)
    if request.cached and not settings.cache_enabled:
        raise UsageError(f"--cached needs the cache, which is off in profile {settings.profile!r}")
    use_store = settings.cache_enabled
    source = "cache" if use_store else "api"
    async with easypromos_client(settings, Lane.BULK) as client:
        sink: Sink = (
            FileSink(request.output, request.fmt, request.params(source), resume=request.resume)
            if request.output
            else StdoutSink(request.fmt)
        )
        label = f"{request.kind} {request.promotion_id or ''}".strip()
        progress = Progress(label, waiting_until=lambda: client.pacer.state().resumes_at)
        try:
            async with progress.ticking():
                if not sink.fetched_all:
                    pages = (
                        _store_pages(client, settings, request, sink.resume_cursor, progress)
                        if use_store
                        else _api_pages(client, request, sink.resume_cursor)
                    )
                    await _pump(pages, _keep(request), sink, progress)
                sink.finish()
        except BaseException:
            sink.abort()
            raise
    if request.output:
        say(f"promo-tui: exported {sink.records:,} {request.kind} to {request.output}")
    return 0


PageStream = AsyncIterator[tuple[list[dict[str, Any]], str | None]]


Keep = Callable[[Mapping[str, Any]], "bool | None"]


async def _pump(pages: PageStream, keep: Keep, sink: Sink, progress: Progress) -> None:
    """Write every page's kept records; stop early once `keep` says the rest are too old."""
    count = 0
    async for items, cursor in pages:
        kept = []
        finished = cursor is None
        for item in items:
            verdict = keep(item)
            if verdict is None:  # older than --since, and so is everything after it
                finished = True
                break
            if verdict:
                kept.append(item)
        sink.write_page(kept, None if finished else cursor)
        count += 1
        progress.update(records=sink.records, pages=count)
        if finished:
            return


def _keep(request: Request) -> Callable[[Mapping[str, Any]], bool | None]:
    """Whether to keep a record: True, False, or None when it and all after it are too old."""
    spec = spec_for(request.collection)
    since = request.since.timestamp() if request.since else None
    status = request.status
    # Newest-first collections end at the first record older than --since.
    too_old = None if spec.incremental else False

    def keep(record: Mapping[str, Any]) -> bool | None:
        if since is not None:
            created = parse_time(first(record, spec.created_paths))
            if created is None:
                return False
            if created < since:
                return too_old
        return status is None or str(record.get("status")) == status

    return keep


async def _api_pages(client: EasypromosClient, request: Request, cursor: str | None) -> PageStream:
    """Pages straight from the API (newest first), from `cursor` on."""
    params = {"status": request.status or "all"} if request.kind == "promotions" else {}
    async for page in client.pages(
        request.collection, request.promotion_id, cursor=cursor, **params
    ):
        yield page.items, page.next_cursor


async def _store_pages(
    client: EasypromosClient,
    settings: Settings,
    request: Request,
    cursor: str | None,
    progress: Progress,
) -> PageStream:
    """Refresh the cache (unless --cached), then stream it in the API's order (newest first).

    The cursor of a cache export is the id of the last record written: a resumed export skips
    the records up to it.
    """
    from tui.store import sync
    from tui.store.store import PAGE_SIZE

    store = await open_store(client, settings, cached=request.cached)
    with store:
        name, pid = request.collection, request.promotion_id
        if not request.cached:
            await sync.refresh(
                client, store, name, pid, on_progress=lambda p: progress.update(status=p.text())
            )
            progress.update(status="writing")
        elif not store.freshness(name, pid).complete:
            say(f"promo-tui: the cache of {request.kind} is incomplete; exporting what it holds")
        spec = spec_for(name)
        skipping = cursor is not None
        batch: list[dict[str, Any]] = []
        for record in store.iter_records(name, pid, batch_size=PAGE_SIZE):
            if skipping:
                skipping = extract(spec, record).id != cursor
                continue
            batch.append(record)
            if len(batch) == PAGE_SIZE:
                yield batch, extract(spec, record).id
                batch = []
                await asyncio.sleep(0)
        if skipping:
            raise CliError(
                f"the last record written ({cursor}) is no longer in the cache; "
                "run without --resume to start over"
            )
        yield batch, None


async def open_store(client: EasypromosClient, settings: Settings, *, cached: bool) -> Store:
    """The profile's cache for the token's account (`cached`: the latest one, found without
    the API); CliError when it cannot be used."""
    try:
        if cached:
            return await asyncio.to_thread(_open_cached_store, settings)
        brands = [brand.get("id") for brand in await client.organizing_brands()]
        return await asyncio.to_thread(
            Store.open,
            settings.profile,
            settings.easypromos_url,
            brands,
            max_age_days=settings.cache_max_age_days,
            directory=settings.cache_directory,
            on_upgrade=_say_upgrading,
        )
    except StoreError as exc:
        raise CliError(
            f"{exc}; try `promo-tui cache clear`, or turn caching off (cache_enabled = false)"
        ) from None
    except OSError as exc:
        raise CliError(
            f"cannot use the cache folder ({exc.strerror or exc}: {exc.filename}); fix it, "
            "or turn caching off (cache_enabled = false)"
        ) from None


def _open_cached_store(settings: Settings) -> Store:
    """The profile's latest cache for this API, found without asking the API for the account."""
    store = Store.open_latest(
        settings.profile, settings.easypromos_url, settings.cache_directory, _say_upgrading
    )
    if store is None:
        raise CliError(
            f"nothing is cached for profile {settings.profile!r}; run without --cached first"
        )
    if settings.cache_max_age_days is not None:
        store.prune(settings.cache_max_age_days * 86400.0)
    return store


def _say_upgrading() -> None:
    say(f"promo-tui: {UPGRADE_NOTE}")
