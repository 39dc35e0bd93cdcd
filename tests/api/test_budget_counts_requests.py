"""The budget counts what the server counts: requests that reached it, not attempts to connect
(offline, the status bar said '6 of 200 calls this minute' of calls nobody received)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.helpers import Control
from tui.api.easypromos import EasypromosClient
from tui.api.errors import NetworkError
from tui.api.retry import RetryPolicy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


def counted_by_server(control: Control) -> int:
    windows = control.stats()["windows"]
    return sum(w["count"] for w in windows if w["account"] == cr.DEMO_ACCOUNT)


async def test_only_requests_that_reached_the_server_are_counted(
    make_sandbox: Callable[..., SandboxServer],
) -> None:
    sb = make_sandbox(minute_seconds=3600.0)  # one window for the whole test
    control = Control(sb)
    retry = RetryPolicy(attempts=3, initial=0.01, maximum=0.02, jitter=0.0)
    async with EasypromosClient(
        sb.easypromos_url, Secret(cr.DEMO_TOKEN), rate_window=3600.0, retry=retry, timeout=2.0
    ) as ep:
        await ep.organizing_brands()
        # A connection that broke after the request left: the server may have counted it.
        control.faults({"kind": "reset", "nth": [1], "method": "GET", "path": "/v2/"})
        await ep.organizing_brands()
        served = counted_by_server(control)
        control.http.close()
        assert ep.pacer.state().used == served == 3

        sb.stop()  # now every connection is refused: nothing leaves
        with pytest.raises(NetworkError) as caught:
            await ep.organizing_brands()
        assert not caught.value.sent
        assert ep.pacer.state().used == served
        assert ep.pacer.state().in_flight == 0
