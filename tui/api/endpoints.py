"""Every path of both APIs in one place: correcting an [assumed] path of API.md is one line."""

from __future__ import annotations

from enum import Enum


class Collection(Enum):
    """The paginated Easypromos collections: `(path, per_promotion)`."""

    ORGANIZING_BRANDS = ("/organizing_brands", False)
    PROMOTIONS = ("/promotions", False)
    STAGES = ("/stages", True)
    USERS = ("/users", True)
    PARTICIPATIONS = ("/participations", True)
    PRIZES = ("/prizes", True)
    PRIZE_TYPES = ("/prize_types", True)  # [assumed]
    RANKING = ("/ranking", True)
    COIN_TRANSACTIONS = ("/coin_transactions", True)

    @property
    def path(self) -> str:
        return self.value[0]

    @property
    def per_promotion(self) -> bool:
        return self.value[1]

    def url_path(self, promotion_id: str | int | None = None) -> str:
        """The collection's path, with the promotion id when it is per promotion."""
        if not self.per_promotion:
            return self.path
        if promotion_id is None:
            raise ValueError(f"{self.name.lower()} needs a promotion id")
        return f"{self.path}/{promotion_id}"


# Easypromos single items and actions (relative to the base URL, which ends in /v2).
PROMOTION = "/promotions/{promotion_id}"
USER = "/users/{promotion_id}/{user_id}"  # [assumed]
USER_COIN_TRANSACTIONS = "/coin_transactions/{promotion_id}/{user_id}"  # [assumed]
ADD_COIN_TRANSACTION = "/coin_transactions/{promotion_id}"  # [assumed]

# Ezepo (relative to the customer's endpoint).
EZEPO_TEST = "/api/test/"
EZEPO_LINKS = "/api/links/"
EZEPO_LISTS = "/api/lists/"
EZEPO_FETCH = "/api/lists/fetch/"
EZEPO_FETCH_STATUS = "/api/lists/fetch/status/"
EZEPO_FETCH_DOWNLOAD = "/api/lists/fetch/download/"
EZEPO_NEWLIST = "/api/newlist/"
EZEPO_AFFILIATES = "/api/affiliates/"
