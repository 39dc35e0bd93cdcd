"""Command palette provider: open a promotion by typing its id."""

from __future__ import annotations

from typing import Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

ASK = "Open promotion by id…"
ASK_HELP = "Type a promotion id to jump to it in the tree"


class PromotionById(Provider):
    """`480102` in the palette -> "Open promotion 480102"."""

    def _open(self, promotion_id: str) -> None:
        cast(Any, self.app).open_promotion(promotion_id)

    async def discover(self) -> Hits:
        yield DiscoveryHit(ASK, cast(Any, self.app).action_open_promotion, help=ASK_HELP)

    async def search(self, query: str) -> Hits:
        words = query.replace("#", " ").split()
        number = next((word for word in words if word.isdigit()), None)
        if number is None:  # found by its words too ("promotion"), as it is listed
            matcher = self.matcher(query)
            score = matcher.match(ASK)
            if score > 0:
                ask = cast(Any, self.app).action_open_promotion
                yield Hit(score, matcher.highlight(ASK), ask, text=ASK, help=ASK_HELP)
            return
        title = f"Open promotion {number}"
        yield Hit(100, title, lambda: self._open(number), text=title, help="Jump in the tree")
