"""Refresh over real HTTP against the sandbox: calls counted at /_sandbox/stats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.api.easypromos import Collection, EasypromosClient
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer
from tui.store import Store
from tui.store.sync import SyncProgress, SyncReport, refresh

BIG = cr.BIG_PROMOTION_ID
SMALL = cr.ACTIVE_PROMOTION_ID


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A private sandbox (records get added and deleted) without a rate limit."""
    with SandboxServer(seed=1, minute_seconds=1.0, rate_limit=None) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def big_store(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store holding BIG's 1,000 pages of participations, read once for the module."""
    store = Store.open("sync", server.easypromos_url, "b", directory=tmp_path_factory.mktemp("s"))
    report = asyncio.run(run_refresh(server, store, Collection.PARTICIPATIONS, BIG))
    assert report.calls == 1000 and report.added == 100_000 and report.complete
    yield store
    store.close()


async def run_refresh(
    server: SandboxServer, store: Store, collection: Any, pid: int | None, **options: Any
) -> SyncReport:
    async with EasypromosClient(
        server.easypromos_url, Secret(cr.DEMO_TOKEN), rate_limit=1_000_000, rate_window=1.0
    ) as client:
        return await refresh(client, store, collection, pid, **options)


def calls(server: SandboxServer, fn: Any) -> tuple[Any, int]:
    """Run `fn()` and count the API requests the sandbox answered meanwhile."""
    control = httpx.Client(base_url=server.base_url)
    control.post("/_sandbox/stats/reset")
    result = fn()
    counted = int(control.get("/_sandbox/stats").json()["requests"])
    control.close()
    return result, counted


def api_records(
    server: SandboxServer, collection: Collection, pid: int, pages: int | None = None
) -> dict[str, Any]:
    """The records the API lists (its first `pages` pages), by id."""

    async def read() -> dict[str, Any]:
        found: dict[str, Any] = {}
        async with EasypromosClient(
            server.easypromos_url, Secret(cr.DEMO_TOKEN), rate_limit=1_000_000, rate_window=1.0
        ) as client:
            async for page in client.pages(collection, pid):
                found.update((key(item), item) for item in page.items)
                if page.number == pages:
                    break
        return found

    return asyncio.run(read())


def sandbox_ids(server: SandboxServer, collection: str, pid: int) -> set[str]:
    """Every id the sandbox holds (read in-process: 1,000 pages over HTTP would be slow)."""
    ids: set[str] = set()
    cursor = None
    while True:
        records, cursor = server.state.page(pid, collection, True, cursor, brief=True)
        ids.update(str(r["id"]) for r in records)
        if cursor is None:
            return ids


def key(item: dict[str, Any]) -> str:
    """A record's id (coin transactions wrap theirs)."""
    return str(item["transaction"]["id"] if "transaction" in item else item["id"])


def cached(store: Store, collection: str, pid: object) -> dict[str, Any]:
    return {key(r): r for r in store.iter_records(collection, pid)}


def test_unchanged_collection_costs_one_call(server: SandboxServer, big_store: Store) -> None:
    report, counted = calls(
        server, lambda: asyncio.run(run_refresh(server, big_store, "participations", BIG))
    )
    assert counted == 1 and report.calls == 1
    assert (report.added, report.changed, report.complete) == (0, 0, True)
    assert big_store.freshness("participations", BIG).complete


def after_the_newest_second(server: SandboxServer) -> None:
    """Wait until the clock has left the second of BIG's newest record: records added now then
    share no second with cached ones (whose page would have to be read whole, by design)."""
    newest = server.state.page(BIG, "participations", True, None, brief=True)[0][0]["created"]
    second = datetime.fromisoformat(newest.replace("Z", "+00:00"))
    while datetime.now(timezone.utc).replace(microsecond=0) <= second:
        time.sleep(0.02)


def test_new_records_cost_few_calls_and_match_the_api(
    server: SandboxServer, big_store: Store
) -> None:
    # Another test of the module may have added many records of one second just now, and a page
    # ending inside such a group must be followed by the next one (by design): first cache one
    # record of a second of its own, then add the new ones in a later second.
    after_the_newest_second(server)
    httpx.post(f"{server.base_url}/_sandbox/promotions/{BIG}/participations", json={"count": 1})
    asyncio.run(run_refresh(server, big_store, "participations", BIG))
    after_the_newest_second(server)
    added = httpx.post(
        f"{server.base_url}/_sandbox/promotions/{BIG}/participations", json={"count": 250}
    ).json()["ids"]
    report, counted = calls(
        server, lambda: asyncio.run(run_refresh(server, big_store, "participations", BIG))
    )
    assert counted == 250 // 100 + 1 and report.added == 250  # the third page reaches cached ones
    assert set(cached(big_store, "participations", BIG)) == sandbox_ids(
        server, "participations", BIG
    )
    newest = api_records(server, Collection.PARTICIPATIONS, BIG, pages=3)
    assert {str(i) for i in added} <= set(newest)
    assert all(big_store.get("participations", BIG, i) == item for i, item in newest.items())


def test_full_resync_finds_records_deleted_upstream(server: SandboxServer, tmp_path: Path) -> None:
    store = Store.open("sync", server.easypromos_url, "b", directory=tmp_path / "store")
    asyncio.run(run_refresh(server, store, Collection.PARTICIPATIONS, SMALL))
    victim = store.rows("participations", SMALL, 450, 1)[0]["id"]
    httpx.delete(f"{server.base_url}/_sandbox/promotions/{SMALL}/participations/{victim}")
    quick = asyncio.run(run_refresh(server, store, "participations", SMALL))
    assert quick.deleted == 0 and store.get("participations", SMALL, victim) is not None
    full = asyncio.run(run_refresh(server, store, "participations", SMALL, full=True))
    assert full.deleted_ids == [str(victim)] and (full.added, full.changed) == (0, 0)
    assert full.calls == 9 and "1 deleted upstream" in full.summary()
    assert store.get("participations", SMALL, victim) is None
    assert cached(store, "participations", SMALL) == api_records(
        server, Collection.PARTICIPATIONS, SMALL
    )
    store.close()


def test_interrupted_refresh_resumes_without_holes(server: SandboxServer, tmp_path: Path) -> None:
    store = Store.open("sync", server.easypromos_url, "b", directory=tmp_path / "store")
    seen: list[SyncProgress] = []

    async def interrupted() -> None:
        task = asyncio.current_task()
        assert task is not None

        def progress(step: SyncProgress) -> None:
            seen.append(step)
            if step.pages_done == 3:
                task.cancel()

        await run_refresh(server, store, Collection.COIN_TRANSACTIONS, SMALL, on_progress=progress)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(interrupted())
    assert [s.pages_done for s in seen] == [1, 2, 3] and seen[-1].text() == "refreshing page 3"
    assert store.count("coin_transactions", SMALL) == 300
    assert not store.freshness("coin_transactions", SMALL).complete
    assert len(store.freshness("coin_transactions", SMALL).pending) == 1
    httpx.post(
        f"{server.base_url}/_sandbox/promotions/{SMALL}/coin_transactions", json={"count": 30}
    )
    report, counted = calls(
        server, lambda: asyncio.run(run_refresh(server, store, "coin_transactions", SMALL))
    )
    # Newest first: the 30 new end on the first page (1 call), then pages 4-8 resumed.
    assert counted == report.calls == 1 + 5 and report.added == 750 - 300
    assert report.complete and store.freshness("coin_transactions", SMALL).pending == ()
    assert (
        cached(store, "coin_transactions", SMALL).keys()
        == api_records(server, Collection.COIN_TRANSACTIONS, SMALL).keys()
    )
    store.close()


def test_collections_without_order_are_reread_whole(server: SandboxServer, tmp_path: Path) -> None:
    store = Store.open("sync", server.easypromos_url, "b", directory=tmp_path / "store")
    first = asyncio.run(run_refresh(server, store, Collection.PRIZES, SMALL))
    second = asyncio.run(run_refresh(server, store, Collection.PRIZES, SMALL))
    assert first.full and second.full and second.calls == first.calls >= 1
    assert second.added == 0 and store.count("prizes", SMALL) == first.added
    promotions = asyncio.run(run_refresh(server, store, Collection.PROMOTIONS, None))
    assert promotions.complete and store.count("promotions", None) == promotions.added > 0
    store.close()


class FakeApi:
    """Pages of a list held in memory, newest first, cursor = last id of the page."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls = 0

    async def pages(
        self, collection: Any, promotion_id: Any = None, *, cursor: str | None = None, **_: Any
    ) -> Any:
        ordered = sorted(self.records, key=lambda r: -int(r["id"]))
        if cursor is not None:
            ordered = [r for r in ordered if int(r["id"]) < int(cursor)]
        while True:
            self.calls += 1
            page, ordered = ordered[:100], ordered[100:]
            next_cursor = page[-1]["id"] if ordered else None
            yield type("Page", (), {"items": page, "next_cursor": next_cursor})()
            if next_cursor is None:
                return


def test_a_page_of_new_records_costs_one_page_more(server: SandboxServer, big_store: Store) -> None:
    httpx.post(f"{server.base_url}/_sandbox/promotions/{BIG}/participations", json={"count": 200})
    report, counted = calls(
        server, lambda: asyncio.run(run_refresh(server, big_store, "participations", BIG))
    )
    assert counted == 200 // 100 + 1 and report.added == 200


class TiesLastApi(FakeApi):
    """Pages of a list held in memory, newest `created` first and records of one second in
    ascending id order, so records added in the second of the newest cached ones come after
    them. The sandbox lists a second's records newest first: it cannot show this."""

    async def pages(
        self, collection: Any, promotion_id: Any = None, *, cursor: str | None = None, **_: Any
    ) -> Any:
        ordered = sorted(self.records, key=lambda r: (-r["at"], int(r["id"])))
        start = int(cursor or 0)
        while True:
            self.calls += 1
            page = ordered[start : start + 100]
            start += 100
            next_cursor = str(start) if start < len(ordered) else None
            yield type("Page", (), {"items": page, "next_cursor": next_cursor})()
            if next_cursor is None:
                return


def test_records_of_the_second_of_the_newest_cached_ones_are_all_read(tmp_path: Path) -> None:
    def user(number: int, second: int) -> dict[str, Any]:
        return {
            "id": str(number),
            "at": second,
            "created": f"2024-05-01T10:{second // 60:02d}:{second % 60:02d}+00:00",
        }

    records = [user(n, n) for n in range(1, 101)] + [user(n, 500) for n in range(101, 151)]
    api = TiesLastApi(records)
    store = Store.open("fake", "http://x/v2", "b", directory=tmp_path / "store")
    assert asyncio.run(refresh(api, store, "users", 1)).added == 150
    records += [user(n, 500) for n in range(151, 261)]
    api.calls = 0
    # Page 1: 101-150 (cached), 151-200; page 2: 201-260, then 100-61 (older: the end).
    report = asyncio.run(refresh(api, store, "users", 1))
    assert (report.added, api.calls, report.complete) == (110, 2, True)
    assert store.count("users", 1) == 260
    store.close()


def test_full_resync_reports_changes_and_progress(tmp_path: Path) -> None:
    records = [{"id": str(n), "email": f"u{n}@x.test"} for n in range(1, 251)]
    api = FakeApi(records)
    store = Store.open("fake", "http://x/v2", "b", directory=tmp_path / "store")
    first = asyncio.run(refresh(api, store, "users", 1))
    assert (first.calls, first.added, first.complete) == (3, 250, True)
    records[10]["email"] = "changed@x.test"
    del records[20]
    steps: list[str] = []
    full = asyncio.run(
        refresh(api, store, "users", 1, full=True, on_progress=lambda p: steps.append(p.text()))
    )
    assert (full.added, full.changed, full.deleted_ids) == (0, 1, ["21"])
    assert steps == [f"refreshing {n}/4 pages" for n in (1, 2, 3)]
    assert store.get("users", 1, "11") == records[10] and store.count("users", 1) == 249
    store.close()
