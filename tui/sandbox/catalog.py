"""The shape of the sandbox's data, the same for every seed: accounts, brands, promotions with
their status and record counts, and the id ranges of each (promotion, collection)."""

from __future__ import annotations

from dataclasses import dataclass

from tui.sandbox import credentials as cr

COLLECTIONS = (
    "stages",
    "prize_types",
    "users",
    "participations",
    "prizes",
    "ranking",
    "coin_transactions",
)
COLLECTION_CODE = {name: code for code, name in enumerate(COLLECTIONS, start=1)}


@dataclass(frozen=True)
class PromotionSpec:
    """Shape of one promotion: fixed for every seed (only contents vary)."""

    id: int
    index: int
    account: str
    brand_id: int
    status: str
    counts: dict[str, int]
    coin_rounds: int = 0
    hostile: bool = False


def _counts(
    users: int,
    participations: int,
    stages: int,
    prize_types: int,
    prizes: int,
    ranking: int,
    coin_rounds: int,
) -> dict[str, int]:
    return {
        "stages": stages,
        "prize_types": prize_types,
        "users": users,
        "participations": participations,
        "prizes": prizes,
        "ranking": min(ranking, users),
        "coin_transactions": users * coin_rounds,
    }


BRANDS = {
    cr.DEMO_ACCOUNT: (9101, 9102, 9103, 9104),
    cr.OTHER_ACCOUNT: (9201,),
}
_FILLER_PROMOTIONS = 124


def _promotion_specs() -> list[PromotionSpec]:
    demo = BRANDS[cr.DEMO_ACCOUNT]
    named = [
        (
            cr.BIG_PROMOTION_ID,
            demo[0],
            "active",
            (cr.BIG_USERS, cr.BIG_PARTICIPATIONS, 3, 4, 2500, 1000, 2),
            False,
        ),
        (cr.ACTIVE_PROMOTION_ID, demo[1], "active", (240, 900, 2, 3, 60, 100, 3), False),
        (cr.LOCKED_PROMOTION_ID, demo[2], "active", (60, 150, 1, 2, 10, 30, 1), False),
        (cr.CLOSED_PROMOTION_ID, demo[1], "expired", (120, 300, 2, 2, 20, 50, 2), False),
        (cr.DRAFT_PROMOTION_ID, demo[3], "draft", (0, 0, 1, 1, 0, 0, 0), False),
        (cr.HOSTILE_PROMOTION_ID, demo[0], "active", (40, 80, 1, 1, 5, 20, 1), True),
    ]
    specs: list[PromotionSpec] = []
    for pid, brand, status, shape, hostile in named:
        rounds = shape[-1]
        specs.append(
            PromotionSpec(
                pid,
                len(specs) + 1,
                cr.DEMO_ACCOUNT,
                brand,
                status,
                _counts(*shape),
                rounds,
                hostile,
            )
        )
    statuses = ("active", "expired", "draft", "expired", "active")
    for n in range(_FILLER_PROMOTIONS):
        status = statuses[n % len(statuses)]
        users = 0 if status == "draft" else (n * 7) % 45
        specs.append(
            PromotionSpec(
                cr.HOSTILE_PROMOTION_ID + 1 + n,
                len(specs) + 1,
                cr.DEMO_ACCOUNT,
                demo[n % len(demo)],
                status,
                _counts(users, users * 2, 1 + n % 3, 1 + n % 2, users // 5, users, 1),
                1,
            )
        )
    for pid, status, users in ((cr.OTHER_PROMOTION_ID, "active", 80), (490102, "expired", 30)):
        specs.append(
            PromotionSpec(
                pid,
                len(specs) + 1,
                cr.OTHER_ACCOUNT,
                BRANDS[cr.OTHER_ACCOUNT][0],
                status,
                _counts(users, users * 3, 2, 2, 10, users, 2),
                2,
            )
        )
    return specs


PROMOTION_SPECS = _promotion_specs()


def base_id(spec: PromotionSpec, collection: str) -> int:
    """Ids of (promotion, collection) are base_id + index + 1; added records continue the range."""
    return (COLLECTION_CODE[collection] * 1000 + spec.index) * 1_000_000
