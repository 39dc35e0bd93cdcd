"""80x24: the panes make room for what has the focus, a pane can be zoomed, tree labels keep
their #id, and the table's overflow markers never overwrite a column title."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual.app import App, ComposeResult

from tests.app.conftest import browser_ready, wait_until
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.declarations import DECLARATIONS
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.widgets.promotions_tree import PromotionData
from tui.widgets.row_source import ListRowSource
from tui.widgets.virtual_table import VirtualTable

SMALL = (80, 24)


async def test_80x24_gives_the_focused_pane_its_room(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SMALL) as pilot:
        screen = await browser_ready(app, pilot)
        sidebar, tree = screen.query_one("#sidebar"), screen.promotions_tree
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        assert sidebar.display and sidebar.region.width >= 30

        # every promotion label fits the tree and ends with its id
        width = tree.scrollable_content_region.width
        for brand in tree.root.children:
            for node in brand.children:
                assert isinstance(node.data, PromotionData)
                label = tree.render_label(node, Style(), Style()).plain
                assert label.endswith(f" #{node.data.id}"), label
                assert len(label) + tree.guide_depth <= width, label

        screen.collection.show(str(credentials.ACTIVE_PROMOTION_ID), Collection.USERS, "Users")
        screen.table.focus()
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        await pilot.pause()
        assert not sidebar.display  # folded away: the table has the whole width
        assert screen.table.region.width == SMALL[0]
        assert screen.detail.region.width == SMALL[0]  # under the table
        assert screen.detail.region.y > screen.table.region.y

        await pilot.press("z")
        assert screen.maximized is screen.collection
        assert screen.collection.region.height > screen.table.region.y  # fills the screen
        await pilot.press("z")
        assert screen.maximized is None

        await pilot.press("1")
        await pilot.pause()
        assert sidebar.display and tree.has_focus


class TableHost(App[None]):
    def compose(self) -> ComposeResult:
        records = [
            {"transaction": {"id": "7", "user_id": "3", "amount": 5, "reason": "Welcome bonus"}}
        ]
        columns = DECLARATIONS[Collection.COIN_TRANSACTIONS].columns
        yield VirtualTable(columns, ListRowSource(records))


async def test_overflow_markers_never_overwrite_a_title() -> None:
    titles = [column.title for column in DECLARATIONS[Collection.COIN_TRANSACTIONS].columns]
    for width in range(30, 100, 3):
        app = TableHost()
        async with app.run_test(size=(width, 10)) as pilot:
            table = app.query_one(VirtualTable)
            table.focus()
            for _ in range(4):
                header = table.render_line(0).text
                for word in header.replace("◂", " ").replace("▸", " ").split():
                    whole = word in titles
                    assert whole or any(t.startswith(word.rstrip("…")) for t in titles), header
                    assert whole or word.endswith("…"), header
                await pilot.press("l")
