"""Helpers shared by the API tests: the sandbox's control API, fast retries."""

from __future__ import annotations

from typing import Any

import httpx

from tui.api.retry import RetryPolicy
from tui.sandbox.server import SandboxServer

FAST_RETRY = RetryPolicy(attempts=6, initial=0.01, maximum=0.05, jitter=0.01)


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
