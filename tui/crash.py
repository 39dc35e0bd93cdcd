"""A crash leaves a file, not a screenful: one line on the terminal names it.

Why: Textual prints a crashed app's traceback with every frame's local variables, and tokens and
keys live in some of those frames. The traceback goes instead, without locals and through
`tui.redact` (registered secrets, `key=` values and bearer tokens masked), to a crash file of
the user's state dir, readable by them only (0600), for them to look at and send on.

What it cannot reach: a secret that was never registered and sits in an exception's message.
"""

from __future__ import annotations

import os
import platform
import traceback
from datetime import datetime, timezone
from pathlib import Path

from tui import __version__
from tui.inert import clean
from tui.paths import state_dir
from tui.redact import redact_text


def write_crash_file(error: BaseException, directory: Path | None = None) -> Path:
    """The redacted traceback of `error` (no locals) in a new 0600 file; its path."""
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    moment = datetime.now(timezone.utc)
    header = (
        f"promo-tui {__version__} crashed at {moment.isoformat(timespec='seconds')}\n"
        f"Python {platform.python_version()} on {platform.platform()}\n\n"
    )
    body = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(100):
        path = directory / f"crash-{stamp}-{os.getpid()}-{attempt}.txt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as file:
            file.write(redact_text(header + body))
        return path
    raise FileExistsError(f"no free crash file name in {directory}")


def report_crash(error: BaseException) -> str:
    """Write the crash file of `error`; the one line to show on the terminal."""
    try:
        path = write_crash_file(error)
    except OSError as exc:
        line = (
            f"promo-tui crashed ({type(error).__name__}) and could not write its crash file "
            f"({exc.strerror or type(exc).__name__})."
        )
    else:
        line = (
            f"promo-tui crashed: the details (secrets masked) are in {path}; please send that "
            "file with what you were doing to the promo-tui maintainers."
        )
    return clean(line)
