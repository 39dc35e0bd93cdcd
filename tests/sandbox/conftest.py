"""httpx clients for the sandbox tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

ClientFor = Callable[..., httpx.Client]
PLAIN_HTTP: dict[str, Any] = {"verify": False, "timeout": 10.0}  # loopback http: skip CA loading


@pytest.fixture
def client_for() -> Iterator[ClientFor]:
    """`client_for(server, token=DEMO_TOKEN, base="/v2")`: a client closed at teardown
    (`token=None`: no Authorization header; `base="/_sandbox"`: the control API)."""
    clients: list[httpx.Client] = []

    def make(
        server: SandboxServer, token: str | None = cr.DEMO_TOKEN, base: str = "/v2"
    ) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=server.base_url + base, headers=headers, **PLAIN_HTTP)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def ep(sandbox: SandboxServer, client_for: ClientFor) -> httpx.Client:
    """The session sandbox's Easypromos API with the demo token."""
    return client_for(sandbox)


@pytest.fixture
def ez(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """The session sandbox's Ezepo API (pass `key` in params)."""
    with httpx.Client(base_url=f"{sandbox.ezepo_endpoint}/api", **PLAIN_HTTP) as client:
        yield client


@pytest.fixture
def control(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """The session sandbox's control API."""
    with httpx.Client(base_url=f"{sandbox.base_url}/_sandbox", **PLAIN_HTTP) as client:
        yield client
