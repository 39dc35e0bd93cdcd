"""`promo-tui coins`: grant or take virtual coins, and read the local journal of transactions."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.commands._common import (
    EXIT_FAILED,
    EXIT_UNKNOWN,
    CliError,
    UsageError,
    command_parser,
    is_tty,
    non_empty,
    nonzero_int,
    numeric_id,
    print_table,
    run_async,
    say,
)
from tui.inert import json_escaped, json_text

if TYPE_CHECKING:
    from tui.api.easypromos import EasypromosClient
    from tui.api.journal import Journal, JournalEntry


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "coins",
        summary="Send virtual-coin transactions and list the local journal.",
        examples=(
            'promo-tui coins add 480102 42 +50 --concept "Support: missing reward"',
            "promo-tui coins journal",
        ),
    )
    commands = parser.add_subparsers(dest="coins_command", metavar="COMMAND", required=True)
    add = command_parser(
        commands,
        "add",
        summary="Add (or with a negative AMOUNT, take) coins of one user, once.",
        description=(
            "Asks for confirmation on a terminal unless --yes; without a terminal on stdin it\n"
            "refuses unless --yes. Prints the created transaction as JSON. Every transaction is\n"
            "journaled before it is sent, and its concept ends with a short reference\n"
            "(' · ref 7K3Q9'; coin_reference = false in the config turns it off). When the answer\n"
            "is lost, the user's transactions are read back for up to coin_check_seconds (120)\n"
            "to find it. When its outcome cannot be known (or Ctrl+C while it is sent), the exit\n"
            "code is 3 and the journal entry is printed: `promo-tui coins journal` checks it\n"
            "again; do not send it again before. Applied but not journaled (the journal could\n"
            "not be written): exit 0 with a warning."
        ),
        examples=(
            'promo-tui coins add 480102 42 +50 --concept "Support: missing reward"',
            'promo-tui coins add 480102 42 -10 --concept "Correction" --yes',
        ),
    )
    add.add_argument("promotion_id", metavar="PROMOTION_ID", type=numeric_id)
    add.add_argument("user_id", metavar="USER_ID", type=numeric_id)
    add.add_argument("amount", metavar="AMOUNT", type=nonzero_int, help="whole number, not 0")
    add.add_argument("--concept", metavar="TEXT", type=non_empty, required=True)
    add.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add.set_defaults(func=run_add)
    journal = command_parser(
        commands,
        "journal",
        summary="List the local journal of coin transactions, oldest first.",
        description=(
            "Open entries of the profile's account (sent, outcome not known yet) are first\n"
            "checked against the users' transactions, for up to coin_check_seconds after they\n"
            "were sent; --no-check lists the journal as it is."
        ),
        examples=("promo-tui coins journal", "promo-tui coins journal --no-check"),
    )
    journal.add_argument(
        "--no-check", action="store_true", help="do not check open entries first (no network)"
    )
    journal.set_defaults(func=run_journal)


def run_add(args: argparse.Namespace) -> int:
    sending: list[tuple[Journal, JournalEntry]] = []  # the entry, once its POST may leave
    try:
        return run_async(lambda: add_coins(args, sending))
    except KeyboardInterrupt:
        if not sending:
            raise  # nothing was sent: 130
        return interrupted(*sending[0])


async def add_coins(args: argparse.Namespace, sending: list[tuple[Journal, JournalEntry]]) -> int:
    """Confirm, send once through the journaled client, print the transaction."""
    from tui.api.errors import NotFound, OutcomeUnknown
    from tui.cli import settings_from
    from tui.commands._clients import easypromos_client

    settings = settings_from(args)
    client = easypromos_client(settings)
    referenced = ", a reference added" if settings.coin_reference else ""
    action = (
        f"add {args.amount:+d} coins to user {args.user_id} of promotion {args.promotion_id} "
        f"(concept: {args.concept!r}{referenced})"
    )
    if not args.yes:
        confirm(action)
    async with client:
        entry = client.prepare_coins(args.promotion_id, args.user_id, args.amount, args.concept)
        sending.append((client.journal, entry))
        try:
            outcome = await client.send_coins(entry, on_checking=say_checking)
        except OutcomeUnknown as exc:
            print(json_escaped(exc.entry.to_json()))
            say(f"promo-tui: {exc}")
            return EXIT_UNKNOWN
        except NotFound:
            raise CliError(
                f"promotion {args.promotion_id} has no user {args.user_id} (or no such "
                "promotion in this account); nothing was added"
            ) from None
    if not outcome.applied or outcome.transaction is None:
        raise CliError(
            f"the transaction was not applied ({outcome.entry.note}; journal entry "
            f"{outcome.entry.id}): nothing was charged"
        )
    if outcome.reconciled:
        say("promo-tui: the answer was lost; the transaction was found among the user's")
    if outcome.journal_error:
        say(
            f"promo-tui: warning: the coins WERE added (transaction {outcome.transaction.id}), "
            f"but the journal could not record it: {outcome.journal_error}"
        )
    print(json_text(outcome.transaction.raw, indent=2))
    return 0


def say_checking(entry: JournalEntry, until: datetime) -> None:
    say(
        "promo-tui: the answer was lost; reading the user's transactions to find out whether "
        f"it was applied (until {until.astimezone():%H:%M:%S} at most)…"
    )


def interrupted(journal: Journal, entry: JournalEntry) -> int:
    """Ctrl+C once the POST may have left: the entry stays open, named, for a later check."""
    from tui.api.errors import JournalUnavailable
    from tui.api.journal import EntryState

    latest = journal.latest(entry.id) or entry
    if latest.is_open:
        with contextlib.suppress(JournalUnavailable):
            latest = journal.mark(latest, EntryState.UNKNOWN, note="interrupted while sending")
    print(json_escaped(latest.to_json()))
    if not latest.is_open:  # settled just before the interrupt
        say(f"promo-tui: interrupted; journal entry {entry.id} is {latest.state.value}")
        return 0 if latest.state is EntryState.APPLIED else EXIT_FAILED
    say(
        f"promo-tui: interrupted while sending: the outcome of journal entry {entry.id} is "
        "unknown. `promo-tui coins journal` checks it against the user's transactions; do not "
        "send it again before."
    )
    return EXIT_UNKNOWN


async def check_open_entries(client: EasypromosClient) -> None:
    """Reconcile the account's open entries, saying what is being done and what was found."""
    from tui.api.errors import OutcomeUnknown

    waiting = client.journal.pending(client.account)
    if not waiting:
        return
    say(f"promo-tui: checking {len(waiting)} open journal entries against the users' transactions")
    for found in await client.reconcile_pending():
        entry = found.entry
        if isinstance(found, OutcomeUnknown):
            say(f"promo-tui: entry {entry.id}: still unknown: {found}")
        else:
            say(f"promo-tui: entry {entry.id}: {found.entry.state.value.replace('_', ' ')}")


def confirm(action: str) -> None:
    """Ask on the terminal; refuse when there is none to ask on."""
    if not is_tty(sys.stdin):
        raise UsageError(f"refusing to {action} without --yes: stdin is not a terminal")
    sys.stderr.write(f"{action[0].upper()}{action[1:]}? [y/N] ")
    sys.stderr.flush()
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("cancelled, nothing sent", EXIT_FAILED)


def run_journal(args: argparse.Namespace) -> int:
    return run_async(lambda: list_journal(args))


async def list_journal(args: argparse.Namespace) -> int:
    """The latest state of every journaled transaction, open ones checked first."""
    from tui.api.journal import Journal
    from tui.cli import settings_from
    from tui.clients import easypromos_client

    settings = settings_from(args)
    journal = Journal(settings.journal_path)
    client = None if args.no_check else easypromos_client(settings)
    if client is not None:
        async with client:
            await check_open_entries(client)
    entries = journal.entries()
    if not entries:
        say("promo-tui: the journal is empty")
        return 0
    print_table(
        ("created", "entry", "state", "promotion", "user", "amount", "concept", "tx", "note"),
        (
            (
                entry.created_at.isoformat(timespec="seconds"),
                entry.id,
                entry.state.value,
                entry.promotion_id,
                entry.user_id,
                f"{entry.amount:+}",
                entry.concept,
                entry.transaction_id or "",
                entry.note,
            )
            for entry in entries
        ),
    )
    return 0
