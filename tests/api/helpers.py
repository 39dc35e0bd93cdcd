"""Helpers shared by the API tests: a quicker sandbox, its control API, fast retries."""

from __future__ import annotations

import socket
from typing import Any

import httpx

from tui.api.retry import RetryPolicy
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
