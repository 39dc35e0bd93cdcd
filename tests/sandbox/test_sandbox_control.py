"""The /_sandbox control API."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import ClientFor
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


def test_info_lists_credentials_ids_and_counts(control: httpx.Client) -> None:
    info = control.get("/info").json()
    assert info["easypromos"]["token"] == cr.DEMO_TOKEN
    assert info["easypromos"]["big_promotion_id"] == cr.BIG_PROMOTION_ID
    assert info["ezepo"]["affiliate_key"] == cr.EZEPO_AFFILIATE_KEY
    big = info["counts"][str(cr.BIG_PROMOTION_ID)]
    assert big["users"] == cr.BIG_USERS and big["participations"] == cr.BIG_PARTICIPATIONS
    assert info["promotions"][str(cr.CLOSED_PROMOTION_ID)]["status"] == "expired"
    assert info["settings"]["minute_seconds"] == 1.0


def test_stats_count_answers_and_reset(
    sandbox: SandboxServer, ep: httpx.Client, control: httpx.Client, client_for: ClientFor
) -> None:
    control.post("/stats/reset")
    ep.get("/organizing_brands")
    ep.get("/promotions/1")
    client_for(sandbox, None, "/api").get("/test/")
    stats = control.get("/stats").json()
    assert stats["requests"] == 3
    assert stats["by_status"] == {"200": 1, "404": 1, "401": 1}
    assert stats["by_path"]["/v2/organizing_brands"] == 1
    assert [(w["account"], w["count"]) for w in stats["windows"]] == [(cr.DEMO_ACCOUNT, 2)]
    control.post("/stats/reset")
    assert control.get("/stats").json()["requests"] == 0


def test_record_changes_are_validated(control: httpx.Client) -> None:
    pid = cr.ACTIVE_PROMOTION_ID
    assert control.post(f"/promotions/{pid}/nothing", json={"count": 1}).status_code == 404
    assert control.post("/promotions/1/users", json={"count": 1}).status_code == 404
    assert control.post(f"/promotions/{pid}/users", json={"count": 0}).status_code == 400
    assert control.post(f"/promotions/{pid}/users", content=b"[").status_code == 400
    assert control.delete(f"/promotions/{pid}/users/1").status_code == 404


def test_added_coin_transactions_keep_balances(control: httpx.Client, ep: httpx.Client) -> None:
    pid = cr.ACTIVE_PROMOTION_ID
    (tid,) = control.post(f"/promotions/{pid}/coin_transactions", json={"count": 1}).json()["ids"]
    newest = ep.get(f"/coin_transactions/{pid}").json()["items"][0]
    assert newest["transaction"]["id"] == str(tid)
    uid = newest["transaction"]["user_id"]
    mine = ep.get(f"/coin_transactions/{pid}/{uid}").json()["items"]
    assert mine[0] == newest
    assert (
        mine[1]["transaction"]["balance"] + newest["transaction"]["amount"]
        == (newest["transaction"]["balance"])
    )


def test_ezepo_settings(control: httpx.Client) -> None:
    assert control.put("/ezepo", json={"status_word": "done"}).status_code == 400
    assert control.put("/ezepo", json={"job_seconds": "x"}).status_code == 400
    settings = control.put("/ezepo", json={"job_seconds": 3, "list_size": 10}).json()
    assert settings == {"job_seconds": 3.0, "status_word": "complete", "list_size": 10}


def test_reset_undoes_every_change(
    control: httpx.Client, ep: httpx.Client, ez: httpx.Client
) -> None:
    pid = cr.ACTIVE_PROMOTION_ID
    seeded = control.get("/info").json()["counts"][str(pid)]
    control.post(f"/promotions/{pid}/users", json={"count": 3})
    uid = ep.get(f"/users/{pid}").json()["items"][5]["id"]
    control.delete(f"/promotions/{pid}/users/{uid}")
    control.put("/faults", json={"rules": [{"kind": "503", "path": "/v2/nothing"}]})
    control.put("/ezepo", json={"status_word": "completed"})
    ez.get("/newlist/", params={"key": cr.EZEPO_ADMIN_KEY, "listid": "777", "name": "x"})
    assert control.post("/reset").status_code == 200
    assert control.get("/info").json()["counts"][str(pid)] == seeded
    assert control.get("/faults").json()["rules"] == []
    assert control.get("/ezepo").json()["status_word"] == "complete"
    assert "777" not in {
        row["listid"]
        for row in ez.get("/lists/", params={"key": cr.EZEPO_ADMIN_KEY}).json()["lists"]
    }
