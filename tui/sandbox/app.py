"""The sandbox's ASGI application: both APIs, the control API, faults, statistics, Date header."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.sandbox.control import ControlApi
from tui.sandbox.easypromos import EasypromosApi
from tui.sandbox.ezepo import EzepoApi
from tui.sandbox.faults import CONTROL_PREFIX, FaultMiddleware
from tui.sandbox.state import SandboxState, Stats


class StampMiddleware:
    """Outermost layer: a `Date` header of this very second, and the statistics of answers."""

    def __init__(self, app: ASGIApp, stats: Stats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counted = not scope["path"].startswith(CONTROL_PREFIX)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", formatdate(time.time(), usegmt=True).encode()))
                message = {**message, "headers": headers}
                if counted:
                    self.stats.record(scope["path"], message["status"])
            await send(message)

        await self.app(scope, receive, stamped)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal server error"
    return JSONResponse({"message": detail}, status_code=status)


def build_app(state: SandboxState, settings: dict[str, Any] | None = None) -> ASGIApp:
    """The whole sandbox as one ASGI app over `state`."""
    routes = [
        *ControlApi(state, settings or {}).routes(),
        *EasypromosApi(state).routes(),
        *EzepoApi(state).routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return StampMiddleware(
        FaultMiddleware(app, state.faults, state.stats.record_fault), state.stats
    )
