"""Typed resources built leniently from raw JSON: a coin transaction (the journal reconciles by its
fields) and Ezepo's lists and affiliates. Other Easypromos records stay raw dicts, described by
tui/declarations.py.

Plain frozen dataclasses, not pydantic/msgspec: the data is messy (ids as int or string, counts as
strings, nullable everything) and must never fail to load, so a small lenient converter per field
type is simpler than teaching a validating library to stop validating. Each model keeps the raw
item in `.raw`, so fields we do not model are never lost. Ids are `str`; datetimes are aware UTC.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum, IntEnum
from typing import Any, ClassVar, TypeVar

from tui.redact import Secret

Raw = dict[str, Any]
M = TypeVar("M", bound="Model")


# -- lenient converters -------------------------------------------------------------------------


def to_id(value: Any) -> str:
    """An id as text: 12, "12", 12.0 -> "12"; None -> ""."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def to_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def to_int(value: Any) -> int | None:
    number = to_number(value)
    return int(number) if number is not None else None


def to_number(value: Any) -> int | float | None:
    """An int when integral, else a float; numeric strings accepted; anything else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number: int | float = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if isinstance(number, float):
        if number != number or number in (float("inf"), float("-inf")):
            return None
        if number.is_integer():
            return int(number)
    return number


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "y", "yes", "on"):
        return True
    if text in ("0", "false", "n", "no", "off"):
        return False
    return None


_FRACTION = re.compile(r"\.(\d+)")


def to_datetime(value: Any) -> datetime | None:
    """ISO-8601 (`Z`, `+00:00`, naive = UTC, plain date = midnight UTC) or epoch -> aware UTC."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text or text.startswith("0000"):
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes 3 or 6 fraction digits only.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def to_date(value: Any) -> date | None:
    """A plain date (`YYYY-MM-DD`, Ezepo's `MM/DD/YYYY`, or the date of a datetime)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    try:
        if match:
            month, day, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def to_secret(value: Any) -> Secret | None:
    if isinstance(value, Secret):
        return value
    return Secret(str(value)) if isinstance(value, (str, int)) and str(value) else None


# -- the generic builder -------------------------------------------------------------------------

_CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    str: to_id,
    str | None: to_text,
    int | None: to_int,
    int | float | None: to_number,
    bool | None: to_bool,
    datetime | None: to_datetime,
    date | None: to_date,
    Secret | None: to_secret,
}


@dataclass(frozen=True)
class Model:
    """Base of every resource: `from_raw` converts each field by its annotation."""

    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def from_raw(cls: type[M], raw: Any) -> M:
        """Build from a raw item; never raises on odd data."""
        data = cls._prepare(dict(raw) if isinstance(raw, Mapping) else {"value": raw})
        source = cls._source(data)
        hints = Model._hints.get(cls)
        if hints is None:
            hints = Model._hints[cls] = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "raw":
                continue
            values[f.name] = _CONVERTERS[hints[f.name]](source.get(f.name))
        return cls(raw=data, **values)

    @classmethod
    def _prepare(cls, raw: Raw) -> Raw:
        """The raw item as kept in `.raw` (a hook to wrap secrets)."""
        return raw

    @classmethod
    def _source(cls, raw: Raw) -> Raw:
        """The mapping fields are read from (a hook for wrapped items)."""
        return raw


# -- Easypromos ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoinTransaction(Model):
    """A virtual-coin transaction; list items wrap it as `{"transaction": {...}, "user": {...}}`."""

    id: str = ""
    amount: int | float | None = None
    balance: int | float | None = None
    created: datetime | None = None
    reason: str | None = None
    concept: str | None = None

    @classmethod
    def _source(cls, raw: Raw) -> Raw:
        inner = raw.get("transaction")
        return dict(inner) if isinstance(inner, Mapping) else raw

    @property
    def label(self) -> str | None:
        """The text given when the transaction was sent (`concept`, else `reason`)."""
        return self.concept if self.concept is not None else self.reason


# -- Ezepo ---------------------------------------------------------------------------------------


class Role(IntEnum):
    """What an Ezepo key may do (the `status` of `/api/test/`)."""

    ADMIN = 1
    AFFILIATE = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Source(IntEnum):
    """The source platform of an Ezepo link (`src`)."""

    INTERNAL = 1
    CAKE = 2
    EVERFLOW = 3
    LEADSPEDIA = 4

    @property
    def label(self) -> str:
        return {1: "Internal", 2: "Cake", 3: "Everflow", 4: "LeadsPedia"}[self.value]


class LinkType(str, Enum):
    DOWNLOAD = "download"
    UNSUB = "unsub"


class ListFormat(str, Enum):
    TXT = "txt"
    MD5 = "md5"


class ListType(IntEnum):
    """`type` of a new Ezepo list."""

    OPT_OUT_SITE_ON = 1
    OPT_OUT_SITE_OFF = 2


@dataclass(frozen=True)
class EzepoList(Model):
    """A suppression list; `count`, `last_upload` and `notes` come with an admin key only."""

    listid: str = ""
    name: str | None = None
    active: bool | None = None
    format: str | None = None
    count: int | None = None
    last_upload: date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Affiliate(Model):
    """An Ezepo affiliate; its key is a `Secret`, also inside `.raw`."""

    affid: str = ""
    source: str | None = None
    name: str | None = None
    affiliate_key: Secret | None = None

    @classmethod
    def _prepare(cls, raw: Raw) -> Raw:
        key = raw.get("affiliate_key")
        return {**raw, "affiliate_key": to_secret(key)} if "affiliate_key" in raw else raw
