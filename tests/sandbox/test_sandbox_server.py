"""SandboxServer's life cycle and the determinism of its data."""

from __future__ import annotations

import time

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.data import Dataset
from tui.sandbox.server import SandboxServer


def test_starts_fast_on_a_free_port_and_stops() -> None:
    started = time.monotonic()
    server = SandboxServer(seed=3).start()
    base_url = server.base_url
    try:
        assert time.monotonic() - started < 1.0
        assert server.easypromos_url == f"http://127.0.0.1:{server.port}/v2"
        assert server.ezepo_endpoint == server.base_url == f"http://127.0.0.1:{server.port}"
        answer = httpx.get(f"{server.base_url}/api/test/", params={"key": cr.EZEPO_ADMIN_KEY})
        assert answer.json() == {"status": 1}
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/api/test/")


async def test_async_context_manager() -> None:
    async with SandboxServer(rate_limit=None) as server, httpx.AsyncClient() as client:
        headers = {"Authorization": f"Bearer {cr.DEMO_TOKEN}"}
        response = await client.get(f"{server.easypromos_url}/organizing_brands", headers=headers)
        assert response.status_code == 200


def test_data_is_deterministic_per_seed() -> None:
    one, same, other = Dataset(1), Dataset(1), Dataset(2)
    pid = cr.BIG_PROMOTION_ID
    for index in (0, 4_321, cr.BIG_USERS - 1):
        assert one.record(pid, "users", index) == same.record(pid, "users", index)
        assert one.record(pid, "users", index)["id"] == other.record(pid, "users", index)["id"]
    assert one.promotions == same.promotions
    names = [one.record(pid, "users", i)["email"] for i in range(20)]
    assert names != [other.record(pid, "users", i)["email"] for i in range(20)]
    assert one.count(pid, "participations") == other.count(pid, "participations")


def test_balances_follow_the_transactions() -> None:
    data = Dataset(5)
    spec = data.specs[cr.ACTIVE_PROMOTION_ID]
    for user_index in range(50):
        balance = 0
        for amount, after in data.coin_amounts(spec, user_index):
            assert amount != 0
            balance += amount
            assert after == balance >= 0
