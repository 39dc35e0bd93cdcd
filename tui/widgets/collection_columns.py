"""Which fields the table shows for each collection; `sort` names the store's sort keys."""

from __future__ import annotations

from typing import Any

from tui.api.endpoints import Collection
from tui.widgets.row_source import Column


def short_time(value: Any) -> str:
    """An ISO-8601 timestamp as `YYYY-MM-DD HH:MM` (UTC as given); other values unchanged."""
    text = "" if value is None else str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10:11] in "T " else text


def ago(moment: float | None, now: float) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 days ago`."""
    if moment is None:
        return "never"
    seconds = max(now - moment, 0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def _id(
    key: str = "id", title: str = "Id", sort: str | None = "id", fallbacks: tuple[str, ...] = ()
) -> Column:
    return Column(key, title, 11, numeric=True, sort=sort, fallbacks=fallbacks)


def _created(key: str = "created", fallbacks: tuple[str, ...] = ()) -> Column:
    return Column(key, "Created", 16, render=short_time, sort="created", fallbacks=fallbacks)


def _time(key: str, title: str, sort: str | None = None) -> Column:
    return Column(key, title, 16, render=short_time, sort=sort)


QUANTITY = ("quantity", "units", "stock")
"""Other names of a prize type's quantity."""
GIVEN = ("delivered", "awarded", "assigned")
"""Other names of how many of a prize type were given."""

COLUMNS: dict[Collection, tuple[Column, ...]] = {
    Collection.ORGANIZING_BRANDS: (_id(), Column("name", "Name", 30, sort="name")),
    Collection.PROMOTIONS: (
        _id(),
        Column("title", "Title", 32, sort="title", fallbacks=("name",)),
        Column("status", "Status", 8, sort="status"),
        _time("start_date", "Start", "start_date"),
        _time("end_date", "End", "end_date"),
        _created(),
    ),
    Collection.STAGES: (
        _id(),
        Column("name", "Name", 24, sort="name", fallbacks=("title",)),
        Column("type", "Type", 12, sort="type"),
        _time("start_date", "Start", "start_date"),
        _time("end_date", "End", "end_date"),
        Column("visible", "Visible", 7),
    ),
    Collection.USERS: (
        _id(),
        Column("nickname", "Nickname", 18, sort="nickname"),
        Column("first_name", "First name", 14, sort="first_name"),
        Column("last_name", "Last name", 14, sort="last_name"),
        Column("email", "Email", 26, sort="email"),
        Column("country", "Ctry", 4),
        _created(),
    ),
    Collection.PARTICIPATIONS: (
        _id(),
        _id("user_id", "User", "user_id", ("user.id",)),
        _id("stage_id", "Stage", "stage_id", ("stage.id",)),
        Column("points", "Points", 8, numeric=True, sort="points", fallbacks=("score",)),
        _created(),
        Column("ip", "IP", 15),
    ),
    Collection.PRIZES: (
        _id(),
        Column(
            "prize_type.name", "Prize type", 20, sort="prize_type", fallbacks=("prize_type.title",)
        ),
        Column("code", "Code", 14, sort="code"),
        _id("user_id", "User", "user_id", ("user.id",)),
        _id("stage_id", "Stage", "stage_id", ("stage.id",)),
        _created(),
    ),
    Collection.PRIZE_TYPES: (
        _id(),
        Column("name", "Name", 24, sort="name", fallbacks=("title",)),
        Column("ref", "Ref", 10),
        Column("qty", "Qty", 7, numeric=True, sort="qty", fallbacks=QUANTITY),
        Column("given", "Given", 7, numeric=True, sort="given", fallbacks=GIVEN),
        Column("assignation_type", "Assignation", 12),
    ),
    Collection.RANKING: (
        Column("position", "Pos", 5, numeric=True, sort="position", fallbacks=("rank",)),
        _id("user_id", "User", "user_id", ("user.id",)),
        Column("nickname", "Nickname", 18, fallbacks=("user.nickname", "user.first_name")),
        Column("points", "Points", 9, numeric=True, sort="points", fallbacks=("score",)),
    ),
    Collection.COIN_TRANSACTIONS: (
        _id("transaction.id", fallbacks=("id",)),
        _id("transaction.user_id", "User", "user_id", ("user_id", "user.id")),
        Column(
            "transaction.amount", "Amount", 8, numeric=True, sort="amount", fallbacks=("amount",)
        ),
        Column(
            "transaction.balance",
            "Balance",
            8,
            numeric=True,
            sort="balance",
            fallbacks=("balance",),
        ),
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
        _created("transaction.created", ("created",)),
    ),
}

TITLES: dict[Collection, str] = {
    Collection.ORGANIZING_BRANDS: "Organizing brands",
    Collection.PROMOTIONS: "Promotions",
    Collection.STAGES: "Stages",
    Collection.PRIZE_TYPES: "Prize types",
    Collection.PRIZES: "Prizes",
    Collection.RANKING: "Ranking",
    Collection.USERS: "Users",
    Collection.PARTICIPATIONS: "Participations",
    Collection.COIN_TRANSACTIONS: "Coin transactions",
}

PROMOTION_CHILDREN: tuple[Collection, ...] = (
    Collection.STAGES,
    Collection.PRIZE_TYPES,
    Collection.PRIZES,
    Collection.RANKING,
    Collection.USERS,
    Collection.PARTICIPATIONS,
    Collection.COIN_TRANSACTIONS,
)
"""The collections a promotion expands into, in the tree's order."""


def user_id_of(collection: Collection, record: dict[str, Any]) -> str | None:
    """The user a record belongs to (a participation's, a prize's, a transaction's...)."""
    if collection is Collection.USERS:
        value = record.get("id")
    elif collection is Collection.COIN_TRANSACTIONS:
        value = (record.get("transaction") or {}).get("user_id") or (record.get("user") or {}).get(
            "id"
        )
    else:
        value = record.get("user_id") or (record.get("user") or {}).get("id")
    return None if value in (None, "") else str(value)
