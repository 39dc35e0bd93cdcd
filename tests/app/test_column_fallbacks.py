"""Columns read a field under its documented name or a common other one (another fake of the API
sends `title` for a stage's name, `quantity`, a ranking's nickname under `user`), and a column
blank in every row read hides itself. The records are shaped as that fake sends them (the
sandbox sends the documented names only)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tui.api.endpoints import Collection
from tui.declarations import DECLARATIONS
from tui.widgets.detail_pane import DetailPane
from tui.widgets.row_source import ListRowSource
from tui.widgets.virtual_table import VirtualTable

STAGES = [{"id": "11", "title": "Spin the wheel", "type": "wheel"}]
PRIZE_TYPES = [{"id": "21", "name": "Mug", "quantity": 40, "delivered": 3}]
RANKING = [
    {"position": 1, "user": {"id": "3001", "nickname": "ana"}, "points": 120},
    {"position": 2, "user": {"id": "3002", "nickname": "bo"}, "score": 90},
]


class Host(App[None]):
    def __init__(self, collection: Collection, records: list[dict[str, Any]]) -> None:
        super().__init__()
        self.collection, self.records = collection, records

    def compose(self) -> ComposeResult:
        yield VirtualTable(DECLARATIONS[self.collection].columns, ListRowSource(self.records))
        yield DetailPane()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).reload()


async def header_and_rows(collection: Collection, records: list[dict[str, Any]]) -> list[str]:
    app = Host(collection, records)
    async with app.run_test(size=(140, 20)) as pilot:
        table = app.query_one(VirtualTable)
        while table.row_count < len(records):
            await pilot.pause(0.02)
        await pilot.pause()
        return [table.render_line(y).text for y in range(len(records) + 1)]


async def test_a_stage_title_fills_the_name_column() -> None:
    header, row = await header_and_rows(Collection.STAGES, STAGES)
    assert "Name" in header and "Spin the wheel" in row
    assert "Start" not in header and "Visible" not in header  # blank in every row: hidden


async def test_prize_type_quantity_and_delivered_fill_qty_and_given() -> None:
    header, row = await header_and_rows(Collection.PRIZE_TYPES, PRIZE_TYPES)
    assert "Qty" in header and "Given" in header and "Ref" not in header
    assert row.split()[-2:] == ["40", "3"] or ("40" in row and " 3" in row)


async def test_ranking_nickname_and_user_under_user() -> None:
    header, first, second = await header_and_rows(Collection.RANKING, RANKING)
    assert "Nickname" in header and "User" in header
    assert "3001" in first and "ana" in first and "120" in first
    assert "3002" in second and "bo" in second and "90" in second


async def test_a_ranking_row_in_the_detail_pane_has_an_id_in_its_title() -> None:
    app = Host(Collection.RANKING, RANKING)
    async with app.run_test(size=(100, 20)) as pilot:
        detail = app.query_one(DetailPane)
        detail.show("480102", Collection.RANKING, {"position": 2, "user_id": "3002"})
        await pilot.pause()
        assert detail.text.splitlines()[0].strip() == "Ranking #3002"
