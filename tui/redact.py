"""Keep tokens and keys out of everything a person or a log can read.

Why: the Easypromos token rides in a header, the Ezepo key in every URL's query string, and
Ezepo affiliate keys inside the unsubscribe links themselves. Any of them may surface in an
exception from httpx, in httpx's own INFO log line, in a notification or a screenshot.

How: secret values are wrapped in `Secret` (its repr never shows the value) and registered
once; `redact_text` is the backstop for text the code did not shape (a library's exception, a
log record). The mask has a fixed width so it does not leak a secret's length.

What it cannot reach: a secret the user pastes somewhere we never registered (e.g. typed into a
search box), and output written by other processes.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

MASK = "***"

_registered: set[str] = set()
_lock = threading.Lock()
# Secrets shorter than this are too likely to match ordinary text to be masked everywhere.
_MIN_SECRET_LENGTH = 6

_QUERY_KEY = re.compile(r"(?i)([?&;]key=)[^&#\s'\"]*")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")


class Secret:
    """A secret value: shown as a mask everywhere, revealed only on purpose."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        hide(value)

    def reveal(self) -> str:
        """The real value, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def hide(value: str) -> None:
    """Register a value so `redact_text` masks it from now on."""
    value = value.strip()
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _registered.add(value)


def redact_text(text: str) -> str:
    """Mask registered secrets, `key=` query values and bearer tokens in any text."""
    with _lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _QUERY_KEY.sub(rf"\g<1>{MASK}", text)
    return _BEARER.sub(rf"\g<1>{MASK}", text)


def redact_url(url: object) -> str:
    """A URL fit to show: its `key` parameter and any registered secret masked."""
    return redact_text(str(url))


def _masked(value: object) -> object:
    """An argument as given, or its text masked when that text shows a secret."""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    cleaned = redact_text(text)
    return value if cleaned == text else cleaned


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask secrets in a record's message and traceback. Its arguments stay arguments, each
    masked when its text shows a secret: formatters may read them (uvicorn's access log unpacks
    them; replaced by the rendered text, every request logged a traceback). When that is not
    enough (a secret made by the format itself), the message is kept rendered and masked."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: keep neither as given
        record.msg = redact_text(f"{record.msg!r} (unformattable arguments)")
        record.args = None
        message = record.msg
    if redact_text(message) != message:
        args = record.args
        if isinstance(args, Mapping):
            record.args = {name: _masked(value) for name, value in args.items()}
        elif args:
            record.args = tuple(_masked(value) for value in args)
        record.msg = _masked(record.msg)
        try:
            again = record.getMessage()
        except Exception:  # a masked argument no longer fits its format (%d)
            again = message
        if redact_text(again) != again:
            record.msg, record.args = redact_text(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    return record


class _RedactingFactory:
    """The log record factory, wrapped: every record is redacted as it is made."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(self.make(*args, **kwargs))


def install_log_redaction() -> None:
    """Redact every log record of the process (idempotent).

    Records are redacted where they are made (the record factory), not by a filter: a filter on
    a logger misses its children's records, and one on a handler misses handlers added later.
    """
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(factory))
