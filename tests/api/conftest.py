"""Fixtures of the API tests: private sandboxes over real HTTP, clients tuned for speed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import FAST_RETRY, Control
from tui.api.easypromos import EasypromosClient
from tui.api.ezepo import EzepoClient
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


@pytest.fixture
def make_sandbox(
    sandbox_factory: Callable[..., SandboxServer],
) -> Callable[..., SandboxServer]:
    """Private sandboxes with a 1 s minute unless told otherwise (stopped after the test)."""
    return lambda **options: sandbox_factory(**{"minute_seconds": 1.0, **options})


@pytest.fixture
def sb(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """A private sandbox with a 1 s minute."""
    return make_sandbox()


@pytest.fixture
def control(sb: SandboxServer) -> Iterator[Control]:
    ctl = Control(sb)
    yield ctl
    ctl.http.close()


@pytest.fixture
def make_ep(sb: SandboxServer, tmp_path: Path) -> Iterator[Callable[..., EasypromosClient]]:
    """Easypromos clients of the private sandbox (use with `async with`): fast retries, paced to
    its 1 s minute."""

    def make(token: str = cr.DEMO_TOKEN, **options: Any) -> EasypromosClient:
        settings: dict[str, Any] = {
            "rate_limit": sb.state.limiter.limit or 200,
            "rate_window": sb.state.limiter.minute_seconds,
            "timeout": 2.0,
            "retry": FAST_RETRY,
            "journal_path": tmp_path / "journal.jsonl",
            "reconcile_delay": 0.3,
            "reconcile_interval": 0.3,
            "reconcile_window": 1.0,
            **options,
        }
        return EasypromosClient(sb.easypromos_url, Secret(token), **settings)

    yield make


@pytest.fixture
async def ep(make_ep: Callable[..., EasypromosClient]) -> AsyncIterator[EasypromosClient]:
    async with make_ep() as client:
        yield client


@pytest.fixture
async def ez_admin(sb: SandboxServer) -> AsyncIterator[EzepoClient]:
    async with EzepoClient(sb.ezepo_endpoint, Secret(cr.EZEPO_ADMIN_KEY), retry=FAST_RETRY) as ez:
        yield ez


@pytest.fixture
async def ez_affiliate(sb: SandboxServer) -> AsyncIterator[EzepoClient]:
    key = Secret(cr.EZEPO_AFFILIATE_KEY)
    async with EzepoClient(sb.ezepo_endpoint, key, retry=FAST_RETRY) as ez:
        yield ez
