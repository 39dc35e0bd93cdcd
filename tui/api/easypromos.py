"""The Easypromos REST v2 client: paced, retried, paginated, with journaled coin transactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Generator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from tui.api import endpoints
from tui.api.endpoints import Collection
from tui.api.errors import (
    BadResponse,
    JournalUnavailable,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    PromoTuiApiError,
    RateLimited,
    ServerError,
)
from tui.api.journal import CoinOutcome, EntryState, Journal, JournalEntry, find_match
from tui.api.models import CoinTransaction, to_id, to_number
from tui.api.pacing import DEFAULT_RESERVE, Lane, Pacer, pacer_for
from tui.api.retry import RetryPolicy, with_retries
from tui.api.transport import (
    EASYPROMOS,
    RepeatedBodies,
    ServiceClient,
    Warn,
    json_body,
    send,
    status_error,
)
from tui.redact import Secret, redact_url

__all__ = ["Collection", "EasypromosClient", "Page"]

log = logging.getLogger(__name__)

Checking = Callable[[JournalEntry, datetime], None]
"""Told that an entry's transactions are being read back, and until when it will be tried."""

READ_BACKS = 4
# Consecutive 429s on one request before giving up (each waits for the next window).
MAX_RATE_LIMITED_ROUNDS = 30


@dataclass(frozen=True)
class Page:
    """One page of a collection: raw items, the cursor of the next page, running counts."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    number: int
    total_items: int


class BearerAuth(httpx.Auth):
    """Adds the token at send time, so it lives in no client attribute or default header."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


class EasypromosClient(ServiceClient):
    """`async with EasypromosClient(url, token) as ep:`; one per account and event loop.

    Its calls go in one lane of the account's budget (`tui.api.pacing`): INTERACTIVE for what
    the user waits on, BULK for collection loads and exports.
    """

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        rate_limit: int = 200,
        rate_window: float = 60.0,
        rate_reserve: float = DEFAULT_RESERVE,
        lane: Lane = Lane.INTERACTIVE,
        timeout: float = 30.0,
        journal_path: Path | None = None,
        retry: RetryPolicy | None = None,
        coin_reference: bool = True,
        reconcile_delay: float = 2.0,
        reconcile_interval: float = 10.0,
        reconcile_window: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        warn: Warn | None = None,
    ) -> None:
        super().__init__(
            base_url, timeout=timeout, auth=BearerAuth(token), transport=transport, warn=warn
        )
        self.pacer: Pacer = pacer_for(self.base_url, token, rate_limit, rate_window, rate_reserve)
        self.lane = lane
        self.retry = retry or RetryPolicy()
        self.coin_reference = coin_reference
        self.reconcile_delay = reconcile_delay
        self.reconcile_interval = reconcile_interval
        self.reconcile_window = reconcile_window
        self._journal_path = journal_path
        self._read_backs: asyncio.Semaphore | None = None
        self._journal: Journal | None = None

    @property
    def journal(self) -> Journal:
        """The coin-transaction journal, created on first use."""
        if self._journal is None:
            self._journal = Journal(self._journal_path)
        return self._journal

    # -- sending --------------------------------------------------------------------------------

    async def _send(self, request: httpx.Request, *, wait_out_429: bool = True) -> httpx.Response:
        """Send through the pacer; after a 429 every request of the account waits for the next
        window, and this one is sent again (or, with `wait_out_429=False`, the 429 returned)."""
        for _ in range(MAX_RATE_LIMITED_ROUNDS):
            async with self.pacer.slot(self.lane):
                response = await send(self._client, request, EASYPROMOS)
            if response.status_code != 429:
                return response
            wait = self.pacer.rate_limited(response.headers.get("date"))
            log.info(
                "rate limited on %s %s; waiting %.1f s", request.method, request.url.path, wait
            )
            if not wait_out_429:
                return response
        raise RateLimited(
            f"Easypromos kept answering 429 to {request.method} {request.url.path} for "
            f"{MAX_RATE_LIMITED_ROUNDS} windows; another tool may be using the whole budget.",
            status=429,
        )

    async def _get_json(
        self, path: str, params: dict[str, Any] | None = None, retry: RetryPolicy | None = None
    ) -> Any:
        policy = retry or self.retry
        bodies = RepeatedBodies(policy.attempts, self.warn)

        async def once() -> Any:
            request = self._client.build_request("GET", path, params=params)
            return bodies.checked_json(await self._send(request), EASYPROMOS)

        what = f"{EASYPROMOS.name} (GET {path})"
        return await with_retries(once, policy, health=self.health, what=what)

    async def _get_object(self, path: str) -> dict[str, Any]:
        data = await self._get_json(path)
        if not isinstance(data, dict):
            raise BadResponse(f"Easypromos answered GET {path} with something other than an item.")
        return data

    # -- collections ----------------------------------------------------------------------------

    def pages(
        self,
        collection: Collection,
        promotion_id: str | int | None = None,
        *,
        order: str = "created_desc",
        cursor: str | None = None,
        **params: Any,
    ) -> AsyncIterator[Page]:
        """Stream a collection page by page, from the start or from `cursor` (cancellable)."""
        return self._pages(collection.url_path(promotion_id), {**params, "order": order}, cursor)

    async def _pages(
        self,
        path: str,
        params: dict[str, Any],
        cursor: str | None,
        retry: RetryPolicy | None = None,
    ) -> AsyncIterator[Page]:
        number = total = 0
        while True:
            query = {**params, "next_cursor": cursor} if cursor else params
            data = await self._get_json(path, query, retry)
            items, next_cursor = _collection_page(data, path)
            if next_cursor is not None and next_cursor == cursor:
                raise BadResponse(f"Easypromos returned the same cursor twice for GET {path}.")
            number += 1
            total += len(items)
            yield Page(items, next_cursor, number, total)
            if next_cursor is None:
                return
            cursor = next_cursor

    async def _all(
        self, path: str, retry: RetryPolicy | None = None, **params: Any
    ) -> list[dict[str, Any]]:
        pages = self._pages(path, params, None, retry)
        return [item async for page in pages for item in page.items]

    async def organizing_brands(self, retry: RetryPolicy | None = None) -> list[dict[str, Any]]:
        """The account's brands (the account check: they name the account in the shared
        budget); `retry` replaces the client's policy for this call."""
        brands = await self._all(Collection.ORGANIZING_BRANDS.path, retry)
        self.pacer.identify(to_id(brand.get("id")) for brand in brands)
        return brands

    async def promotions(self, status: str = "all") -> list[dict[str, Any]]:
        return await self._all(Collection.PROMOTIONS.path, status=status)

    async def promotion(self, promotion_id: str | int) -> dict[str, Any]:
        return await self._get_object(endpoints.PROMOTION.format(promotion_id=promotion_id))

    async def user(self, promotion_id: str | int, user_id: str | int) -> dict[str, Any]:
        path = endpoints.USER.format(promotion_id=promotion_id, user_id=user_id)
        try:
            return await self._get_object(path)
        except NotFound:
            raise NotFound(f"No user {user_id} in promotion {promotion_id}.", status=404) from None

    async def user_coin_transactions(
        self, promotion_id: str | int, user_id: str | int
    ) -> list[CoinTransaction]:
        path = endpoints.USER_COIN_TRANSACTIONS.format(promotion_id=promotion_id, user_id=user_id)
        return [CoinTransaction.from_raw(item) for item in await self._all(path)]

    # -- coin transactions ----------------------------------------------------------------------

    async def add_coins(
        self, promotion_id: str | int, user_id: str | int, amount: int | float, concept: str
    ) -> CoinOutcome:
        """Journal and send one coin transaction: `prepare_coins`, then `send_coins`."""
        entry = self.prepare_coins(promotion_id, user_id, amount, concept)
        return await self.send_coins(entry)

    def prepare_coins(
        self, promotion_id: str | int, user_id: str | int, amount: int | float, concept: str
    ) -> JournalEntry:
        """The journaled intent of a transaction (JournalUnavailable: nothing may be sent)."""
        return self.journal.record_intent(
            account=self.account,
            promotion_id=str(promotion_id),
            user_id=str(user_id),
            amount=amount,
            concept=concept,
            reference=self.coin_reference,
        )

    @property
    def account(self) -> str:
        """What the journal calls this client's account: its API URL, never its token."""
        return redact_url(self.base_url)

    async def send_coins(
        self, entry: JournalEntry, on_checking: Checking | None = None
    ) -> CoinOutcome:
        """Send a journaled intent, never twice blindly (see `tui.api.journal`).

        Returns APPLIED, or NOT_APPLIED when reconciliation proved it never landed (a new
        transaction may then be sent, on purpose); raises `OutcomeUnknown` when nobody can tell, and
        the typed error of a refusal (400, 404...). `on_checking` hears when the answer was lost
        and the user's transactions are being read back (see `reconcile`).
        """
        path = endpoints.ADD_COIN_TRANSACTION.format(promotion_id=entry.promotion_id)
        body = {"user_id": entry.user_id, "amount": entry.amount, "concept": entry.posted_concept}
        request = self._client.build_request("POST", path, json=body)
        for _ in range(MAX_RATE_LIMITED_ROUNDS):
            try:
                # Sent again only if it provably never left; a 429 is handled below.
                response = await with_retries(
                    lambda: self._send(request, wait_out_429=False),
                    self.retry,
                    retryable=lambda exc: isinstance(exc, NetworkError) and not exc.sent,
                )
            except NetworkError as exc:
                if not exc.sent:
                    self._mark(entry, EntryState.NOT_APPLIED, note=exc.message)
                    raise
                return await self._settle(entry, exc.message, on_checking)
            except BadResponse as exc:  # an answer came, but could not be decoded
                return await self._settle(entry, exc.message, on_checking)
            if response.status_code != 429:
                return await self._coin_answer(entry, response, on_checking)
            # A 429 means refused; once the window has passed, check before sending it again.
            match = await self._read_back(entry, "Easypromos answered 429")
            if match is not None:
                return self._applied(entry, match, reconciled=True)
        error = status_error(response, EASYPROMOS) or RateLimited("Rate limited.")
        self._mark(entry, EntryState.NOT_APPLIED, note=error.message)
        raise error

    async def _coin_answer(
        self, entry: JournalEntry, response: httpx.Response, on_checking: Checking | None
    ) -> CoinOutcome:
        error = status_error(response, EASYPROMOS)
        if isinstance(error, ServerError):
            return await self._settle(entry, error.message, on_checking)
        if error is not None:
            self._mark(entry, EntryState.NOT_APPLIED, note=error.message)
            raise error
        try:
            data = json_body(response, EASYPROMOS)
        except BadResponse as exc:
            return await self._settle(entry, exc.message, on_checking)
        return self._applied(entry, CoinTransaction.from_raw(data), reconciled=False)

    def _mark(
        self, entry: JournalEntry, state: EntryState, **changes: Any
    ) -> tuple[JournalEntry, str | None]:
        """Record a state; a journal that cannot be written must not hide what happened, so
        its error is returned (and logged) rather than raised."""
        try:
            return self.journal.mark(entry, state, **changes), None
        except JournalUnavailable as exc:
            log.warning("coin journal entry %s is %s, but: %s", entry.id, state.value, exc)
            return replace(entry, state=state, **changes), exc.message

    def _applied(
        self, entry: JournalEntry, transaction: CoinTransaction, *, reconciled: bool
    ) -> CoinOutcome:
        note = "reconciled" if reconciled else ""
        settled, problem = self._mark(
            entry, EntryState.APPLIED, transaction_id=transaction.id or None, note=note
        )
        return CoinOutcome(EntryState.APPLIED, settled, transaction, reconciled, problem)

    async def _settle(
        self, entry: JournalEntry, reason: str, on_checking: Checking | None
    ) -> CoinOutcome:
        unknown, _ = self._mark(entry, EntryState.UNKNOWN, note=reason)
        return await self.reconcile(unknown, reason=reason, on_checking=on_checking)

    async def reconcile(
        self, entry: JournalEntry, *, reason: str = "", on_checking: Checking | None = None
    ) -> CoinOutcome:
        """Settle an `intent`/`unknown` entry by reading the user's transactions back.

        A slow server may apply a POST long after its answer was lost, so the transactions are
        read `reconcile_delay` after the attempt, then every `reconcile_interval` until
        `reconcile_window` after the intent; only then is it concluded not applied. A read that
        fails at the end leaves the outcome unknown (`OutcomeUnknown`). `on_checking(entry,
        until)` is called before each read.
        """
        deadline = entry.created_at + timedelta(seconds=self.reconcile_window)
        await asyncio.sleep(self.reconcile_delay)
        while True:
            latest = self.journal.latest(entry.id)
            if latest is not None and not latest.is_open:  # another process settled it
                return CoinOutcome(latest.state, latest, None, reconciled=True)
            if on_checking is not None:
                on_checking(entry, deadline)
            last_look = _now() >= deadline
            try:
                match = await self._read_back(entry, reason)
            except OutcomeUnknown:
                if last_look:
                    raise
                match = None
            if match is not None:
                return self._applied(entry, match, reconciled=True)
            if last_look:
                break
            wait = (deadline - _now()).total_seconds()
            await asyncio.sleep(max(0.0, min(self.reconcile_interval, wait)))
        minutes = self.reconcile_window / 60
        settled, problem = self._mark(
            entry,
            EntryState.NOT_APPLIED,
            note=f"reconciled: not among the user's transactions {minutes:g} min after sending",
        )
        return CoinOutcome(EntryState.NOT_APPLIED, settled, None, True, problem)

    async def reconcile_pending(
        self, on_checking: Checking | None = None
    ) -> list[CoinOutcome | OutcomeUnknown]:
        """Reconcile, side by side, every open journal entry of this account."""
        entries = self.journal.pending(self.account)

        async def settle(entry: JournalEntry) -> CoinOutcome | OutcomeUnknown:
            try:
                return await self.reconcile(entry, reason=entry.note, on_checking=on_checking)
            except OutcomeUnknown as unknown:
                return unknown

        return list(await asyncio.gather(*(settle(entry) for entry in entries)))

    async def _read_back(self, entry: JournalEntry, reason: str) -> CoinTransaction | None:
        """The user's transaction that matches `entry`; OutcomeUnknown if they cannot be read.

        At most `READ_BACKS` run at once: hundreds of open entries reconciled side by side
        would otherwise crowd the connection pool until their reads time out."""
        if self._read_backs is None:
            self._read_backs = asyncio.Semaphore(READ_BACKS)
        try:
            async with self._read_backs:
                transactions = await self.user_coin_transactions(entry.promotion_id, entry.user_id)
        except PromoTuiApiError as exc:
            why = f"{reason + '; ' if reason else ''}reading the user's transactions failed"
            raise OutcomeUnknown(entry, f"{why} ({exc.message})") from None
        return find_match(entry, transactions, self.journal.claimed_transaction_ids(entry))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _collection_page(data: Any, path: str) -> tuple[list[dict[str, Any]], str | None]:
    """Items and next cursor of a collection envelope; a missing/0/null cursor ends it."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadResponse(f"Easypromos answered GET {path} without a list of items.")
    items = [item if isinstance(item, dict) else {"value": item} for item in data["items"]]
    paging = data.get("paging")
    raw_cursor = paging.get("next_cursor") if isinstance(paging, dict) else None
    cursor = to_id(raw_cursor)
    number = to_number(raw_cursor)
    if not cursor or (number is not None and number <= 0):
        return items, None
    return items, cursor
