"""Easypromos client against the sandbox: full pagination, resumption, items, typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.held_pages import pages_held
from tui.api.easypromos import Collection, EasypromosClient, Page
from tui.api.errors import ApiError, AuthError, NotFound, ScopeError
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


def seeded_ids(sb: SandboxServer, pid: int, collection: str) -> list[str]:
    """The ids the sandbox holds, newest first, read in-process."""
    ids: list[str] = []
    cursor = None
    while True:
        records, cursor = sb.state.page(pid, collection, True, cursor, brief=True)
        ids += [str(r["transaction"]["id"] if "transaction" in r else r["id"]) for r in records]
        if cursor is None:
            return ids


def item_id(item: dict) -> str:
    return str(item["transaction"]["id"] if "transaction" in item else item["id"])


async def collect(pages: object) -> tuple[list[str], list[Page]]:
    seen: list[Page] = [page async for page in pages]  # type: ignore[attr-defined]
    return [item_id(item) for page in seen for item in page.items], seen


async def test_full_pagination_of_the_big_promotion_equals_the_seeded_data(
    sb: SandboxServer, ep: EasypromosClient
) -> None:
    ids, pages = await collect(ep.pages(Collection.USERS, cr.BIG_PROMOTION_ID))
    assert len(ids) == len(set(ids)) == sb.state.count(cr.BIG_PROMOTION_ID, "users")
    assert ids == seeded_ids(sb, cr.BIG_PROMOTION_ID, "users")
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert pages[-1].next_cursor is None and pages[-1].total_items == len(ids)


async def test_resume_from_a_cursor_and_ascending_order(
    sb: SandboxServer, ep: EasypromosClient
) -> None:
    pid = cr.ACTIVE_PROMOTION_ID
    full, _ = await collect(ep.pages(Collection.PARTICIPATIONS, pid))
    head: list[str] = []
    cursor = None
    async for page in ep.pages(Collection.PARTICIPATIONS, pid):
        head += [item_id(item) for item in page.items]
        cursor = page.next_cursor
        if page.number == 3:
            break  # an interrupted export: keep the cursor of page 4
    tail, _ = await collect(ep.pages(Collection.PARTICIPATIONS, pid, cursor=cursor))
    assert head + tail == full == seeded_ids(sb, pid, "participations")
    ascending, _ = await collect(ep.pages(Collection.PARTICIPATIONS, pid, order="created_asc"))
    assert ascending == full[::-1]


async def test_items_and_convenience_calls(ep: EasypromosClient) -> None:
    brands = await ep.organizing_brands()
    promotions = await ep.promotions()
    assert brands and all(p["organizing_brand"] for p in promotions)
    assert len(await ep.promotions("active")) < len(promotions)
    promotion = await ep.promotion(cr.ACTIVE_PROMOTION_ID)
    assert promotion["id"] == str(cr.ACTIVE_PROMOTION_ID) and promotion["created"]
    first = (await ep.pages(Collection.USERS, cr.ACTIVE_PROMOTION_ID).__anext__()).items[0]
    user = await ep.user(cr.ACTIVE_PROMOTION_ID, first["id"])  # in full: the list's and more
    assert user.items() >= first.items() and "custom_properties" in user
    transactions = await ep.user_coin_transactions(cr.ACTIVE_PROMOTION_ID, first["id"])
    assert transactions and all(
        tx.raw["transaction"]["user_id"] == first["id"] for tx in transactions
    )


async def test_cancelling_an_export_mid_way(sb: SandboxServer, ep: EasypromosClient) -> None:
    pages = 0

    async def export() -> None:
        nonlocal pages
        async for _ in ep.pages(Collection.PARTICIPATIONS, cr.BIG_PROMOTION_ID):
            pages += 1

    with pages_held(sb, after=3) as gate:
        task = asyncio.ensure_future(export())
        assert await asyncio.to_thread(gate.reached.wait, 20)
        assert pages == 3 and ep.pacer.state().in_flight == 1  # the fourth page's request
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert ep.pacer.state().in_flight == 0


async def test_typed_errors(make_ep: Callable[..., EasypromosClient]) -> None:
    async with make_ep("not-a-valid-token-123") as bad:
        with pytest.raises(AuthError, match="refused the access token"):
            await bad.organizing_brands()
    async with make_ep(cr.SCOPED_TOKEN) as scoped:
        with pytest.raises(ScopeError):
            await scoped.promotion(cr.LOCKED_PROMOTION_ID)
    async with make_ep() as ep:
        with pytest.raises(NotFound):
            await ep.promotion(cr.OTHER_PROMOTION_ID)
        with pytest.raises(NotFound):
            await ep.user(cr.ACTIVE_PROMOTION_ID, 1)
        with pytest.raises(ApiError) as refused:
            await ep.add_coins(cr.CLOSED_PROMOTION_ID, 1, 5, "closed")
        assert refused.value.code == 42 and refused.value.human == "The promotion is not open."
