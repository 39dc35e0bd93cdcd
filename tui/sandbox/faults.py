"""Fault injection as pure ASGI middleware, so that a response can break anywhere, even mid-body.

A rule fires by probability (seeded RNG) or on the n-th matching request, filtered by path prefix
and method. `phase` says whether the application runs first ("after": a POST is applied, then its
answer is lost) or not at all ("before").

SPEC (command line) is a comma-separated list of rules `KIND[:PROBABILITY[:SECONDS]][:KEY=VALUE...]`
with keys `nth` (`1+3+5`), `path` (prefix), `method`, `phase`, `seconds`, `status`.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KINDS = ("500", "503", "slow", "reset", "truncate", "html", "429", "gzip", "hang", "late")
REFUSALS = ("hostile",)  # answers a client must show, not retry
_RESPONSE_KINDS = {"500", "503", "html", "429"}
_MANGLING_KINDS = {"reset", "truncate", "gzip"}
_DEFAULT_SECONDS = {"slow": 2.0, "hang": 30.0, "late": 3.0}
CONTROL_PREFIX = "/_sandbox"

SPEC_HELP = """\
Fault SPEC: comma-separated rules KIND[:PROBABILITY[:SECONDS]][:KEY=VALUE...]
  KIND      500 | 503 | slow | reset | truncate | html | 429 | gzip | hang | late | hostile
            reset: headers and half the body, then the connection closes
            truncate: a complete response whose JSON is cut in half
            html: an HTML error page (status=502 by default; status=200 possible)
            gzip: Content-Encoding gzip on a body that is not gzip
            hang: accepts the request, answers nothing for SECONDS (default 30), then
                  breaks off like reset
            slow: answers after SECONDS (default 2)
            late: breaks off like reset at once, and applies the request SECONDS later
                  (default 3): a slow server whose work lands after the client gave up
            hostile: a JSON error (status=400 by default) whose message and error are
                  HOSTILE_MESSAGE: markup, an OSC 52 clipboard write, a CSI clear-screen,
                  a C1 CSI (U+009B) and a bidi override
  keys      nth=1+3+5 (fire on those matching requests instead of by probability),
            path=/v2/participations (prefix), method=GET|POST, phase=before|after
            (after: the request is applied first, e.g. a coin POST that then fails),
            seconds=S, status=N, seed=N (seeds the probabilities; in any rule)
Examples:
  500:0.05,reset:0.02,slow:0.1:2.0
  reset:1:method=POST:phase=after:nth=1
  html:0.2:status=200:path=/v2/users
  hostile:1:path=/api/links,hostile:1:path=/v2/coin_transactions:method=POST
"""
HOSTILE_MESSAGE = (
    "[/b] [link='https://evil.example']click[/link] [@click=app.quit]quit[/] "
    "\x1b]52;c;cHduZWQ=\x07 \x1b[2J\x1b[H \x9b31mred \u202eevil\u202c"
)


class FaultSpecError(ValueError):
    """A fault rule or SPEC that cannot be understood."""


@dataclass
class FaultRule:
    """One fault and when it fires."""

    kind: str
    probability: float = 1.0
    nth: tuple[int, ...] = ()
    path: str = ""
    method: str | None = None
    phase: str | None = None
    seconds: float | None = None
    status: int | None = None
    matched: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in (*KINDS, *REFUSALS):
            known = ", ".join((*KINDS, *REFUSALS))
            raise FaultSpecError(f"unknown fault kind {self.kind!r} (one of {known})")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultSpecError(f"probability {self.probability} is not between 0 and 1")
        if self.phase not in (None, "before", "after"):
            raise FaultSpecError(f"phase {self.phase!r} is not before or after")
        if self.method is not None:
            self.method = self.method.upper()
        if self.seconds is None:
            self.seconds = _DEFAULT_SECONDS.get(self.kind, 0.0)

    @property
    def runs_app_first(self) -> bool:
        if self.phase is not None:
            return self.phase == "after"
        return self.kind in _MANGLING_KINDS

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FaultRule:
        known = {"kind", "probability", "nth", "path", "method", "phase", "seconds", "status"}
        unknown = set(raw) - known
        if unknown:
            raise FaultSpecError(f"unknown rule keys: {', '.join(sorted(unknown))}")
        try:
            return cls(
                kind=str(raw["kind"]),
                probability=float(raw.get("probability", 1.0)),
                nth=tuple(int(n) for n in raw.get("nth") or ()),
                path=str(raw.get("path") or ""),
                method=raw.get("method"),
                phase=raw.get("phase"),
                seconds=None if raw.get("seconds") is None else float(raw["seconds"]),
                status=None if raw.get("status") is None else int(raw["status"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"bad fault rule {raw!r}: {exc}") from exc

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["nth"] = list(self.nth)
        return out


def parse_spec(spec: str) -> tuple[list[FaultRule], int | None]:
    """Rules and RNG seed of a command-line SPEC (see SPEC_HELP)."""
    rules, seed = [], None
    for text in filter(None, (part.strip() for part in spec.split(","))):
        kind, *fields = text.split(":")
        raw: dict[str, Any] = {"kind": kind}
        positional = ["probability", "seconds"]
        for item in fields:
            if "=" in item:
                key, value = item.split("=", 1)
                if key == "seed":
                    seed = int(value)
                    continue
                raw[key] = [int(n) for n in value.split("+")] if key == "nth" else value
            elif positional:
                raw[positional.pop(0)] = item
            else:
                raise FaultSpecError(f"too many values in fault rule {text!r}")
        rules.append(FaultRule.from_dict(raw))
    return rules, seed


class FaultPlan:
    """The active rules; thread-safe, changed at run time through the control API."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.configure(rules or [], seed)

    def configure(self, rules: list[FaultRule], seed: int | None = 0) -> None:
        with self._lock:
            self.rules = list(rules)
            self.seed = seed or 0
            self._rng = random.Random(self.seed)

    def clear(self) -> None:
        self.configure([], self.seed)

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request (each matching rule counts it)."""
        fired = None
        with self._lock:
            for rule in self.rules:
                if not path.startswith(rule.path) or rule.method not in (None, method):
                    continue
                rule.matched += 1
                fires = (
                    rule.matched in rule.nth if rule.nth else self._rng.random() < rule.probability
                )
                if fires and fired is None:
                    fired = rule
        return fired

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [rule.as_dict() for rule in self.rules], "seed": self.seed}


def _json_body(message: str, **fields: object) -> bytes:
    return json.dumps({**fields, "message": message}).encode()


_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} Error</title></head><body>"
    "<h1>{status} - Something went wrong</h1><p>The server is taking a break.</p>"
    "<hr><address>nginx</address></body></html>"
)
_SYNTHETIC_BODY = json.dumps(
    {"items": [{"id": n, "name": f"item {n}"} for n in range(1, 40)], "paging": {"items_page": 39}}
).encode()


@dataclass
class _Captured:
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class FaultMiddleware:
    """Applies the plan's faults to every request outside the control API."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, on_fault: Callable[[str], None]) -> None:
        self.app = app
        self.plan = plan
        self.on_fault = on_fault
        self._later: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        rule = self.plan.pick(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        self.on_fault(rule.kind)
        seconds = rule.seconds or 0.0
        if rule.kind == "late":
            await self._apply_later(scope, receive, seconds)
            await _cut(send, _Captured(body=bytearray(_SYNTHETIC_BODY), headers=_json_headers()))
            return
        if rule.kind == "slow" and not rule.runs_app_first:
            await asyncio.sleep(seconds)
            await self.app(scope, receive, send)
            return
        captured = _Captured(body=bytearray(_SYNTHETIC_BODY), headers=_json_headers())
        if rule.runs_app_first:
            captured = await _capture(self.app, scope, receive)
        await _deliver(rule, captured, send, seconds)

    async def _apply_later(self, scope: Scope, receive: Receive, seconds: float) -> None:
        """Read the request now; hand it to the application `seconds` later, its answer lost."""
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        async def drop(message: Message) -> None:
            pass

        async def run() -> None:
            await asyncio.sleep(seconds)
            await self.app(scope, replay, drop)

        task = asyncio.get_running_loop().create_task(run())
        self._later.add(task)
        task.add_done_callback(self._later.discard)


def _json_headers() -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json")]


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> _Captured:
    captured = _Captured()

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured.status = message["status"]
            captured.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            captured.body += message.get("body", b"")

    await app(scope, receive, keep)
    return captured


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [
        (k, v) for k, v in headers if k.lower() not in (b"content-length", b"transfer-encoding")
    ]
    return [*kept, (b"content-length", str(length).encode())]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _with_length(headers, len(body)),
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _cut(send: Send, captured: _Captured) -> None:
    """Headers announcing the whole body, half of it, then the connection closes."""
    body = bytes(captured.body) or _SYNTHETIC_BODY
    await send(
        {
            "type": "http.response.start",
            "status": captured.status,
            "headers": _with_length(captured.headers, len(body)),
        }
    )
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})


async def _deliver(rule: FaultRule, captured: _Captured, send: Send, seconds: float) -> None:
    kind = rule.kind
    if kind in ("slow", "hang"):
        await asyncio.sleep(seconds)
    if kind == "slow":
        await _send(send, captured.status, captured.headers, bytes(captured.body))
    elif kind in ("reset", "hang"):
        await _cut(send, captured)
    elif kind == "truncate":
        body = bytes(captured.body)
        await _send(send, captured.status, captured.headers, body[: len(body) // 2])
    elif kind == "gzip":
        headers = [*captured.headers, (b"content-encoding", b"gzip")]
        await _send(send, captured.status, headers, bytes(captured.body))
    elif kind == "hostile":
        body = _json_body(HOSTILE_MESSAGE, code=0, error=HOSTILE_MESSAGE)
        await _send(send, rule.status or 400, _json_headers(), body)
    elif kind == "html":
        status = rule.status or 502
        page = _HTML_PAGE.format(status=status).encode()
        await _send(send, status, [(b"content-type", b"text/html; charset=utf-8")], page)
    else:
        status = rule.status or int(kind)
        messages = {
            500: "Internal server error",
            503: "Service unavailable",
            429: "Too many requests",
        }
        await _send(send, status, _json_headers(), _json_body(messages.get(status, "Error")))
