"""Hints and help that hold: `u` opens a record's user from the table too, backspace returns the
focus pane by pane, help says where each key works, the palette has no near-duplicates, a
promotion opened by id shows its collections, and an affiliate key's tabs are 1, 2, 3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Select, TabbedContent, Tabs

from tests.app.conftest import browsing, wait_until
from tests.app.test_ezepo import SIZE, host, ready
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.declarations import DECLARATIONS
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.help import GUIDES, binding_table, by_place, open_sections
from tui.screens.palette import PromotionById
from tui.widgets.ezepo.base import ErrorLine
from tui.widgets.ezepo.link_builder import LinkBuilder
from tui.widgets.promotions_tree import PromotionData

SMALL = str(credentials.ACTIVE_PROMOTION_ID)


async def test_u_opens_the_user_from_the_table_and_backspace_goes_back_pane_by_pane(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        view, table, detail = screen.collection, screen.table, screen.detail
        view.show(SMALL, Collection.PARTICIPATIONS, "Small · Participations")
        table.focus()
        await wait_until(pilot, lambda: view.state == "idle" and table.highlighted is not None)
        await wait_until(pilot, lambda: detail.shown and detail.shown.record == table.highlighted)
        user_id = DECLARATIONS[Collection.PARTICIPATIONS].user_of(dict(table.highlighted or {}))
        await pilot.press("u")
        await wait_until(
            pilot,
            lambda: (
                detail.shown is not None
                and detail.shown.collection is Collection.USERS
                and str(detail.shown.record.get("id")) == user_id
            ),
        )
        detail._history.clear()  # as if the user were the first record shown
        detail.focus()
        await pilot.press("backspace")
        assert table.has_focus
        await pilot.press("backspace")
        assert screen.promotions_tree.has_focus


async def test_a_promotion_opened_by_id_shows_its_collections(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        tree = screen.promotions_tree
        last = [n for b in tree.root.children for n in b.children][-1]
        assert isinstance(last.data, PromotionData)
        app.open_promotion(last.data.id)
        node = tree._promotion_node(last.data.id)
        assert node is not None
        await wait_until(pilot, lambda: node.is_expanded and node.children)
        height = tree.scrollable_content_region.height

        def on_screen(line: int) -> bool:
            return tree.scroll_offset.y <= line < tree.scroll_offset.y + height

        await wait_until(pilot, lambda: all(on_screen(c.line) for c in [node, *node.children]))


async def test_help_says_where_each_key_works(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, _):
        sections = open_sections(app, [screen])
        for guide, classes in GUIDES:
            sections += by_place(guide, list(classes))
        titles = [title for title, _ in sections]
        assert "Browser (open) · table (2)" in titles
        assert "Ezepo screen · Lists tab" in titles and "Ezepo screen · Link builder tab" in titles
        places: dict[str, list[str]] = {}
        for title, classes in sections:
            table = binding_table(app, classes)
            keys = [str(row) for row in table.columns[0].cells] if table else []
            assert len(keys) == len(set(keys)), title  # a key once per section
            for key in keys:
                places.setdefault(key, []).append(title)
        assert len(places["r"]) > 1  # `r` on the table and on Ezepo tabs: each titled apart


async def test_the_palette_has_no_near_duplicates(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, _):
        titles = [command.title for command in app.get_system_commands(screen)]
        assert len(titles) == len(set(titles))
        assert "Keys" not in titles and "Help" in titles
        assert not any(title.startswith("Open promotion") for title in titles)
        hits = [hit async for hit in PromotionById(screen).discover()]
        assert [str(hit.display) for hit in hits] == ["Open promotion by id…"]
        found = [hit async for hit in PromotionById(screen).search("promotion")]
        assert [hit.text for hit in found] == ["Open promotion by id…"]  # as listed, by its words
        assert not [hit async for hit in PromotionById(screen).search("ezepo")]


async def test_an_affiliate_keys_tabs_are_numbered_1_2_3(sandbox: Any) -> None:
    app = host(sandbox, credentials.EZEPO_AFFILIATE_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, admin=False)
        tabs = screen.query_one(TabbedContent)
        for key, tab, label in (("2", "link", "2 Link builder"), ("3", "jobs", "3 Fetch jobs")):
            tabs.query_one(Tabs).focus()  # not a field, where digits are typed
            await pilot.press(key)
            assert tabs.active == tab
            assert str(tabs.get_tab(tab).label) == label
        tabs.query_one(Tabs).focus()
        await pilot.press("1")
        assert tabs.active == "lists"


async def test_an_affiliate_key_asking_another_affiliates_link_is_told_why(sandbox: Any) -> None:
    app = host(sandbox, credentials.EZEPO_AFFILIATE_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, admin=False)
        await pilot.press("2")
        builder = screen.query_one(LinkBuilder)
        builder.query_one("#link-list", Select).value = credentials.DEMO_LIST_ID
        builder.query_one("#link-affid", Input).value = "102"  # not this key's affiliate
        line = builder.query_one(ErrorLine)
        await wait_until(pilot, lambda: "own affiliate id" in str(line.render()))
        assert "refused the API key" not in str(line.render())
        builder.query_one("#link-affid", Input).value = credentials.DEMO_AFFILIATE_ID
        await wait_until(pilot, lambda: not str(line.render()))
