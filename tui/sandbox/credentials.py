"""Fixed demo credentials and well-known ids of the sandbox (the same for every seed).

These are not secrets: they only open the local sandbox. The seed changes names, dates and amounts,
never these ids or the record counts.
"""

from __future__ import annotations

# Easypromos: two accounts; the demo account has a full token and a scoped one.
DEMO_TOKEN = "sbx_demo_5f1c2a9e7b3d4c6a8e0f1a2b3c4d5e6f"
SCOPED_TOKEN = "sbx_scoped_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
OTHER_ACCOUNT_TOKEN = "sbx_other_0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"

DEMO_ACCOUNT = "demo"
OTHER_ACCOUNT = "other"

# Promotions of the demo account.
BIG_PROMOTION_ID = 480101  # active; 25,000 users, 100,000 participations
ACTIVE_PROMOTION_ID = 480102  # active, small: the place to try coin transactions
LOCKED_PROMOTION_ID = 480103  # active; outside SCOPED_TOKEN's scope -> 403
CLOSED_PROMOTION_ID = 480104  # expired; coin POST -> 400 code 42
DRAFT_PROMOTION_ID = 480105  # draft, no users; coin POST -> 400 code 41
HOSTILE_PROMOTION_ID = 480106  # active; title and records full of hostile strings
# Promotion of the other account (404 for demo tokens).
OTHER_PROMOTION_ID = 490101

BIG_USERS = 25_000
BIG_PARTICIPATIONS = 100_000

# Ezepo: one admin key; each affiliate has its own key.
EZEPO_ADMIN_KEY = "5d41402abc4b2a76b9719d911017c592"
EZEPO_AFFILIATE_KEY = "7e9f1c3a5b8d0e2f4a6c8b0d2e4f6a8c"
DEMO_AFFILIATE_ID = "101"
DEMO_LIST_ID = "1"


def summary() -> dict[str, dict[str, object]]:
    """The credentials and well-known ids, grouped by API (for /_sandbox/info and the CLI)."""
    return {
        "easypromos": {
            "token": DEMO_TOKEN,
            "scoped_token": SCOPED_TOKEN,
            "other_account_token": OTHER_ACCOUNT_TOKEN,
            "big_promotion_id": BIG_PROMOTION_ID,
            "active_promotion_id": ACTIVE_PROMOTION_ID,
            "locked_promotion_id": LOCKED_PROMOTION_ID,
            "closed_promotion_id": CLOSED_PROMOTION_ID,
            "draft_promotion_id": DRAFT_PROMOTION_ID,
            "hostile_promotion_id": HOSTILE_PROMOTION_ID,
            "other_promotion_id": OTHER_PROMOTION_ID,
        },
        "ezepo": {
            "admin_key": EZEPO_ADMIN_KEY,
            "affiliate_key": EZEPO_AFFILIATE_KEY,
            "affiliate_id": DEMO_AFFILIATE_ID,
            "list_id": DEMO_LIST_ID,
        },
    }
