"""Fixtures of the API tests: private sandboxes over real HTTP, clients tuned for speed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.api.easypromos import EasypromosClient
from tui.api.ezepo import EzepoClient
from tui.api.retry import RetryPolicy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

FAST_RETRY = RetryPolicy(attempts=6, initial=0.01, maximum=0.05, jitter=0.01)


class QuickSandbox(SandboxServer):
    """The sandbox with a TCP listening socket created as IPPROTO_TCP.

    asyncio turns Nagle off only on sockets whose `proto` is IPPROTO_TCP; the sandbox's socket
    has proto 0, so each answer waits ~40 ms for a delayed ACK. Reported to the sandbox's owner.
    """

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        sock.setblocking(False)
        return sock


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """A factory of private sandboxes (stopped after the test)."""
    started: list[SandboxServer] = []

    def make(**options: Any) -> SandboxServer:
        server = QuickSandbox(**{"minute_seconds": 1.0, **options}).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """A private sandbox with a 1 s minute."""
    return make_sandbox()


class Control:
    """The sandbox's /_sandbox control API."""

    def __init__(self, server: SandboxServer) -> None:
        self.http = httpx.Client(base_url=f"{server.base_url}/_sandbox", timeout=10)

    def faults(self, *rules: dict[str, Any]) -> None:
        self.http.put("/faults", json={"rules": list(rules), "seed": 7}).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/faults").raise_for_status()

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = self.http.get("/stats").raise_for_status().json()
        return data

    def reset_stats(self) -> None:
        self.http.post("/stats/reset").raise_for_status()

    def ezepo(self, **settings: Any) -> None:
        self.http.put("/ezepo", json=settings).raise_for_status()


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
