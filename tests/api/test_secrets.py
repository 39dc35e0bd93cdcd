"""Canary token and key: they must never reach a log record, an exception's text or a repr."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from tui.api.easypromos import EasypromosClient
from tui.api.errors import AuthError, NetworkError, PromoTuiApiError
from tui.api.ezepo import EzepoClient
from tui.api.retry import RetryPolicy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

CANARY_TOKEN = "canary-token-7d1e4b2a9c"
CANARY_KEY = "canary-key-3f8a6c0e5b"
ONE_TRY = RetryPolicy(attempts=2, initial=0.01, maximum=0.01, jitter=0.0)


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def assert_clean(error: PromoTuiApiError, caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    texts += [text for e in chain(error) for text in (str(e), repr(e))]
    for secret in secrets:
        assert all(secret not in text for text in texts), secret


@pytest.fixture(autouse=True)
def verbose(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


async def test_a_canary_token_stays_hidden(
    sb: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with EasypromosClient(
        sb.easypromos_url, Secret(CANARY_TOKEN), rate_window=1.0, retry=ONE_TRY
    ) as ep:
        assert CANARY_TOKEN not in repr(ep)
        with pytest.raises(AuthError) as raised:
            await ep.promotion(cr.ACTIVE_PROMOTION_ID)
    assert "HTTP Request" in caplog.text  # httpx did log its line
    assert_clean(raised.value, caplog, CANARY_TOKEN)


async def test_a_canary_key_stays_hidden(
    sb: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with EzepoClient(sb.ezepo_endpoint, Secret(CANARY_KEY), retry=ONE_TRY) as ez:
        assert CANARY_KEY not in repr(ez)
        with pytest.raises(AuthError, match="Access denied") as raised:
            await ez.lists()
    assert "key=***" in caplog.text
    assert_clean(raised.value, caplog, CANARY_KEY)


async def test_real_keys_in_urls_are_masked_in_httpx_lines(
    sb: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with EzepoClient(sb.ezepo_endpoint, Secret(cr.EZEPO_ADMIN_KEY)) as ez:
        affiliates = await ez.affiliates()
        await ez.link(cr.DEMO_AFFILIATE_ID, 1, cr.DEMO_LIST_ID, "unsub")
    hidden = [
        cr.EZEPO_ADMIN_KEY,
        *(a.affiliate_key.reveal() for a in affiliates if a.affiliate_key),
    ]
    assert all(key not in caplog.text for key in hidden)
    assert all(a.affiliate_key and a.affiliate_key.reveal() not in repr(a) for a in affiliates)


async def test_network_errors_carry_no_key(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: connection refused
    async with EzepoClient(f"http://127.0.0.1:{port}", Secret(CANARY_KEY), retry=ONE_TRY) as ez:
        with pytest.raises(NetworkError, match="Could not reach Ezepo") as raised:
            await ez.test()
    assert raised.value.sent is False
    assert_clean(raised.value, caplog, CANARY_KEY)


async def test_the_journal_holds_no_token(
    sb: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with EasypromosClient(
        sb.easypromos_url, Secret(CANARY_TOKEN), rate_window=1.0, retry=ONE_TRY
    ) as ep:
        with pytest.raises(AuthError) as raised:
            await ep.add_coins(cr.ACTIVE_PROMOTION_ID, 1, 5, "canary")
        assert CANARY_TOKEN not in ep.journal.path.read_text()
    assert sb.state.stats_snapshot()["posts"] == 0  # refused (401) before anything was applied
    assert_clean(raised.value, caplog, CANARY_TOKEN)
