"""Promotion statuses: the tree says which it shows, and a status the documentation does not
list (`paused`, as another fake of the API sends) is counted, filterable and coloured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Static

from tests.app.conftest import browsing
from tui.config import Settings
from tui.sandbox.server import SandboxServer
from tui.widgets.account_pane import AccountPane
from tui.widgets.promotions_tree import BrandData, PromotionData, PromotionsTree


def shown_statuses(tree: PromotionsTree) -> set[str]:
    return {
        str(node.data.promotion.get("status"))
        for brand in tree.root.children
        for node in brand.children
        if isinstance(node.data, PromotionData)
    }


async def test_an_unknown_status_is_counted_filterable_and_coloured(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        tree = screen.promotions_tree
        brands = [n.data.brand for n in tree.root.children if isinstance(n.data, BrandData)]
        # The sandbox sends the documented statuses only: two of its promotions become paused.
        promotions: list[dict[str, Any]] = [dict(p) for p in tree.promotions]
        for promotion in promotions[:2]:
            promotion["status"] = "paused"
        tree.show(brands, promotions)
        screen._show_account()
        await pilot.pause()

        account = str(screen.query_one(AccountPane).render())
        assert "●2 paused" in account
        indicator = screen.query_one("#tree-filters", Static)
        assert "All statuses" in str(indicator.render())

        tree.focus()
        seen = []
        for _ in range(4):  # all -> active -> draft -> expired -> paused
            await pilot.press("f")
            seen.append(tree.status_filter)
        assert seen == ["active", "draft", "expired", "paused"]
        await pilot.pause()
        assert shown_statuses(tree) == {"paused"}
        assert "paused only" in str(indicator.render())
        node = tree.root.children[0].children[0]
        dot = node.label.spans[0] if hasattr(node.label, "spans") else None
        assert dot is not None and str(dot.style) == "blue"  # neutral, not uncoloured

        await pilot.press("f", "o")
        assert tree.status_filter == "all"
        assert "oldest first" in str(indicator.render())
