"""Insights counted in SQL (tui.store.insights) against counts made in Python over the records.

The sandbox's promotions are read over real HTTP into a store; every period's count must equal
a count of the records themselves (their `created` converted with zoneinfo), in UTC and in the
promotion's timezone. Records placed a second either side of local and UTC midnights, and on a
DST change, check the boundaries themselves.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tui.api.easypromos import Collection, EasypromosClient
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer
from tui.store import Store
from tui.store import insights as figures
from tui.store.specs import parse_time
from tui.store.sync import refresh

CLOSED = str(cr.CLOSED_PROMOTION_ID)  # expired: its periods end at its end date
READ = (Collection.PARTICIPATIONS, Collection.USERS, Collection.COIN_TRANSACTIONS)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=1, minute_seconds=1.0, rate_limit=None) as sandbox:
        yield sandbox


async def _read_promotion(server: SandboxServer, store: Store, pid: str, pages: int | None) -> Any:
    """Read the promotion and its three collections (`pages`: only that many of each)."""
    async with EasypromosClient(
        server.easypromos_url, Secret(cr.DEMO_TOKEN), rate_limit=1_000_000, rate_window=1.0
    ) as client:
        promotion = await client.promotion(pid)
        for collection in READ:
            if pages is None:
                await refresh(client, store, collection, pid)
                continue
            read = 0
            async for page in client.pages(collection, pid):
                store.write_page(collection, pid, page.items)
                read += 1
                if read == pages:
                    break
        return promotion


def cached(server: SandboxServer, tmp_path: Path, pid: str, pages: int | None = None) -> Any:
    store = Store.open("t", server.easypromos_url, "b", directory=tmp_path)
    return store, asyncio.run(_read_promotion(server, store, pid, pages))


def python_counts(store: Store, collection: str, pid: str, zone: Any, by: str) -> Counter[str]:
    """Records per day (or hour) counted here, from the records themselves."""
    counts: Counter[str] = Counter()
    for record in store.iter_records(collection, pid):
        created = record.get("created") or record["transaction"]["created"]
        moment = datetime.fromtimestamp(parse_time(created) or 0, zone)
        counts[_label(moment, by)] += 1
    return counts


def _label(moment: datetime, by: str) -> str:
    if by == "day":
        return moment.date().isoformat()
    return moment.replace(minute=0, second=0).isoformat(timespec="minutes")


def coin_sums(store: Store, pid: str, zone: Any) -> tuple[Counter[str], Counter[str]]:
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for record in store.iter_records("coin_transactions", pid):
        transaction = record["transaction"]
        day = datetime.fromtimestamp(parse_time(transaction["created"]) or 0, zone).date()
        amount = int(transaction["amount"])
        (added if amount > 0 else removed)[day.isoformat()] += abs(amount)
    return added, removed


@pytest.mark.parametrize("utc", [False, True], ids=["promotion-timezone", "utc"])
def test_every_day_equals_a_count_of_the_records(
    server: SandboxServer, tmp_path: Path, utc: bool
) -> None:
    store, promotion = cached(server, tmp_path, CLOSED)
    with store:
        found = figures.read(store, promotion, utc=utc)
        zone = timezone.utc if utc else ZoneInfo(promotion["timezone"])
        assert found.zone.name == ("UTC" if utc else promotion["timezone"])
        assert promotion["timezone"] != "UTC"  # the two runs count different days
        participations = python_counts(store, "participations", CLOSED, zone, "day")
        users = python_counts(store, "users", CLOSED, zone, "day")
        added, removed = coin_sums(store, CLOSED, zone)
        labels = [p.label for p in found.periods]
        assert len(labels) == len(set(labels))
        assert set(participations) <= set(labels) and set(users) <= set(labels)
        for period in found.periods:
            assert period.participations == participations[period.label], period
            assert period.new_users == users[period.label], period
            assert period.coins_added == added[period.label], period
            assert period.coins_removed == removed[period.label], period
        assert sum(p.participations for p in found.periods) == found.participations
        assert found.participations == server.state.count(int(CLOSED), "participations")
        assert sum(p.new_users for p in found.periods) == found.users
        assert found.users == server.state.count(int(CLOSED), "users")
        assert found.coins_added == sum(added.values())
        assert not found.partial


def test_local_days_differ_from_utc_days(server: SandboxServer, tmp_path: Path) -> None:
    """Records between the local and the UTC midnight are counted on different days."""
    store, promotion = cached(server, tmp_path, CLOSED)
    with store:
        local = {p.label: p.participations for p in figures.read(store, promotion).periods}
        utc = {p.label: p.participations for p in figures.read(store, promotion, utc=True).periods}
    assert local != utc
    assert sum(local.values()) == sum(utc.values())


def boundary_store(created: list[str]) -> Store:
    """An in-memory store with one participation per `created` time, users 1 and 2."""
    store = Store.open("t", "http://x", "b", enabled=False)
    items = [
        {"id": str(n), "user_id": str(1 + n % 2), "created": moment}
        for n, moment in enumerate(created)
    ]
    store.write_page("participations", "7", items)
    return store


def test_a_second_either_side_of_midnight() -> None:
    """Madrid is UTC+1 in winter: 23:00 UTC is local midnight."""
    promotion = {"id": "7", "timezone": "Europe/Madrid", "start_date": "2025-01-01T00:00:00Z"}
    times = [
        "2025-01-10T22:59:59Z",  # local 23:59:59, Jan 10
        "2025-01-10T23:00:00Z",  # local 00:00:00, Jan 11
        "2025-01-10T23:59:59Z",  # local Jan 11; UTC Jan 10
        "2025-01-11T00:00:00Z",  # UTC Jan 11
    ]
    with boundary_store(times) as store:
        local = {p.label: p.participations for p in figures.read(store, promotion).periods}
        utc = {p.label: p.participations for p in figures.read(store, promotion, utc=True).periods}
    assert (local["2025-01-10"], local["2025-01-11"]) == (1, 3)
    assert (utc["2025-01-10"], utc["2025-01-11"]) == (3, 1)


def test_a_dst_day_has_25_hours() -> None:
    """Madrid leaves summer time on 2025-10-26: that local day is 25 hours long."""
    promotion = {"id": "7", "timezone": "Europe/Madrid", "start_date": "2025-10-25T00:00:00Z"}
    times = ["2025-10-25T22:00:00Z", "2025-10-26T22:59:59Z", "2025-10-26T23:00:00Z"]
    with boundary_store(times) as store:
        found = figures.read(store, promotion)
        hours = figures.read(store, promotion, by="hour")
    days = {p.label: p for p in found.periods}
    assert days["2025-10-26"].participations == 2 and days["2025-10-27"].participations == 1
    assert days["2025-10-27"].start - days["2025-10-26"].start == 25 * 3600
    labels = [p.label for p in hours.periods]
    assert "2025-10-26T02:00+02:00" in labels and "2025-10-26T02:00+01:00" in labels
    assert sum(p.participations for p in hours.periods) == 3


@pytest.mark.parametrize(
    ("zone", "midnight"),
    [
        ("Asia/Kathmandu", "2025-01-10T18:15:00Z"),  # +05:45: days begin on a quarter hour
        ("Asia/Kolkata", "2025-01-10T18:30:00Z"),  # +05:30
        ("Africa/Monrovia", "1971-06-10T00:44:30Z"),  # -00:44:30: counted from the records
    ],
)
def test_days_in_a_timezone_off_the_whole_hour(zone: str, midnight: str) -> None:
    moment = parse_time(midnight) or 0
    offsets = [-14 * 60, -1, 0, 14 * 60, 86399]  # a second, and a quarter hour, either side
    times = [datetime.fromtimestamp(moment + s, timezone.utc).isoformat() for s in offsets]
    promotion = {"id": "7", "timezone": zone, "start_date": times[0]}
    with boundary_store(times) as store:
        days = {p.label: p.participations for p in figures.read(store, promotion).periods}
        hours = figures.read(store, promotion, by="hour").periods
    local = datetime.fromtimestamp(moment, ZoneInfo(zone))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    before = datetime.fromtimestamp(moment - 1, ZoneInfo(zone)).date().isoformat()
    assert days == {before: 2, local.date().isoformat(): 3}
    counted = {p.label: p.participations for p in hours if p.participations}
    assert counted == Counter(
        _label(datetime.fromtimestamp(moment + s, ZoneInfo(zone)), "hour") for s in offsets
    )


def test_a_young_promotion_is_counted_per_hour() -> None:
    promotion = {"id": "7", "timezone": "Asia/Tokyo", "start_date": "2025-01-10T00:00:00Z"}
    with boundary_store(["2025-01-10T00:30:00Z", "2025-01-10T01:10:00Z"]) as store:
        found = figures.read(store, promotion, now=parse_time("2025-01-11T00:00:00Z"))
    assert found.by == "hour"
    assert [(p.label, p.participations) for p in found.periods if p.participations] == [
        ("2025-01-10T09:00+09:00", 1),
        ("2025-01-10T10:00+09:00", 1),
    ]


def test_per_user_figures() -> None:
    with boundary_store([f"2025-01-10T0{n}:00:00Z" for n in range(5)]) as store:
        store.write_page("users", "7", [{"id": "1", "first_name": "Ana", "status": "validated"}])
        found = figures.read(store, {"id": "7"})
    assert found.zone.name == "UTC" and "not known" in found.zone.why
    assert [(r.user_id, r.name, r.value) for r in found.top_participations] == [
        ("1", "Ana", 3),
        ("2", "", 2),
    ]
    assert found.participants == 2
    assert [(s.value, s.count) for s in found.by_status] == [
        ("validated", 3),
        ("(user not cached)", 2),
    ]
    assert [(s.value, s.count) for s in found.by_country] == [
        ("(none)", 3),
        ("(user not cached)", 2),
    ]


def test_a_partly_cached_collection_is_labelled(server: SandboxServer, tmp_path: Path) -> None:
    big = str(cr.BIG_PROMOTION_ID)
    store, promotion = cached(server, tmp_path, big, pages=2)
    with store:
        found = figures.read(store, promotion)
    coverage = found.coverage["participations"]
    assert (coverage.cached, coverage.complete) == (200, False)
    assert coverage.label() == "participations cached: 200 of ~?"
    assert {c.collection for c in found.partial} == {"participations", "users", "coin_transactions"}
    assert sum(p.participations for p in found.periods) == 200
    known = figures.Coverage("participations", 12_300, 100_000, False)
    assert known.label() == "participations cached: 12,300 of ~100,000"


def test_nothing_cached() -> None:
    store = Store.open("t", "http://x", "b", enabled=False)
    with store:
        found = figures.read(store, {"id": "9", "timezone": "Nowhere/Atlantis"})
    assert found.periods == [] and found.participations == 0 and found.top_balance == []
    assert found.zone.name == "UTC" and "not one we know" in found.zone.why
    assert found.coverage["users"].label() == "users: not cached"
