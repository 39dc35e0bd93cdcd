"""One declaration per Easypromos collection: the table's columns, the store's sort keys and the
text its filter searches, where a record keeps its id, created time and user.

The store's specs (tui/store/specs.py) and the table's columns are read from here; the endpoint is
the collection's (tui/api/endpoints.py). Fields are dotted paths into the raw JSON and a tuple of
them lists other names of one field (APIs name it differently): the first present wins. A column
is sorted by the value it shows: a sort key of the store reads the column's paths.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from tui.api.endpoints import Collection
from tui.widgets.row_source import Column

Kind = Literal["num", "text", "time"]
Path = tuple[str, ...]


def short_time(value: Any) -> str:
    """An ISO-8601 timestamp as `YYYY-MM-DD HH:MM` (UTC as given); other values unchanged."""
    text = "" if value is None else str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10:11] in "T " else text


@functools.lru_cache(maxsize=256)
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def get(raw: Any, dotted: str) -> Any:
    """The value at a dotted path of a raw record, or None."""
    for part in _parts(dotted):
        if not isinstance(raw, dict):
            return None
        raw = raw.get(part)
    return raw


def first(raw: Any, paths: Path) -> Any:
    """The value at the first of `paths` that has one (not None, not ""), or None."""
    for path in paths:
        value = get(raw, path)
        if value is not None and value != "":
            return value
    return None


@dataclass(frozen=True)
class Key:
    """A sort key the store keeps: its name, where it sits in the raw record, its kind."""

    name: str
    paths: Path
    kind: Kind


@dataclass(frozen=True)
class Declaration:
    """One collection: the table's `columns`; the sorts `stored` in the cache's sort-key columns
    k1..k4, in that order (the cache's layout: append only); the `text` the filter searches;
    `incremental` when the API orders it newest first (a refresh reads new pages until overlap).
    A bare `Declaration(name)` is a collection of the store's own, kept by id alone.
    """

    name: str  # its Collection's, lowercased (the store's name of it)
    title: str = ""
    columns: tuple[Column, ...] = ()
    stored: tuple[str, ...] = ()
    text: Path = ("id",)
    incremental: bool = False
    id_paths: Path = ("id",)
    created_paths: Path = ("created",)
    user_paths: Path = ("user_id", "user.id")
    default_sort: str = "created"

    @property
    def collection(self) -> Collection:
        return Collection[self.name.upper()]

    @property
    def kind(self) -> str:
        """Its name on the command line (`promo-tui export prize-types`)."""
        return self.name.removeprefix("organizing_").replace("_", "-")

    @property
    def default_descending(self) -> bool:
        """Newest first by default; any other default sort ascending."""
        return self.default_sort == "created"

    @functools.cached_property
    def keys(self) -> tuple[Key, ...]:
        """The stored sort keys, each read where its column reads its value."""
        columns = {column.sort: column for column in self.columns}
        return tuple(sort_key(columns[name]) for name in self.stored)

    def sortable(self) -> tuple[str, ...]:
        base = ("created", "id") if self.created_paths else ("id",)
        return base + self.stored

    def id_of(self, record: Any) -> str | None:
        value = first(record, self.id_paths)
        return None if value is None else str(value)

    def user_of(self, record: Any) -> str | None:
        """The user a record belongs to (a participation's, a prize's, a transaction's...)."""
        value = first(record, self.user_paths)
        return None if value is None else str(value)


def sort_key(column: Column) -> Key:
    """The store's key of a sortable column: the value it shows, by its kind."""
    kind: Kind = "num" if column.numeric else "time" if column.render is short_time else "text"
    return Key(column.sort or column.key, (column.key, *column.fallbacks), kind)


def _id(key: str = "id", title: str = "Id", sort: str = "id", fallbacks: Path = ()) -> Column:
    return Column(key, title, 11, numeric=True, sort=sort, fallbacks=fallbacks)


def _user(*fallbacks: str, key: str = "user_id") -> Column:
    return _id(key, "User", "user_id", fallbacks or ("user.id",))


def _time(key: str, title: str, sort: str | None = None, fallbacks: Path = ()) -> Column:
    return Column(key, title, 16, render=short_time, sort=sort, fallbacks=fallbacks)


def _num(key: str, title: str, width: int, *fallbacks: str, sort: str | None = None) -> Column:
    return Column(key, title, width, numeric=True, sort=sort or key, fallbacks=fallbacks)


CREATED = _time("created", "Created", "created")
START, END = _time("start_date", "Start", "start_date"), _time("end_date", "End", "end_date")
STAGE = _id("stage_id", "Stage", "stage_id", ("stage.id",))
USER_TEXT = ("user.first_name", "user.last_name", "user.nickname", "user.email")

DECLARATIONS: dict[Collection, Declaration] = {
    declaration.collection: declaration
    for declaration in (
        Declaration(
            "organizing_brands",
            "Organizing brands",
            (_id(), Column("name", "Name", 30, sort="name")),
            ("name",),
            ("id", "name"),
            created_paths=(),
            default_sort="name",
        ),
        Declaration(
            "promotions",
            "Promotions",
            (
                _id(),
                Column("title", "Title", 32, sort="title", fallbacks=("name",)),
                Column("status", "Status", 8, sort="status"),
                START,
                END,
                CREATED,
            ),
            ("title", "status", "start_date", "end_date"),
            ("id", "title", "internal_ref", "status", "organizing_brand.name"),
            incremental=True,
        ),
        Declaration(
            "stages",
            "Stages",
            (
                _id(),
                Column("name", "Name", 24, sort="name", fallbacks=("title",)),
                Column("type", "Type", 12, sort="type"),
                START,
                END,
                Column("visible", "Visible", 7),
            ),
            ("name", "type", "start_date", "end_date"),
            ("id", "name", "title", "type"),
            created_paths=(),
            default_sort="id",
        ),
        Declaration(
            "prize_types",
            "Prize types",
            (
                _id(),
                Column("name", "Name", 24, sort="name", fallbacks=("title",)),
                Column("ref", "Ref", 10),
                _num("qty", "Qty", 7, "quantity", "units", "stock"),
                _num("given", "Given", 7, "delivered", "awarded", "assigned"),
                Column("assignation_type", "Assignation", 12),
            ),
            ("name", "qty", "given"),
            ("id", "name", "title", "ref"),
            created_paths=(),
            default_sort="id",
        ),
        Declaration(
            "prizes",
            "Prizes",
            (
                _id(),
                Column(
                    "prize_type.name",
                    "Prize type",
                    20,
                    sort="prize_type",
                    fallbacks=("prize_type.title",),
                ),
                Column("code", "Code", 14, sort="code"),
                _user(),
                STAGE,
                CREATED,
            ),
            ("user_id", "prize_type", "code", "stage_id"),
            ("id", "code", "user_id", "prize_type.name", *USER_TEXT),
        ),
        Declaration(
            "ranking",
            "Ranking",
            (
                _num("position", "Pos", 5, "rank"),
                _user(),
                Column("nickname", "Nickname", 18, fallbacks=("user.nickname", "user.first_name")),
                _num("points", "Points", 9, "score"),
            ),
            ("position", "points", "user_id"),
            ("id", "user_id", "user.id", "nickname", *USER_TEXT),
            id_paths=("id", "user_id", "user.id", "position"),
            created_paths=(),
            default_sort="position",
        ),
        Declaration(
            "users",
            "Users",
            (
                _id(),
                Column("nickname", "Nickname", 18, sort="nickname"),
                Column("first_name", "First name", 14, sort="first_name"),
                Column("last_name", "Last name", 14, sort="last_name"),
                Column("email", "Email", 26, sort="email"),
                Column("country", "Ctry", 4),
                CREATED,
            ),
            ("first_name", "last_name", "nickname", "email"),
            ("id", "first_name", "last_name", "nickname", "email", "external_id", "phone"),
            incremental=True,
            user_paths=("id",),
        ),
        Declaration(
            "participations",
            "Participations",
            (
                _id(),
                _user(),
                STAGE,
                _num("points", "Points", 8, "score"),
                CREATED,
                Column("ip", "IP", 15),
            ),
            ("user_id", "stage_id", "points"),
            ("id", "user_id", "stage_id", "user.id", *USER_TEXT),
            incremental=True,
        ),
        Declaration(
            "coin_transactions",
            "Coin transactions",
            (
                _id("transaction.id", fallbacks=("id",)),
                _user("user_id", "user.id", key="transaction.user_id"),
                _num("transaction.amount", "Amount", 8, "amount", sort="amount"),
                _num("transaction.balance", "Balance", 8, "balance", sort="balance"),
                Column(
                    "transaction.transaction_type",
                    "Type",
                    10,
                    sort="transaction_type",
                    fallbacks=("transaction_type",),
                ),
                Column(
                    "transaction.reason",
                    "Concept",
                    24,
                    fallbacks=("transaction.concept", "reason", "concept"),
                ),
                _time("transaction.created", "Created", "created", ("created",)),
            ),
            ("user_id", "amount", "balance", "transaction_type"),
            ("transaction.id", "transaction.user_id", "transaction.reason", *USER_TEXT),
            incremental=True,
            id_paths=("transaction.id", "id"),
            created_paths=("transaction.created", "created"),
            user_paths=("transaction.user_id", "user.id"),
        ),
    )
}
"""In the promotions tree's order."""

BY_NAME = {declaration.name: declaration for declaration in DECLARATIONS.values()}

PROMOTION_CHILDREN = tuple(collection for collection in DECLARATIONS if collection.per_promotion)
"""The collections a promotion expands into, in the tree's order."""
