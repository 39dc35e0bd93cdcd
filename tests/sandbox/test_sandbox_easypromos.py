"""Easypromos sandbox over real HTTP: auth, scope, errors, models, pagination, records changes."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import ClientFor
from tui.sandbox import credentials as cr
from tui.sandbox.data import HOSTILE_STRINGS
from tui.sandbox.server import SandboxServer

BIG = cr.BIG_PROMOTION_ID


def read_all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a collection, checking the paging block of each page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params, **({"next_cursor": cursor} if cursor else {}))
        body = client.get(path, params=query).raise_for_status().json()
        assert len(body["items"]) == body["paging"]["items_page"] <= 100
        items += body["items"]
        cursor = body["paging"].get("next_cursor")
        if cursor is None:
            return items
        assert cursor > 0


def test_missing_or_wrong_token_is_401(sandbox: SandboxServer, client_for: ClientFor) -> None:
    anonymous = client_for(sandbox, None)
    assert anonymous.get("/promotions").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert anonymous.get("/promotions", headers=wrong).status_code == 401
    basic = {"Authorization": f"Basic {cr.DEMO_TOKEN}"}
    assert anonymous.get("/promotions", headers=basic).status_code == 401


def test_scoped_token_gets_403_on_locked_promotion_but_lists_it(
    sandbox: SandboxServer, client_for: ClientFor
) -> None:
    scoped = client_for(sandbox, cr.SCOPED_TOKEN)
    listed = read_all(scoped, "/promotions")
    assert str(cr.LOCKED_PROMOTION_ID) in {p["id"] for p in listed}
    for path in ("/promotions/{}", "/users/{}", "/participations/{}", "/coin_transactions/{}"):
        assert scoped.get(path.format(cr.LOCKED_PROMOTION_ID)).status_code == 403
    assert scoped.get(f"/promotions/{cr.ACTIVE_PROMOTION_ID}").status_code == 200


def test_unknown_ids_are_404(ep: httpx.Client) -> None:
    assert ep.get("/promotions/1").status_code == 404
    assert ep.get(f"/promotions/{cr.OTHER_PROMOTION_ID}").status_code == 404
    assert ep.get(f"/users/{BIG}/12").status_code == 404
    assert ep.get(f"/nothing/{BIG}").status_code == 404
    assert ep.get(f"/coin_transactions/{BIG}/12").status_code == 404


def test_accounts_see_their_own_promotions(
    sandbox: SandboxServer, ep: httpx.Client, client_for: ClientFor
) -> None:
    other = client_for(sandbox, cr.OTHER_ACCOUNT_TOKEN)
    theirs = {p["id"] for p in read_all(other, "/promotions")}
    ours = {p["id"] for p in read_all(ep, "/promotions")}
    assert str(cr.OTHER_PROMOTION_ID) in theirs
    assert not theirs & ours
    assert len(ours) > 100  # promotions span pages too


def test_promotions_status_filter_and_bad_parameters(ep: httpx.Client) -> None:
    for status in ("draft", "active", "expired"):
        items = read_all(ep, "/promotions", status=status)
        assert items and {p["status"] for p in items} == {status}
    assert ep.get("/promotions", params={"status": "open"}).json()["code"] == 0
    assert ep.get("/promotions", params={"order": "random"}).status_code == 400
    assert ep.get(f"/users/{BIG}", params={"next_cursor": "abc"}).status_code == 400


def test_list_items_are_summaries_and_get_by_id_is_full(ep: httpx.Client) -> None:
    promotion = ep.get("/promotions").json()["items"][0]
    full = ep.get(f"/promotions/{promotion['id']}").json()
    assert "url" not in promotion and "url" in full
    assert set(promotion) < set(full)
    user = ep.get(f"/users/{BIG}").json()["items"][0]
    assert isinstance(user["id"], str) and user["id"].isdigit()
    full_user = ep.get(f"/users/{BIG}/{user['id']}").json()
    assert "meta_data" not in user and "custom_properties" in full_user
    assert {k: full_user[k] for k in user} == user


def test_dates_are_iso_utc(ep: httpx.Client) -> None:
    participation = ep.get(f"/participations/{BIG}").json()["items"][0]
    user = ep.get(f"/users/{BIG}").json()["items"][0]
    assert participation["created"].endswith("Z")
    assert user["created"].endswith("+00:00")


def test_every_page_of_the_big_promotion(
    sandbox_factory: Callable[..., SandboxServer], client_for: ClientFor
) -> None:
    client = client_for(sandbox_factory(rate_limit=None))
    items = read_all(client, f"/participations/{BIG}")
    ids = [p["id"] for p in items]
    assert len(ids) == len(set(ids)) == cr.BIG_PARTICIPATIONS
    assert ids == sorted(ids, reverse=True)
    last_page = client.get(f"/users/{BIG}", params={"order": "created_asc"}).json()["items"]
    first_user = int(last_page[0]["id"])
    assert {int(p["user_id"]) - first_user for p in items} <= set(range(cr.BIG_USERS))


def test_collections_of_a_promotion(ep: httpx.Client) -> None:
    pid = cr.ACTIVE_PROMOTION_ID
    for collection in ("stages", "prize_types", "prizes", "ranking", "coin_transactions"):
        assert read_all(ep, f"/{collection}/{pid}"), collection
    ranking = read_all(ep, f"/ranking/{pid}")
    assert [row["position"] for row in ranking] == list(range(1, len(ranking) + 1))
    assert all(a["points"] >= b["points"] for a, b in itertools.pairwise(ranking))
    prize = ep.get(f"/prizes/{pid}").json()["items"][0]
    assert prize["user"]["id"] == prize["user_id"]
    assert read_all(ep, f"/users/{cr.DRAFT_PROMOTION_ID}") == []


def test_participations_full_format_nests_user_and_prize(ep: httpx.Client) -> None:
    items = read_all(ep, f"/participations/{cr.ACTIVE_PROMOTION_ID}", format="full")
    assert all(p["user"]["id"] == p["user_id"] for p in items)
    assert any(p["prize"] for p in items) and any(p["prize"] is None for p in items)
    assert "user" not in ep.get(f"/participations/{cr.ACTIVE_PROMOTION_ID}").json()["items"][0]


def test_hostile_strings_are_served_verbatim(ep: httpx.Client) -> None:
    users = read_all(ep, f"/users/{cr.HOSTILE_PROMOTION_ID}")
    nicknames = {u["nickname"] for u in users}
    assert set(HOSTILE_STRINGS) <= nicknames


def test_date_header_is_exact(
    sandbox: SandboxServer, ep: httpx.Client, client_for: ClientFor
) -> None:
    anonymous = client_for(sandbox, None)
    for response in (ep.get("/promotions"), ep.get("/promotions/1"), anonymous.get("/users/1")):
        sent = parsedate_to_datetime(response.headers["date"]).timestamp()
        assert int(time.time()) - 1 <= sent <= time.time()


@pytest.mark.parametrize("order", ["created_desc", "created_asc"])
def test_added_records_do_not_shift_pages(
    sandbox_factory: Callable[..., SandboxServer], client_for: ClientFor, order: str
) -> None:
    server = sandbox_factory(rate_limit=None)
    pid = cr.ACTIVE_PROMOTION_ID
    client, control = client_for(server), client_for(server, None, "")
    first = client.get(f"/participations/{pid}", params={"order": order}).json()
    added = control.post(f"/_sandbox/promotions/{pid}/participations", json={"count": 150})
    new_ids = set(added.json()["ids"])
    assert len(new_ids) == 150
    rest = read_all(
        client,
        f"/participations/{pid}",
        order=order,
        next_cursor=first["paging"]["next_cursor"],
    )
    seen = [p["id"] for p in first["items"] + rest]
    assert len(seen) == len(set(seen))
    expected_new = len(new_ids) if order == "created_asc" else 0
    assert len(set(seen) & new_ids) == expected_new
    newest = client.get(f"/participations/{pid}").json()["items"]
    assert {p["id"] for p in newest} <= new_ids


def test_deleted_records_disappear(
    sandbox_factory: Callable[..., SandboxServer], client_for: ClientFor
) -> None:
    server = sandbox_factory(rate_limit=None)
    pid = cr.ACTIVE_PROMOTION_ID
    client, control = client_for(server), client_for(server, None, "")
    users = read_all(client, f"/users/{pid}")
    victim = users[5]["id"]
    assert control.delete(f"/_sandbox/promotions/{pid}/users/{victim}").status_code == 200
    assert control.delete(f"/_sandbox/promotions/{pid}/users/{victim}").status_code == 404
    after = read_all(client, f"/users/{pid}")
    assert len(after) == len(users) - 1 and victim not in {u["id"] for u in after}
    assert client.get(f"/users/{pid}/{victim}").status_code == 404
    counts = control.get("/_sandbox/info").json()["counts"][str(pid)]
    assert counts["users"] == len(after)
