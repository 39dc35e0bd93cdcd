"""Per-account request pacing: a sliding-window log shared by every promo-tui process on this
machine (`tui.api.ledger`), so that together they never make the server say 429.

Rule: a call is admitted only while `in flight + completed in the last window < limit`, counting
the calls of every process of the account. This is exact whatever the latency: the server counts
a request at some instant between its admission and its completion, so any window of the
server's (fixed or rolling) can only hold requests that were in flight or recently completed
when the last of them was admitted. A call that provably never left (no connection) is taken
out again: the server counts requests, not attempts to connect.

Two lanes share the budget. INTERACTIVE calls (what the user is waiting on: the account, the
tree, a record, a balance, coins) may use all of it, and while one waits no BULK call (collection
loads, refreshes, exports) is admitted, in any process. BULK calls are spread evenly, one per
`window / limit` seconds for the account (all processes together; after a slow page it may catch
up a few), so the budget comes back continuously rather than all at once a window after a burst:
an interactive call waits about one spacing at most (0.3 s at 200 a minute). And while the user
is active, BULK calls leave free as many slots as interactive calls took in the last half
window, up to the reserve (`reserve`, 10 % of the limit), so that their next calls find the
budget there; the part of the reserve the user does not use goes back to bulk as their calls
age: a lone export runs at the full rate, one beside an active user gives up about half of
what the user takes again.

On a 429 anyway (another tool spends the same account), every call of the account, in every
process, waits until the next minute boundary, computed from the server's `Date` where available
(skew-corrected, capped at one window, a little jitter), and then resumes: the caller re-sends.

The pacer uses no asyncio primitive bound to one loop, so one instance can be shared by every
client of a (base URL, token) in the process, whichever event loop they run on.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import itertools
import math
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

from tui.api.errors import NetworkError
from tui.api.ledger import Account, Ledger, Usage, shared_ledger
from tui.redact import Secret

DEFAULT_RESERVE = 0.1
CATCH_UP_SPACINGS = 4  # how far bulk may run ahead of its even schedule after it fell behind
SAY_WHY_AFTER = 1.0  # seconds a call waits for the budget before the wait is shown


class Lane(enum.Enum):
    """Who waits for a call: the user (INTERACTIVE), or nobody in particular (BULK)."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


@dataclass(frozen=True)
class PacerState:
    """For a budget gauge: calls of the account in the current window, and why calls wait."""

    used: int
    limit: int
    window_seconds: float
    waiting_until: float | None  # time.time() when calls resume after a 429, None when not
    in_flight: int = 0  # this process's
    budget_wait_until: float | None = None
    """time.time() when the call waiting longest (over SAY_WHY_AFTER) expects to go."""
    interactive_wait_until: float | None = None
    """The same, of the INTERACTIVE calls: what the user waits on."""

    @property
    def resumes_at(self) -> float | None:
        """When held calls go again, for a countdown: after a 429, or a long budget wait."""
        return self.waiting_until or self.budget_wait_until


@dataclass
class _Rule:
    """The admission rule of one attempt (`decide`, run in the ledger's transaction), and
    whether it held a bulk call back for its even pace only."""

    decide: Callable[[Usage], tuple[bool, float | None]] = lambda usage: (False, None)
    paced: bool = False


@dataclass
class _Wait:
    lane: Lane
    since: float  # clock
    resume_at: float | None  # clock; None: when a call in flight completes
    paced: bool = False  # held back for bulk's even pace only: not shown


def _delay(usage: Usage, cap: int, window: float, now: float) -> float | None:
    """Seconds until the account's calls drop below `cap` (0: now), None: at a completion."""
    excess = usage.used - cap + 1
    if excess <= 0:
        return 0.0
    if excess > len(usage.done):
        return None
    return max(0.0, usage.done[excess - 1] + window - now)


class Pacer:
    """Admits calls of one account under `limit` per rolling `window` seconds, in lanes."""

    def __init__(
        self,
        limit: int = 200,
        window: float = 60.0,
        *,
        reserve: float = DEFAULT_RESERVE,
        url: str = "",
        ledger: Ledger | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        jitter: Callable[[float], float] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.configure(limit, window, reserve)
        self.account = Account(url)
        self._id = uuid.uuid4().hex
        self._ledger = ledger or Ledger()
        self._clock = clock
        self._wall = wall
        self._jitter = jitter or (lambda cap: random.uniform(0.0, cap))
        self._in_flight = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._waits: dict[int, _Wait] = {}
        self._numbers = itertools.count()
        self.rate_limited_count = 0

    def configure(self, limit: int, window: float, reserve: float = DEFAULT_RESERVE) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the rate limit and its window must be positive")
        if not 0 <= reserve <= 0.5:
            raise ValueError("the interactive reserve must be between 0 and 0.5 of the limit")
        with self._lock:
            self.limit, self.window, self.reserve = limit, window, reserve

    def identify(self, brand_ids: Iterable[object]) -> None:
        """The account is known (its brands): from now on its budget is the account's."""
        account = Account(self.account.url, account_digest(self.account.url, brand_ids))
        if account != self.account:
            self.account = account
            self._ledger.identify(self._id, account)

    # -- the rule (inside the ledger's transaction) -----------------------------------------------

    def _decide(self, lane: Lane, now: float) -> _Rule:
        limit, window = self.limit, self.window
        reserve = math.floor(limit * self.reserve)
        spacing = window / limit
        rule = _Rule()

        def decide(usage: Usage) -> tuple[bool, float | None]:
            if usage.blocked_until:
                return False, usage.blocked_until - now
            if lane is Lane.INTERACTIVE:
                full = _delay(usage, limit, window, now)
                return full == 0, full
            if usage.interactive_waiting:
                return False, self._poll
            # As many slots as the user took lately stay free for them, up to the reserve.
            cap = limit - min(reserve, usage.interactive)
            below_cap = _delay(usage, cap, window, now)
            if below_cap != 0:
                return False, below_cap
            ahead = usage.bulk_due - now
            if ahead > CATCH_UP_SPACINGS * spacing:
                rule.paced = True
                return False, ahead - CATCH_UP_SPACINGS * spacing
            return True, None

        rule.decide = decide
        return rule

    @property
    def _poll(self) -> float:
        """How often a waiter looks again when only another process can free the budget."""
        return min(0.05, self.window / 50)

    # -- admission ------------------------------------------------------------------------------

    def try_acquire(self, lane: Lane = Lane.INTERACTIVE) -> tuple[int | None, float | None]:
        """Admit a call now if the budget allows: (ticket, None); else (None, seconds to wait,
        None when only a completion can free the budget)."""
        ticket, delay, _ = self._try(lane)
        return ticket, delay

    def _try(self, lane: Lane) -> tuple[int | None, float | None, bool]:
        """`try_acquire`, and whether a wait is only bulk's even pace (not the budget)."""
        now = self._clock()
        rule = self._decide(lane, now)
        spacing = self.window / self.limit if lane is Lane.BULK else 0.0
        ticket, delay = self._ledger.admit(
            self.account, self._id, lane.value, self.window, now, rule.decide, spacing
        )
        if ticket is not None:
            with self._lock:
                self._in_flight += 1
        return ticket, delay, rule.paced

    async def acquire(self, lane: Lane = Lane.INTERACTIVE) -> int:
        """Wait (cancellably) until a call may start; its ticket for `release`."""
        loop = asyncio.get_running_loop()
        number = next(self._numbers)
        waiter_row: int | None = None
        try:
            while True:
                now = self._clock()
                ticket, delay, paced = self._try(lane)
                if ticket is not None:
                    return ticket
                timeout = self._poll if delay is None else delay
                resume_at = None if delay is None else now + delay
                if lane is Lane.INTERACTIVE:
                    waiter_row = self._ledger.waiting(
                        self.account, self._id, waiter_row, now + timeout
                    )
                future: asyncio.Future[None] = loop.create_future()
                with self._lock:
                    wait = self._waits.setdefault(number, _Wait(lane, now, resume_at))
                    wait.resume_at = resume_at
                    if paced or wait.paced:  # bulk's even pace is no wait for the budget
                        wait.since, wait.paced = now, paced
                    self._waiters.append((loop, future))
                try:
                    await asyncio.wait({future}, timeout=timeout)
                finally:
                    with self._lock:
                        if (loop, future) in self._waiters:
                            self._waiters.remove((loop, future))
        finally:
            with self._lock:
                self._waits.pop(number, None)
            if waiter_row is not None:
                self._ledger.done_waiting(waiter_row)

    def release(self, ticket: int, *, sent: bool = True) -> None:
        """A call admitted by `acquire` has completed (whatever its outcome); one that was
        never `sent` (no connection) is not counted: the server never saw it."""
        if sent:
            self._ledger.complete(ticket, self._clock())
        else:
            self._ledger.withdraw(ticket)
        with self._lock:
            self._in_flight -= 1
            waiters, self._waiters = self._waiters, []
        current = _running_loop()
        for loop, future in waiters:
            if loop is current:
                _wake(future)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_wake, future)

    @asynccontextmanager
    async def slot(self, lane: Lane = Lane.INTERACTIVE) -> AsyncIterator[None]:
        """`async with pacer.slot(lane): send one request`; a `NetworkError` that says the
        request never left releases its slot uncounted."""
        ticket = await self.acquire(lane)
        sent = True
        try:
            yield
        except NetworkError as exc:
            sent = exc.sent
            raise
        finally:
            self.release(ticket, sent=sent)

    # -- after a 429 ----------------------------------------------------------------------------

    def rate_limited(self, date_header: str | None = None) -> float:
        """Block every call of the account until the next minute boundary; returns the wait."""
        wall = self._wall()
        server_now = wall + server_skew(date_header, wall)
        wait = min(next_boundary(server_now, self.window) - server_now, self.window)
        # A little jitter (0.5 s at the real minute, scaled with shorter test minutes) so that
        # clients of one account do not all hit the boundary in the same millisecond. Our own
        # processes share the block and are admitted one by one through the ledger: the jitter
        # only spreads us from other tools.
        wait += self._jitter(min(self.window / 120, 0.5))
        self.rate_limited_count += 1
        self._ledger.block(self.account, self._clock() + wait)
        return wait

    def state(self) -> PacerState:
        now, wall = self._clock(), self._wall()
        usage = self._ledger.usage(self.account, self.window, now)
        with self._lock:
            in_flight = self._in_flight
            shown = [
                w for w in self._waits.values() if not w.paced and now - w.since >= SAY_WHY_AFTER
            ]

        def until(lanes: tuple[Lane, ...]) -> float | None:
            waits = [w for w in shown if w.lane in lanes]
            longest = min(waits, key=lambda w: w.since, default=None)
            if longest is None:
                return None
            return wall + max(0.0, (longest.resume_at or now) - now)

        return PacerState(
            used=usage.used,
            limit=self.limit,
            window_seconds=self.window,
            waiting_until=wall + usage.blocked_until - now if usage.blocked_until else None,
            in_flight=in_flight,
            budget_wait_until=until((Lane.INTERACTIVE, Lane.BULK)),
            interactive_wait_until=until((Lane.INTERACTIVE,)),
        )


def account_digest(url: str, brand_ids: Iterable[object]) -> str:
    """Names an account in the shared ledger: its API URL and brands, never its token."""
    brands = ",".join(sorted(str(brand) for brand in brand_ids))
    return hashlib.sha256(f"{url}\n{brands}".encode()).hexdigest()[:16]


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


_registry: dict[tuple[str, str, Path], Pacer] = {}
_registry_lock = threading.Lock()


def pacer_for(
    base_url: str,
    token: Secret,
    limit: int,
    window: float,
    reserve: float = DEFAULT_RESERVE,
    *,
    directory: Path | None = None,
) -> Pacer:
    """The process-wide pacer of one account (base URL and token), on the machine's ledger in
    `directory` (the platform's cache folder); limits follow the settings."""
    from tui import paths

    folder = directory or paths.cache_dir()
    digest = hashlib.sha256(token.reveal().encode()).hexdigest()
    url = base_url.rstrip("/")
    key = (url, digest, folder)
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            ledger = shared_ledger(folder)
            pacer = _registry[key] = Pacer(limit, window, reserve=reserve, url=url, ledger=ledger)
        elif (pacer.limit, pacer.window, pacer.reserve) != (limit, window, reserve):
            pacer.configure(limit, window, reserve)
        return pacer
