"""Per-account request pacing: a sliding-window log, so the server never has to say 429.

Rule: a request is admitted only while `in flight + completed in the last window < limit`.
This is exact whatever the latency: the server counts a request at some instant between its
admission and its completion, so any window of the server's (fixed or rolling) can only hold
requests that were in flight or recently completed when the last of them was admitted.

On a 429 anyway (another tool spends the same account), every request of the account waits until
the next minute boundary, computed from the server's `Date` where available (skew-corrected,
capped at one window, a little jitter), and then resumes: the caller re-sends the same request.

The pacer uses no asyncio primitive bound to one loop, so one instance can be shared by every
client of a (base URL, token) in the process, whichever event loop they run on.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from tui.redact import Secret


@dataclass(frozen=True)
class PacerState:
    """For a budget gauge: requests used in the current window, and a countdown after a 429."""

    used: int
    limit: int
    window_seconds: float
    waiting_until: float | None  # time.time() when requests resume, None when not blocked
    in_flight: int = 0


class Pacer:
    """Admits requests of one account under `limit` per rolling `window` seconds."""

    def __init__(
        self,
        limit: int = 200,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        jitter: Callable[[float], float] | None = None,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the rate limit and its window must be positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._wall = wall
        self._jitter = jitter or (lambda cap: random.uniform(0.0, cap))
        self._lock = threading.Lock()
        self._in_flight = 0
        self._done: deque[float] = deque()  # completion times (clock), oldest first
        self._blocked_until = 0.0  # clock
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.rate_limited_count = 0

    def configure(self, limit: int, window: float) -> None:
        with self._lock:
            self.limit, self.window = limit, window

    # -- arithmetic (call with the lock held) ---------------------------------------------------

    def _prune(self, now: float) -> None:
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()

    def _delay(self, now: float) -> float | None:
        """Seconds until a request may start (0: now), or None: wait for one to complete."""
        if self._blocked_until > now:
            return self._blocked_until - now
        self._prune(now)
        excess = self._in_flight + len(self._done) - self.limit + 1
        if excess <= 0:
            return 0.0
        if excess > len(self._done):
            return None
        return self._done[excess - 1] + self.window - now

    # -- admission ------------------------------------------------------------------------------

    async def acquire(self) -> None:
        """Wait (cancellably) until a request may start, and count it in flight."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                delay = self._delay(self._clock())
                if delay is not None and delay <= 0:
                    self._in_flight += 1
                    return
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            try:
                await asyncio.wait({future}, timeout=delay)
            finally:
                with self._lock:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))

    def release(self) -> None:
        """A request admitted by `acquire` has completed (whatever its outcome)."""
        with self._lock:
            self._in_flight -= 1
            self._done.append(self._clock())
            waiters, self._waiters = self._waiters, []
        current = _running_loop()
        for loop, future in waiters:
            if loop is current:
                _wake(future)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_wake, future)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """`async with pacer.slot(): send one request`."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    # -- after a 429 ----------------------------------------------------------------------------

    def rate_limited(self, date_header: str | None = None) -> float:
        """Block every request of the account until the next minute boundary; returns the wait."""
        wall = self._wall()
        server_now = wall + server_skew(date_header, wall)
        wait = min(next_boundary(server_now, self.window) - server_now, self.window)
        # A little jitter (1 s at the real minute, scaled with shorter test minutes) so that
        # clients of one account do not all hit the boundary in the same millisecond.
        wait += self._jitter(min(self.window / 60, 1.0))
        with self._lock:
            self.rate_limited_count += 1
            self._blocked_until = max(self._blocked_until, self._clock() + wait)
        return wait

    def state(self) -> PacerState:
        with self._lock:
            now = self._clock()
            self._prune(now)
            blocked = self._blocked_until - now
            return PacerState(
                used=len(self._done) + self._in_flight,
                limit=self.limit,
                window_seconds=self.window,
                waiting_until=self._wall() + blocked if blocked > 0 else None,
                in_flight=self._in_flight,
            )


def server_skew(date_header: str | None, wall: float) -> float:
    """Server clock minus ours, the smallest correction consistent with `Date` (1 s resolution)."""
    if not date_header:
        return 0.0
    try:
        server = parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0
    if wall < server:
        return server - wall
    if wall >= server + 1.0:
        return server + 1.0 - wall
    return 0.0


def next_boundary(now: float, window: float) -> float:
    """The next multiple of `window` seconds since the epoch, strictly after `now`."""
    return (math.floor(now / window) + 1) * window


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_registry: dict[tuple[str, str], Pacer] = {}
_registry_lock = threading.Lock()


def pacer_for(base_url: str, token: Secret, limit: int, window: float) -> Pacer:
    """The process-wide pacer of one account (base URL and token); limits follow the settings."""
    digest = hashlib.sha256(token.reveal().encode()).hexdigest()
    key = (base_url.rstrip("/"), digest)
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            pacer = _registry[key] = Pacer(limit, window)
        elif (pacer.limit, pacer.window) != (limit, window):
            pacer.configure(limit, window)
        return pacer
