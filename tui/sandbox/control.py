"""The /_sandbox control API: introspection, statistics, faults, record changes, Ezepo settings.

Loopback clients only; never rate limited or faulted; no authentication.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox import credentials as cr
from tui.sandbox.catalog import COLLECTIONS
from tui.sandbox.faults import CONTROL_PREFIX, FaultRule, FaultSpecError
from tui.sandbox.state import SandboxState

Endpoint = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ControlError(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


class ControlApi:
    """Endpoints that let tests, benchmarks and developers drive the sandbox."""

    def __init__(self, state: SandboxState, settings: dict[str, Any]) -> None:
        self.state = state
        self.settings = settings

    def routes(self) -> list[Route]:
        p, wrap = CONTROL_PREFIX, self._local
        return [
            Route(f"{p}/info", wrap(self.info)),
            Route(f"{p}/stats", wrap(self.stats)),
            Route(f"{p}/stats/reset", wrap(self.reset_stats), methods=["POST"]),
            Route(f"{p}/reset", wrap(self.reset), methods=["POST"]),
            Route(f"{p}/faults", wrap(self.faults), methods=["GET", "PUT", "DELETE"]),
            Route(f"{p}/promotions/{{pid:int}}/{{collection}}", wrap(self.add), methods=["POST"]),
            Route(
                f"{p}/promotions/{{pid:int}}/{{collection}}/{{rid:int}}",
                wrap(self.delete),
                methods=["DELETE"],
            ),
            Route(f"{p}/ezepo", wrap(self.ezepo), methods=["GET", "PUT"]),
        ]

    def _local(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            if not _is_loopback(request):
                return JSONResponse({"message": "control API is loopback only"}, status_code=403)
            try:
                return await endpoint(request)
            except ControlError as error:
                return JSONResponse({"message": str(error)}, status_code=error.status)

        return guarded

    async def info(self, request: Request) -> Response:
        dataset = self.state.dataset
        return JSONResponse(
            {
                **cr.summary(),
                "settings": {
                    **self.settings,
                    "rate_limit": self.state.limiter.limit,
                    "minute_seconds": self.state.limiter.minute_seconds,
                },
                "counts": {str(pid): self.state.counts(pid) for pid in dataset.specs},
                "promotions": {
                    str(pid): {"account": spec.account, "status": spec.status}
                    for pid, spec in dataset.specs.items()
                },
            }
        )

    async def stats(self, request: Request) -> Response:
        return JSONResponse(self.state.stats_snapshot())

    async def reset_stats(self, request: Request) -> Response:
        self.state.reset_stats()
        return JSONResponse({"ok": True})

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"ok": True})

    async def faults(self, request: Request) -> Response:
        plan = self.state.faults
        if request.method == "DELETE":
            plan.clear()
        elif request.method == "PUT":
            body = await _json_object(request)
            try:
                rules = [FaultRule.from_dict(raw) for raw in body.get("rules", [])]
            except (FaultSpecError, AttributeError) as exc:
                raise ControlError(400, str(exc)) from None
            plan.configure(rules, int(body.get("seed") or 0))
        return JSONResponse(plan.as_dict())

    def _target(self, request: Request) -> tuple[int, str]:
        pid, collection = request.path_params["pid"], request.path_params["collection"]
        if pid not in self.state.dataset.specs or collection not in COLLECTIONS:
            raise ControlError(404, "unknown promotion or collection")
        return pid, collection

    async def add(self, request: Request) -> Response:
        pid, collection = self._target(request)
        count = (await _json_object(request)).get("count", 1)
        if not isinstance(count, int) or not 0 < count <= 100_000:
            raise ControlError(400, "count must be an integer from 1 to 100000")
        return JSONResponse({"ids": self.state.add_records(pid, collection, count)})

    async def delete(self, request: Request) -> Response:
        pid, collection = self._target(request)
        if not self.state.delete_record(pid, collection, request.path_params["rid"]):
            raise ControlError(404, "no such record")
        return JSONResponse({"deleted": request.path_params["rid"]})

    async def ezepo(self, request: Request) -> Response:
        ezepo = self.state.ezepo
        if request.method == "PUT":
            body = await _json_object(request)
            word = body.get("status_word")
            if word not in (None, "complete", "completed"):
                raise ControlError(400, "status_word must be complete or completed")
            try:
                seconds = None if body.get("job_seconds") is None else float(body["job_seconds"])
                size = None if body.get("list_size") is None else int(body["list_size"])
            except (TypeError, ValueError):
                raise ControlError(400, "job_seconds and list_size must be numbers") from None
            ezepo.configure(seconds, word, size)
        return JSONResponse(
            {
                "job_seconds": ezepo.job_seconds,
                "status_word": ezepo.status_word,
                "list_size": ezepo.list_size,
            }
        )
