"""httpx clients for the sandbox tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

ClientFor = Callable[..., httpx.Client]


@pytest.fixture
def client_for() -> Iterator[ClientFor]:
    """`client_for(server, token=DEMO_TOKEN)`: an Easypromos client, closed at teardown."""
    clients: list[httpx.Client] = []

    def make(server: SandboxServer, token: str = cr.DEMO_TOKEN) -> httpx.Client:
        client = httpx.Client(
            base_url=server.easypromos_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
        )
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
    with httpx.Client(base_url=f"{sandbox.ezepo_endpoint}/api", timeout=10.0) as client:
        yield client


@pytest.fixture
def control(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """The session sandbox's control API."""
    with httpx.Client(base_url=f"{sandbox.base_url}/_sandbox", timeout=10.0) as client:
        yield client
