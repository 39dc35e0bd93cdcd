"""`promo-tui cache info|clear [PROMOTION_ID]`: what the local cache holds, and deleting it.

The cache holds participants' personal data. `clear` leaves none of it on disk: a promotion's
records are deleted and the file rewritten (VACUUM) with its WAL truncated; clearing everything
deletes the profile's cache files outright (moved-aside damaged copies included).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from tui.commands._common import EXIT_FAILED, command_parser, numeric_id, say
from tui.inert import clean
from tui.store import files
from tui.store.store import Scope, Store, StoreError

EXAMPLES = (
    "promo-tui cache info",
    "promo-tui cache info --json",
    "promo-tui cache clear 480101      # one promotion's records",
    "promo-tui --profile work cache clear",
)


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "cache",
        summary="Show or delete the local cache of fetched records.",
        description="The cache lives in the user cache folder, one file per profile and account.",
        examples=EXAMPLES,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = command_parser(
        actions,
        "info",
        summary="Size, promotions, collections and their age.",
        examples=EXAMPLES[:2],
    )
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    clear = command_parser(
        actions,
        "clear",
        summary="Delete cached records (all, or one promotion's).",
        examples=EXAMPLES[2:],
    )
    clear.add_argument("promotion_id", metavar="PROMOTION_ID", nargs="?", type=numeric_id)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tui.cli import settings_from

    settings = settings_from(args)
    databases = files.profile_databases(settings.profile, settings.cache_directory)
    try:
        if args.action == "clear":
            return _clear(settings.profile, databases, args.promotion_id)
        return _info(settings.profile, settings.cache_enabled, databases, args.json)
    except StoreError as exc:
        say(f"promo-tui: {exc}")
        return EXIT_FAILED


def _clear(profile: str, databases: list[Path], promotion_id: str | None) -> int:
    removed = 0
    for path in databases:
        if ".corrupt-" in path.name:
            if promotion_id is None:
                files.remove_database(path)
            continue
        with Store.open_file(path) as store:
            removed += store.clear(promotion_id)
        if promotion_id is None:
            files.remove_database(path)
    what = f"promotion {promotion_id}" if promotion_id else f"profile {profile!r}"
    say(f"promo-tui: deleted {removed:,} cached records of {what}")
    return 0


def _size(path: Path) -> int:
    names = (path.name, *(path.name + side for side in files.SIDE_FILES))
    return sum(p.stat().st_size for p in path.parent.iterdir() if p.name in names)


def _describe(path: Path) -> dict[str, Any]:
    if ".corrupt-" in path.name:
        return {"path": str(path), "bytes": _size(path), "damaged": True, "collections": []}
    with Store.open_file(path) as store:
        info, scopes = store.info(), store.scopes()
    return {
        "path": str(path),
        "bytes": _size(path),
        "api_base_url": info.get("api_base_url"),
        "brands": info.get("brands"),
        "collections": [_scope(scope) for scope in scopes],
    }


def _scope(scope: Scope) -> dict[str, Any]:
    return {
        "promotion_id": scope.promotion_id or None,
        "collection": scope.collection,
        "records": scope.count,
        "refreshed_at": scope.refreshed_at,
        "written_at": scope.written_at,
        "complete": scope.complete,
    }


def _age(moment: float | None, now: float) -> str:
    if moment is None:
        return "never refreshed"
    seconds = max(now - moment, 0.0)
    for unit, length in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            count = int(seconds // length)
            plural = "s" if unit == "day" and count > 1 else ""
            return f"{count} {unit}{plural} ago"
    return "just now"


def _info(profile: str, enabled: bool, databases: list[Path], as_json: bool) -> int:
    described = [_describe(path) for path in databases]
    if as_json:
        print(json.dumps({"profile": profile, "enabled": enabled, "files": described}, indent=2))
        return 0
    state = "on" if enabled else "off (nothing new is written)"
    print(f"Cache of profile {profile!r}: caching {state}")
    if not described:
        print("  empty")
    now = time.time()
    for entry in described:
        print(f"{clean(entry['path'])}  {entry['bytes'] / 2**20:,.1f} MiB")
        if entry.get("damaged"):
            print("  a damaged copy, moved aside (`promo-tui cache clear` deletes it)")
            continue
        print(clean(f"  {entry['api_base_url']}  brands {entry['brands'] or '-'}"))
        for scope in entry["collections"]:
            where = f"promotion {scope['promotion_id']}" if scope["promotion_id"] else "account"
            when = _age(scope["refreshed_at"] or scope["written_at"], now)
            partial = "" if scope["complete"] else "  (incomplete)"
            print(
                f"  {where:<18} {scope['collection']:<18} {scope['records']:>10,} records"
                f"  {when}{partial}"
            )
    return 0
