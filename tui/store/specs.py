"""What the store extracts from each collection's raw records: id, created time, sort keys, text.

A collection's spec is its declaration (tui/declarations.py). Text sort keys are stored
lowercased so sorting ignores case; the raw record is what callers get back.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tui.declarations import BY_NAME, Kind, first, get
from tui.declarations import Declaration as Spec

KEY_SLOTS = 4  # sort-key columns k1..k4 in the records table


@dataclass(frozen=True)
class Extracted:
    """The indexed columns of one record."""

    id: str
    id_num: int | None
    created: float | None
    keys: tuple[object, ...]  # KEY_SLOTS values
    text: str


def collection_name(collection: object) -> str:
    """`Collection.PARTICIPATIONS` or "participations" -> "participations"."""
    if isinstance(collection, enum.Enum):
        return collection.name.lower()
    return str(collection).lower()


def spec_for(collection: object) -> Spec:
    """The spec of a collection; one of the store's own (insights' promotion): by id alone."""
    name = collection_name(collection)
    return BY_NAME.get(name) or Spec(name)


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
    record_id = first(raw, spec.id_paths)
    if record_id is None:
        raise ValueError(f"{spec.name} record without an id")
    text_id = str(record_id)
    number = _number(record_id)
    keys = [key_value(first(raw, key.paths), key.kind) for key in spec.keys]
    keys += [None] * (KEY_SLOTS - len(keys))
    words = (get(raw, path) for path in spec.text)
    return Extracted(
        id=text_id,
        id_num=number if isinstance(number, int) else None,
        created=parse_time(first(raw, spec.created_paths)) if spec.created_paths else None,
        keys=tuple(keys),
        text=" ".join(_text(word) for word in words if word not in (None, "")),
    )
