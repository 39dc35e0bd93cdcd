"""The `promo-tui` command: the app by default, headless subcommands for scripts."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from tui import __version__
from tui.commands._common import say
from tui.config import ConfigError, Settings, load_settings
from tui.redact import install_log_redaction

SUBCOMMANDS = ("sandbox", "export", "insights", "ezepo", "coins", "cache", "completion")
STANDALONE = {"sandbox", "completion"}  # commands that read no config

EXAMPLES = """\
examples:
  promo-tui --demo                     try the app on the built-in sandbox
  promo-tui --profile work             open the app with the 'work' profile
  promo-tui export participations 1001 -o p.csv
  promo-tui ezepo link --affid 7 --src internal --listid 3 --type unsub --copy
  promo-tui coins add 1001 42 +50 --concept "Support: missing reward"
  promo-tui insights 1001 --format csv
  eval "$(promo-tui completion bash)"  shell completion (also zsh, fish)
"""


def add_common_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """The flags every command takes: which profile of which config file.

    Below the top level they default to SUPPRESS, so a subcommand never erases a value
    given before it (`promo-tui --profile work export ...`).
    """
    default = None if top else argparse.SUPPRESS
    options = {action.dest for action in parser._actions}
    if "profile" not in options:
        parser.add_argument("--profile", metavar="NAME", default=default, help="profile to use")
    if "config" not in options:
        parser.add_argument(
            "--config", metavar="PATH", type=Path, default=default, help="config file (TOML)"
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if name not in STANDALONE:
                    add_common_options(child)


def build_parser(*, subcommands: bool = True) -> argparse.ArgumentParser:
    """The command line parser; `subcommands=False` names the subcommands without importing them.

    The light parser parses any command line that names no subcommand (and asks no help) exactly
    as the full one does; it spares the app's start-up the import of every subcommand's module.
    """
    parser = argparse.ArgumentParser(
        prog="promo-tui",
        description="Browse Easypromos promotions and Ezepo suppression lists from a terminal.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"promo-tui {__version__}")

    def error(message: str) -> NoReturn:  # it quotes the command line: shown inert
        parser.print_usage(sys.stderr)
        say(f"promo-tui: error: {message}")
        parser.exit(2)

    parser.error = error  # type: ignore[method-assign]
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the app against the built-in sandbox (no account or network needed)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = False
    for name in SUBCOMMANDS:
        if subcommands:
            importlib.import_module(f"tui.commands.{name}").register(subparsers)
        else:
            subparsers.add_parser(name)
    add_common_options(parser, top=True)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings for a command's `--config`/`--profile`; warnings go to stderr."""
    settings = load_settings(args.config, args.profile)
    for warning in settings.warnings:
        say(f"promo-tui: warning: {warning}")
    return settings


def _asks_help(word: str) -> bool:
    """`-h`, `--help` or an abbreviation of it (argparse accepts `--he`)."""
    return word.startswith("-h") or (len(word) > 2 and "--help".startswith(word))


def main(argv: Sequence[str] | None = None) -> int:
    install_log_redaction()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (`promo-tui completion`)
        from tui.commands.completion import complete

        complete(build_parser())
    words = sys.argv[1:] if argv is None else list(argv)
    full = any(word in SUBCOMMANDS or _asks_help(word) for word in words)
    parser = build_parser(subcommands=full)
    args = parser.parse_args(words)
    try:
        if args.command:
            return int(args.func(args))
        from tui.launch import launch_app

        return launch_app(args)
    except ConfigError as exc:
        say(f"promo-tui: config error: {exc}")
        return 2
    except KeyboardInterrupt:
        say("promo-tui: interrupted")
        return 130
    except Exception as exc:  # a bug: one line naming the crash file, never a traceback
        from tui.crash import report_crash

        say(report_crash(exc))
        return 1
