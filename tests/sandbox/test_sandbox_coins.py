"""Virtual-coin transactions: the POST's errors and balances that really change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PID = cr.ACTIVE_PROMOTION_ID


def a_user(ep: httpx.Client, pid: int = PID, position: int = 7) -> str:
    return str(ep.get(f"/users/{pid}").json()["items"][position]["id"])


def balance_of(ep: httpx.Client, uid: str, pid: int = PID) -> int:
    items = ep.get(f"/coin_transactions/{pid}/{uid}").json()["items"]
    return int(items[0]["transaction"]["balance"]) if items else 0


def post(ep: httpx.Client, body: Any, pid: int = PID) -> httpx.Response:
    return ep.post(f"/coin_transactions/{pid}", json=body)


def test_post_changes_the_balance(ep: httpx.Client, sandbox: SandboxServer) -> None:
    uid = a_user(ep)
    before = balance_of(ep, uid)
    earned = post(ep, {"user_id": uid, "amount": 25, "concept": "Support: missing reward"})
    assert earned.status_code == 200
    tx = earned.json()
    assert tx["amount"] == 25 and tx["balance"] == before + 25 and tx["user_id"] == uid
    assert tx["reason"] == "Support: missing reward"
    spent = post(ep, {"user_id": int(uid), "amount": -10, "concept": "Shop"}).json()
    assert spent["balance"] == before + 15
    history = ep.get(f"/coin_transactions/{PID}/{uid}").json()["items"]
    assert [h["transaction"]["id"] for h in history[:2]] == [spent["id"], tx["id"]]
    assert all(h["user"]["id"] == uid for h in history)
    listed = ep.get(f"/coin_transactions/{PID}").json()["items"][0]["transaction"]
    assert listed == spent
    journal = sandbox.state.journal[-1]
    assert journal["transaction_id"] == spent["id"] and journal["amount"] == -10


def test_post_requires_json_content_type(ep: httpx.Client) -> None:
    uid = a_user(ep)
    for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "application/x-www"}):
        response = ep.post(
            f"/coin_transactions/{PID}",
            content=f'{{"user_id": "{uid}", "amount": 5}}',
            headers=headers,
        )
        assert response.status_code == 415


def test_post_invalid_json_is_code_50(ep: httpx.Client) -> None:
    response = ep.post(
        f"/coin_transactions/{PID}",
        content=b'{"user_id": 1, "amount":',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == 50


@pytest.mark.parametrize("amount", [0, 1.5, "10", None, True])
def test_post_bad_amount_is_code_0(ep: httpx.Client, amount: Any) -> None:
    response = post(ep, {"user_id": a_user(ep), "amount": amount, "concept": "x"})
    assert response.status_code == 400
    assert response.json() == {"code": 0, "message": response.json()["message"]}


def test_post_spending_more_than_the_balance_is_refused(ep: httpx.Client) -> None:
    uid = a_user(ep, position=11)
    response = post(ep, {"user_id": uid, "amount": -(balance_of(ep, uid) + 1), "concept": "x"})
    assert response.status_code == 400 and response.json()["code"] == 0


def test_post_unknown_user_is_404(ep: httpx.Client) -> None:
    assert post(ep, {"user_id": 99, "amount": 5, "concept": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("pid", "code"), [(cr.CLOSED_PROMOTION_ID, 42), (cr.DRAFT_PROMOTION_ID, 41)]
)
def test_post_on_a_promotion_that_is_not_open(ep: httpx.Client, pid: int, code: int) -> None:
    uid = a_user(ep, cr.CLOSED_PROMOTION_ID) if pid == cr.CLOSED_PROMOTION_ID else "1"
    response = post(ep, {"user_id": uid, "amount": 5, "concept": "x"}, pid=pid)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_post_counts_in_stats(ep: httpx.Client, control: httpx.Client) -> None:
    posts = control.get("/stats").json()["posts"]
    post(ep, {"user_id": a_user(ep), "amount": 1, "concept": "x"}).raise_for_status()
    assert control.get("/stats").json()["posts"] == posts + 1
