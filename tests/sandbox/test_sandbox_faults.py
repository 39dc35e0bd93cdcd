"""Every fault kind as an httpx client sees it, schedules, filters, and the POST phases."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import ClientFor
from tui.sandbox import credentials as cr
from tui.sandbox.faults import HOSTILE_MESSAGE, FaultRule, FaultSpecError, parse_spec
from tui.sandbox.server import SandboxServer

PATH = f"/users/{cr.ACTIVE_PROMOTION_ID}"


def set_faults(control: httpx.Client, *rules: dict[str, Any], seed: int = 0) -> None:
    control.put("/faults", json={"rules": list(rules), "seed": seed}).raise_for_status()


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_error_statuses(ep: httpx.Client, control: httpx.Client, kind: str) -> None:
    set_faults(control, {"kind": kind})
    response = ep.get(PATH)
    assert response.status_code == int(kind)
    assert "message" in response.json() and "date" in response.headers


def test_hostile_error_message_on_any_endpoint(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "hostile", "path": "/v2/users"})
    response = ep.get(PATH)
    assert response.status_code == 400
    assert response.json() == {"code": 0, "message": HOSTILE_MESSAGE, "error": HOSTILE_MESSAGE}
    for part in ("[/b]", "\x1b]52;", "\x1b[2J", "\x9b", "\u202e"):
        assert part in HOSTILE_MESSAGE
    rules, _ = parse_spec("hostile:1:status=401:path=/api/test")
    assert rules[0].kind == "hostile" and rules[0].status == 401


def test_html_error_page(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "html"})
    response = ep.get(PATH)
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    set_faults(control, {"kind": "html", "status": 200})
    response = ep.get(PATH)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_reset_mid_body(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "reset"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        ep.get(PATH)
    set_faults(control)
    assert ep.get(PATH).status_code == 200  # the client recovers on a new connection


def test_truncated_json(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "truncate"})
    response = ep.get(PATH)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_gzip_that_does_not_decode(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "gzip"})
    with pytest.raises(httpx.DecodingError):
        ep.get(PATH)


def test_slow(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "slow", "seconds": 0.3})
    started = time.monotonic()
    assert ep.get(PATH).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_hang_until_the_client_gives_up(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "hang", "seconds": 0.5})
    with pytest.raises(httpx.ReadTimeout):
        ep.get(PATH, timeout=0.2)
    # The sandbox cuts the hung request (and counts it) after the client gave up: wait for it,
    # or it lands in the statistics of whichever test uses the shared sandbox next.
    deadline = time.monotonic() + 10
    while control.get("/stats").json()["requests"] < 1:
        assert time.monotonic() < deadline, "the hung request never ended"
        time.sleep(0.05)


def test_nth_schedule_path_and_method_filters(ep: httpx.Client, control: httpx.Client) -> None:
    set_faults(control, {"kind": "500", "nth": [2, 3], "path": "/v2/users", "method": "GET"})
    assert [ep.get(PATH).status_code for _ in range(4)] == [200, 500, 500, 200]
    assert ep.get(f"/stages/{cr.ACTIVE_PROMOTION_ID}").status_code == 200
    stats = control.get("/stats").json()
    assert stats["faults"] == {"500": 2} and stats["by_status"]["500"] == 2


def test_probability_is_seeded(ep: httpx.Client, control: httpx.Client) -> None:
    def run() -> list[int]:
        set_faults(control, {"kind": "503", "probability": 0.5}, seed=7)
        return [ep.get(PATH).status_code for _ in range(12)]

    first = run()
    assert first == run() and {200, 503} == set(first)


def test_control_api_is_never_faulted(control: httpx.Client) -> None:
    set_faults(control, {"kind": "500"}, {"kind": "reset"})
    assert control.get("/info").status_code == 200
    assert control.delete("/faults").json()["rules"] == []


def coin_post(ep: httpx.Client, uid: str) -> httpx.Response:
    return ep.post(
        f"/coin_transactions/{cr.ACTIVE_PROMOTION_ID}",
        json={"user_id": uid, "amount": 3, "concept": "fault test"},
    )


@pytest.mark.parametrize(("phase", "applied"), [("before", 0), ("after", 1)])
def test_post_fault_before_or_after_applying(
    ep: httpx.Client, control: httpx.Client, phase: str, applied: int
) -> None:
    uid = ep.get(PATH).json()["items"][3]["id"]
    posts = control.get("/stats").json()["posts"]
    set_faults(control, {"kind": "reset", "method": "POST", "phase": phase})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        coin_post(ep, uid)
    assert control.get("/stats").json()["posts"] == posts + applied
    set_faults(control, {"kind": "500", "method": "POST", "phase": phase})
    assert coin_post(ep, uid).status_code == 500
    assert control.get("/stats").json()["posts"] == posts + 2 * applied


def test_faults_from_a_spec(
    sandbox_factory: Callable[..., SandboxServer], client_for: ClientFor
) -> None:
    server = sandbox_factory(faults="500:1:nth=1,truncate:1:path=/v2/stages", rate_limit=None)
    client = client_for(server)
    assert client.get(PATH).status_code == 500
    assert client.get(PATH).status_code == 200
    with pytest.raises(json.JSONDecodeError):
        client.get(f"/stages/{cr.ACTIVE_PROMOTION_ID}").json()


def test_parse_spec() -> None:
    rules, seed = parse_spec("500:0.05, reset:0.02,slow:0.1:2.0,html:1:status=200:seed=3")
    assert [r.kind for r in rules] == ["500", "reset", "slow", "html"]
    assert rules[2].probability == 0.1 and rules[2].seconds == 2.0
    assert rules[3].status == 200 and seed == 3
    (rule,), _ = parse_spec("reset:1:method=post:phase=after:nth=1+3:path=/v2/coin")
    assert rule == FaultRule("reset", 1.0, (1, 3), "/v2/coin", "POST", "after", 0.0)
    for bad in ("boom", "500:2", "slow:1:2:3", "reset:1:phase=during", "500:1:color=red"):
        with pytest.raises(FaultSpecError):
            parse_spec(bad)


def test_bad_rules_are_400(control: httpx.Client) -> None:
    assert control.put("/faults", json={"rules": [{"kind": "boom"}]}).status_code == 400
    assert control.put("/faults", content=b"{").status_code == 400
