"""What every headless command shares: parsers with examples, validators, exit codes, messages.

Exit codes: 0 done, 1 the operation failed (API, network, disk), 2 bad input or configuration
(nothing was sent or written), 3 a coin transaction's outcome is unknown, 130 interrupted.
Data goes to stdout; progress and errors go to stderr, always through `redact_text` and
`tui.inert.clean` (no server's escape sequence ever reaches the terminal).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

from tui.inert import clean
from tui.redact import redact_text

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure to report as one line on stderr, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """Bad input detected before anything was sent or written (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def say(message: str) -> None:
    """One line on stderr, redacted and cleaned of control characters."""
    print(clean(redact_text(message)), file=sys.stderr, flush=True)


def command_parser(
    subparsers: Any, name: str, *, summary: str, examples: Sequence[str], description: str = ""
) -> argparse.ArgumentParser:
    """A subcommand's parser: its `--help` ends with examples; bad input is one line, exit 2."""
    paragraphs = [summary, *(p for p in description.split("\n\n") if p.strip())]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description="\n\n".join(
            textwrap.fill(" ".join(p.split()), 88, break_on_hyphens=False) for p in paragraphs
        ),
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{clean(redact_text(f'{parser.prog}: {message}'))} (see --help)\n")

    parser.error = error  # type: ignore[method-assign]
    return parser


def run_async(main: Callable[[], Awaitable[int]]) -> int:
    """Run a command's coroutine; typed failures become one stderr line and an exit code."""
    from tui.api.errors import AdminOnly, InvalidArgument, PromoTuiApiError
    from tui.config import ConfigError

    try:
        return asyncio.run(_call(main))
    except CliError as exc:
        say(f"promo-tui: {exc}")
        return exc.code
    except ConfigError as exc:  # read inside the command: same line and code as `tui.cli.main`
        say(f"promo-tui: config error: {exc}")
        return EXIT_USAGE
    except (AdminOnly, InvalidArgument) as exc:
        say(f"promo-tui: {exc}")
        return EXIT_USAGE
    except PromoTuiApiError as exc:
        say(f"promo-tui: {exc}")
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:
        say(f"promo-tui: {_os_error(exc)}")
        return EXIT_FAILED
    except Exception as exc:  # a bug: one line naming the crash file, never a traceback
        from tui.crash import report_crash

        say(report_crash(exc))
        return EXIT_FAILED


async def _call(main: Callable[[], Awaitable[int]]) -> int:
    return await main()


def _os_error(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


# -- argument types (argparse turns their ArgumentTypeError into one line, exit 2) ---------------


def numeric_id(text: str) -> str:
    """A numeric id, kept as text."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(f"not a numeric id: {text!r}")
    return value


def nonzero_int(text: str) -> int:
    """A whole number other than zero (`+50`, `-10`)."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("must not be 0")
    return value


def positive_seconds(text: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def iso_datetime(text: str) -> datetime:
    """An ISO-8601 date or date-time; without an offset it is UTC."""
    value = text.strip()
    if value[-1:] in ("z", "Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 date or time: {text!r} (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def non_empty(text: str) -> str:
    """Text that is not blank."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


# -- files ---------------------------------------------------------------------------------------


def check_writable_file(path: Path) -> Path:
    """The absolute path of an output file we may create or replace (UsageError if not)."""
    path = path.expanduser().absolute()
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    check_writable_dir(path.parent, what=f"cannot write {path}")
    return path


def check_writable_dir(path: Path, *, what: str | None = None) -> Path:
    """An existing directory we may write into (UsageError if not)."""
    path = path.expanduser().absolute()
    reason = what or f"cannot write into {path}"
    if not path.exists():
        raise UsageError(f"{reason}: {path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{reason}: {path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{reason}: permission denied")
    return path


# -- terminal output -----------------------------------------------------------------------------


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Rows as aligned columns on stdout (the rows are few: Ezepo lists, affiliates, journal)."""
    cells = [[clean(cell) for cell in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip())


def is_tty(stream: Any) -> bool:
    """Whether a stream is a terminal (False for closed or odd streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
