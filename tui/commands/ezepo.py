"""`promo-tui ezepo`: the suppression-list calls of the Ezepo API, for scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.api.models import LinkType, ListFormat, ListType, Source
from tui.commands import _csv
from tui.commands._common import (
    check_writable_dir,
    command_parser,
    non_empty,
    numeric_id,
    positive_seconds,
    print_table,
    run_async,
    say,
)
from tui.inert import clean, json_text

if TYPE_CHECKING:
    from tui.api.ezepo import EzepoClient
    from tui.config import Settings

    Call = Callable[[EzepoClient, argparse.Namespace, Settings], Awaitable[int]]

SOURCE_NAMES = {source.name.lower(): source for source in Source}
# Affiliates name their platform in words; "Manual" is an internal (hand-made) affiliate.
SOURCE_ALIASES = {**SOURCE_NAMES, "manual": Source.INTERNAL}
LINK_TYPES = [kind.value for kind in LinkType]
LIST_FORMATS = [fmt.value for fmt in ListFormat]


def source_arg(text: str) -> Source:
    """`internal`, `cake`, `everflow`, `leadspedia` or their numbers 1-4."""
    value = text.strip().lower()
    if value in SOURCE_ALIASES:
        return SOURCE_ALIASES[value]
    if value.isdigit() and int(value) in Source._value2member_map_:
        return Source(int(value))
    names = "|".join(SOURCE_NAMES)
    raise argparse.ArgumentTypeError(f"not a source: {text!r} (use {names} or 1-4)")


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "ezepo",
        summary="Ezepo suppression lists: key test, lists, affiliates, links, fetch, new list.",
        examples=(
            "promo-tui ezepo test",
            "promo-tui ezepo link --affid 101 --src internal --listid 1 --type unsub --copy",
            "promo-tui ezepo fetch 1 --format txt -o lists/",
        ),
    )
    commands = parser.add_subparsers(dest="ezepo_command", metavar="COMMAND", required=True)

    def sub(
        name: str,
        summary: str,
        examples: Sequence[str],
        func: Call,
        check: Callable[[argparse.Namespace], None] | None = None,
    ) -> argparse.ArgumentParser:
        child = command_parser(commands, name, summary=summary, examples=examples)
        child.set_defaults(func=lambda args: run_async(lambda: _with_client(args, func, check)))
        return child

    sub("test", "Print the key's role: admin or affiliate.", ("promo-tui ezepo test",), test)
    lists = sub(
        "lists",
        "List the suppression lists (count, last upload and notes with an admin key).",
        ("promo-tui ezepo lists", "promo-tui ezepo lists --json | jq '.[].name'"),
        show_lists,
    )
    lists.add_argument("--json", action="store_true", help="the lists as the API gave them")
    affiliates = sub(
        "affiliates",
        "List the affiliates (admin key); their keys are masked.",
        ("promo-tui ezepo affiliates", "promo-tui ezepo affiliates --json"),
        show_affiliates,
    )
    affiliates.add_argument("--json", action="store_true", help="the affiliates as JSON")
    link = sub(
        "link",
        "Print one affiliate's unsubscribe or download link, alone on stdout.",
        (
            "promo-tui ezepo link --affid 101 --src internal --listid 1 --type unsub",
            "promo-tui ezepo link --affid 101 --src 3 --listid 1 --type download --copy",
        ),
        show_link,
    )
    link.add_argument("--affid", metavar="A", type=numeric_id, required=True)
    link.add_argument(
        "--src",
        metavar="SRC",
        type=source_arg,
        required=True,
        help=f"{'|'.join(SOURCE_NAMES)} or 1-4",
    )
    _list_and_type(link)
    link.add_argument("--copy", action="store_true", help="also copy it to the clipboard")
    links = sub(
        "links",
        "One link per affiliate of a list (admin key).",
        (
            "promo-tui ezepo links --listid 1 --type unsub",
            "promo-tui ezepo links --listid 1 --type unsub --format csv > links.csv",
        ),
        show_links,
    )
    _list_and_type(links)
    links.add_argument(
        "--format", choices=("text", "csv"), default="text", help=f"default: text. {_csv.HELP}"
    )
    fetch = sub(
        "fetch",
        "Fetch a list's data: start a job, poll it, download and safely unzip it.",
        ("promo-tui ezepo fetch 1 --format txt -o lists/", "promo-tui ezepo fetch 1 -o . --poll 5"),
        fetch_list,
        _check_output_dir,
    )
    fetch.add_argument("listid", metavar="LISTID", type=numeric_id)
    fetch.add_argument("--format", choices=LIST_FORMATS, default="txt", help="default: txt")
    fetch.add_argument("-o", "--output", metavar="DIR", type=Path, required=True)
    fetch.add_argument(
        "--poll", metavar="SECONDS", type=positive_seconds, help="status poll interval"
    )
    newlist = sub(
        "newlist",
        "Create a list (admin key); without --type and --format it waits in the queue.",
        ('promo-tui ezepo newlist --listid 12 --name "Newsletter" --type 1 --format txt',),
        new_list,
    )
    newlist.add_argument("--listid", metavar="L", type=numeric_id, required=True)
    newlist.add_argument("--name", metavar="N", type=non_empty, required=True)
    newlist.add_argument(
        "--type", type=int, choices=[t.value for t in ListType], help="1 opt-out site on, 2 off"
    )
    newlist.add_argument("--format", choices=LIST_FORMATS)


def _list_and_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listid", metavar="L", type=numeric_id, required=True)
    parser.add_argument("--type", choices=LINK_TYPES, required=True, help="unsub or download")


async def _with_client(
    args: argparse.Namespace, func: Call, check: Callable[[argparse.Namespace], None] | None
) -> int:
    """Check the arguments, then run `func` with the profile's client."""
    from tui.cli import settings_from
    from tui.commands._clients import ezepo_client

    if check is not None:
        check(args)
    settings = settings_from(args)
    async with ezepo_client(settings) as client:
        return await func(client, args, settings)


async def test(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    print((await client.test()).label)
    return 0


def _as_json(items: Sequence[Any]) -> str:
    """Models' raw data as JSON (secrets inside it stay masked)."""
    return json_text([item.raw for item in items], indent=2)


async def show_lists(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    lists = await client.lists()
    if args.json:
        print(_as_json(lists))
        return 0
    print_table(
        ("listid", "name", "active", "format", "count", "last_upload", "notes"),
        (
            (
                item.listid,
                item.name,
                "" if item.active is None else "Y" if item.active else "N",
                item.format,
                "" if item.count is None else f"{item.count:,}",
                item.last_upload,
                item.notes,
            )
            for item in lists
        ),
    )
    return 0


async def show_affiliates(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    affiliates = await client.affiliates()
    if args.json:
        print(_as_json(affiliates))
        return 0
    print_table(
        ("affid", "source", "name", "affiliate_key"),
        (
            (item.affid, _source_label(item.source), item.name, item.affiliate_key)
            for item in affiliates
        ),
    )
    return 0


def _source_label(source: str | None) -> str:
    try:
        return source_arg(source or "").label
    except argparse.ArgumentTypeError:
        return source or ""


async def show_link(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    link = await client.link(args.affid, args.src, args.listid, args.type)
    print(clean(link), flush=True)
    if args.copy:
        copy_to_clipboard(link)
    return 0


def copy_to_clipboard(text: str) -> None:
    """Copy to the system clipboard; say on stderr whether it worked."""
    from tui.clipboard import system_copy

    failure = system_copy(text)
    if failure is None:
        say("promo-tui: link copied to the clipboard")
    else:
        say(f"promo-tui: could not copy the link to the clipboard ({failure})")


async def show_links(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    rows = []
    for affiliate in await client.affiliates():
        try:
            source = source_arg(affiliate.source or "")
        except argparse.ArgumentTypeError:
            say(f"promo-tui: affiliate {affiliate.affid} has an unknown source; no link")
            link = ""
        else:
            link = await client.link(affiliate.affid, source, args.listid, args.type)
        rows.append(
            {
                "affid": affiliate.affid,
                "name": affiliate.name,
                "source": _source_label(affiliate.source),
                "link": link,
            }
        )
    if args.format == "csv":
        _csv.write_rows(sys.stdout, ["affid", "name", "source", "link"], rows)
    else:
        print_table(("affid", "name", "source", "link"), (list(row.values()) for row in rows))
    return 0


def _check_output_dir(args: argparse.Namespace) -> None:
    """`-o DIR`: an existing writable folder, or one we may create (UsageError otherwise)."""
    target = args.output.expanduser().absolute()
    if target.exists():
        check_writable_dir(target)
    else:
        check_writable_dir(target.parent, what=f"cannot create {target}")
    args.output = target


async def fetch_list(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    from tui.api.ezepo import FetchProgress
    from tui.commands._progress import Progress

    poll = args.poll or settings.ezepo_poll_seconds
    latest: list[FetchProgress] = []
    progress = Progress(
        f"list {args.listid}",
        waiting_until=lambda: latest[-1].next_poll_at if latest else None,
        waiting_label="next status check in",
    )

    def report(update: FetchProgress) -> None:
        latest.append(update)
        del latest[:-1]
        words = [update.phase.value, update.status or ""]
        if update.bytes_downloaded:
            words.append(f"{update.bytes_downloaded:,} bytes")
        progress.update(status=" ".join(word for word in words if word))

    async with progress.ticking():
        result = await client.fetch_list(
            args.listid, args.format, args.output, poll_seconds=poll, on_progress=report
        )
    print(f"{clean(result.path)}\t{result.count}")
    return 0


async def new_list(client: EzepoClient, args: argparse.Namespace, settings: Settings) -> int:
    await client.new_list(args.listid, args.name, type=args.type, format=args.format)
    queued = args.type is None or args.format is None
    print(f"list {args.listid} created" + (" (waiting in the New List Queue)" if queued else ""))
    return 0
