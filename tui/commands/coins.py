"""`promo-tui coins`: grant or take virtual coins, and read the local journal of transactions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

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
            "journaled before it is sent: when its outcome cannot be known (the connection broke\n"
            "after sending and reading back failed), the exit code is 3 and the journal entry is\n"
            "printed; check the user's transactions before sending it again."
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
        examples=("promo-tui coins journal",),
    )
    journal.set_defaults(func=run_journal)


def run_add(args: argparse.Namespace) -> int:
    return run_async(lambda: add_coins(args))


async def add_coins(args: argparse.Namespace) -> int:
    """Confirm, send once through the journaled client, print the transaction."""
    from tui.api.errors import NotFound, OutcomeUnknown
    from tui.cli import settings_from
    from tui.commands._clients import easypromos_client

    settings = settings_from(args)
    client = easypromos_client(settings)
    action = (
        f"add {args.amount:+d} coins to user {args.user_id} of promotion {args.promotion_id} "
        f"(concept: {args.concept!r})"
    )
    if not args.yes:
        confirm(action)
    async with client:
        try:
            outcome = await client.add_coins(
                args.promotion_id, args.user_id, args.amount, args.concept
            )
        except OutcomeUnknown as exc:
            print(exc.entry.to_json())
            say(f"promo-tui: {exc}")
            return EXIT_UNKNOWN
        except NotFound:
            raise CliError(
                f"promotion {args.promotion_id} has no user {args.user_id} (or no such "
                "promotion in this account); nothing was added"
            ) from None
    if not outcome.applied or outcome.transaction is None:
        raise CliError(
            f"the transaction was not applied (checked against the user's transactions; "
            f"journal entry {outcome.entry.id})"
        )
    if outcome.reconciled:
        say("promo-tui: the answer was lost; the transaction was found among the user's")
    print(json.dumps(outcome.transaction.raw, ensure_ascii=False, indent=2, default=str))
    return 0


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
    """The latest state of every journaled transaction."""
    from tui.api.journal import Journal

    entries = Journal().entries()
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
