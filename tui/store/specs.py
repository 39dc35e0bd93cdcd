"""What the store extracts from each collection's raw records: id, created time, sort keys, text.

Fields are dotted paths into the raw JSON; a tuple lists alternatives, the first present wins
(coin transactions wrap their fields in `transaction`). Text sort keys are stored lowercased so
sorting ignores case; the raw record is what callers get back.
"""

from __future__ import annotations

import enum
import functools
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

KEY_SLOTS = 4  # sort-key columns k1..k4 in the records table

Kind = Literal["int", "num", "text", "time"]
Path = tuple[str, ...]


@dataclass(frozen=True)
class Key:
    """A sortable field: its name for the UI, where it sits in the raw record, its kind."""

    name: str
    paths: Path
    kind: Kind


@dataclass(frozen=True)
class Spec:
    """How one collection is stored, sorted and searched."""

    name: str
    incremental: bool  # supports order=created_desc: refresh reads newest pages until overlap
    keys: tuple[Key, ...] = ()
    text: Path = ("id",)
    id_paths: Path = ("id",)
    created_paths: Path = ("created",)
    default_sort: str = "created"
    default_descending: bool = True

    def sortable(self) -> tuple[str, ...]:
        base = ("created", "id") if self.created_paths else ("id",)
        return base + tuple(key.name for key in self.keys)


@dataclass(frozen=True)
class Extracted:
    """The indexed columns of one record."""

    id: str
    id_num: int | None
    created: float | None
    keys: tuple[object, ...]  # KEY_SLOTS values
    text: str


_USER_TEXT = ("user.first_name", "user.last_name", "user.nickname", "user.email")

SPECS: dict[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec(
            "organizing_brands",
            False,
            (Key("name", ("name",), "text"),),
            ("id", "name"),
            created_paths=(),
            default_sort="name",
            default_descending=False,
        ),
        Spec(
            "promotions",
            True,
            (
                Key("title", ("title",), "text"),
                Key("status", ("status",), "text"),
                Key("start_date", ("start_date",), "time"),
                Key("end_date", ("end_date",), "time"),
            ),
            ("id", "title", "internal_ref", "status", "organizing_brand.name"),
        ),
        Spec(
            "stages",
            False,
            (
                Key("name", ("name", "title"), "text"),
                Key("type", ("type",), "text"),
                Key("start_date", ("start_date",), "time"),
                Key("end_date", ("end_date",), "time"),
            ),
            ("id", "name", "title", "type"),
            created_paths=(),
            default_sort="id",
            default_descending=False,
        ),
        Spec(
            "users",
            True,
            (
                Key("first_name", ("first_name",), "text"),
                Key("last_name", ("last_name",), "text"),
                Key("nickname", ("nickname",), "text"),
                Key("email", ("email",), "text"),
            ),
            ("id", "first_name", "last_name", "nickname", "email", "external_id", "phone"),
        ),
        Spec(
            "participations",
            True,
            (
                Key("user_id", ("user_id", "user.id"), "int"),
                Key("stage_id", ("stage_id",), "int"),
                Key("points", ("points",), "num"),
            ),
            ("id", "user_id", "stage_id", "user.id", *_USER_TEXT),
        ),
        Spec(
            "prizes",
            False,
            (
                Key("user_id", ("user_id", "user.id"), "int"),
                Key("prize_type", ("prize_type.name",), "text"),
                Key("code", ("code",), "text"),
                Key("stage_id", ("stage_id",), "int"),
            ),
            ("id", "code", "user_id", "prize_type.name", *_USER_TEXT),
        ),
        Spec(
            "prize_types",
            False,
            (
                Key("name", ("name", "title"), "text"),
                Key("qty", ("qty", "quantity", "units", "stock"), "num"),
                Key("given", ("given", "delivered", "awarded", "assigned"), "num"),
            ),
            ("id", "name", "title", "ref"),
            created_paths=(),
            default_sort="id",
            default_descending=False,
        ),
        Spec(
            "ranking",
            False,
            (
                Key("position", ("position", "rank"), "num"),
                Key("points", ("points", "score"), "num"),
                Key("user_id", ("user_id", "user.id"), "int"),
            ),
            ("id", "user_id", "user.id", "nickname", *_USER_TEXT),
            id_paths=("id", "user_id", "user.id", "position"),
            created_paths=(),
            default_sort="position",
            default_descending=False,
        ),
        Spec(
            "coin_transactions",
            True,
            (
                Key("user_id", ("transaction.user_id", "user_id"), "int"),
                Key("amount", ("transaction.amount", "amount"), "num"),
                Key("balance", ("transaction.balance", "balance"), "num"),
                Key("transaction_type", ("transaction.transaction_type",), "text"),
            ),
            ("transaction.id", "transaction.user_id", "transaction.reason", *_USER_TEXT),
            id_paths=("transaction.id", "id"),
            created_paths=("transaction.created", "created"),
        ),
    )
}


def collection_name(collection: object) -> str:
    """`Collection.PARTICIPATIONS` or "participations" -> "participations"."""
    if isinstance(collection, enum.Enum):
        return collection.name.lower()
    return str(collection).lower()


def spec_for(collection: object) -> Spec:
    """The spec of a collection; an unknown one is stored by id alone."""
    name = collection_name(collection)
    return SPECS.get(name) or Spec(name, False)


@functools.lru_cache(maxsize=256)
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _get(raw: Any, dotted: str) -> Any:
    for part in _parts(dotted):
        if not isinstance(raw, dict):
            return None
        raw = raw.get(part)
    return raw


def _first(raw: dict[str, Any], paths: Path) -> Any:
    for path in paths:
        value = _get(raw, path)
        if value is not None and value != "":
            return value
    return None


def parse_time(value: object) -> float | None:
    """ISO-8601 (`Z`, offset, or naive taken as UTC; or a plain date) -> epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _number(value: object) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def key_value(value: object, kind: Kind) -> object:
    """A field's value as its sort-key column stores it (numbers, epoch seconds, folded text)."""
    if value is None:
        return None
    if kind == "time":
        return parse_time(value)
    if kind in ("int", "num"):
        return _number(value)
    return str(value).casefold()


def _text(value: object) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def extract(spec: Spec, raw: dict[str, Any]) -> Extracted:
    """The indexed columns of one raw record (ValueError when it has no id)."""
    record_id = _first(raw, spec.id_paths)
    if record_id is None:
        raise ValueError(f"{spec.name} record without an id")
    text_id = str(record_id)
    number = _number(record_id)
    keys = [key_value(_first(raw, key.paths), key.kind) for key in spec.keys]
    keys += [None] * (KEY_SLOTS - len(keys))
    words = (_get(raw, path) for path in spec.text)
    return Extracted(
        id=text_id,
        id_num=number if isinstance(number, int) else None,
        created=parse_time(_first(raw, spec.created_paths)) if spec.created_paths else None,
        keys=tuple(keys),
        text=" ".join(_text(word) for word in words if word not in (None, "")),
    )
