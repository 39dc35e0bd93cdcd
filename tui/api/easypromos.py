"""The Easypromos REST v2 client: paced, retried, paginated, with journaled coin transactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tui.api import endpoints
from tui.api.endpoints import Collection
from tui.api.errors import (
    BadResponse,
    InvalidArgument,
    NetworkError,
    OutcomeUnknown,
    PromoTuiApiError,
    RateLimited,
    ServerError,
)
from tui.api.journal import CoinOutcome, EntryState, Journal, JournalEntry, find_match
from tui.api.models import (
    CoinTransaction,
    Model,
    OrganizingBrand,
    Promotion,
    User,
    to_id,
    to_number,
)
from tui.api.pacing import Pacer, pacer_for
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
M = TypeVar("M", bound=Model)

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
    """`async with EasypromosClient(url, token) as ep:`; one per account and event loop."""

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        rate_limit: int = 200,
        rate_window: float = 60.0,
        timeout: float = 30.0,
        journal_path: Path | None = None,
        retry: RetryPolicy | None = None,
        reconcile_delay: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        warn: Warn | None = None,
    ) -> None:
        super().__init__(
            base_url, timeout=timeout, auth=BearerAuth(token), transport=transport, warn=warn
        )
        self.pacer: Pacer = pacer_for(self.base_url, token, rate_limit, rate_window)
        self.retry = retry or RetryPolicy()
        self.reconcile_delay = reconcile_delay
        self._journal_path = journal_path
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
            async with self.pacer.slot():
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
        self, path: str, model: type[M], retry: RetryPolicy | None = None, **params: Any
    ) -> list[M]:
        pages = self._pages(path, params, None, retry)
        return [model.from_raw(item) async for page in pages for item in page.items]

    async def organizing_brands(self, retry: RetryPolicy | None = None) -> list[OrganizingBrand]:
        """The account's brands; `retry` replaces the client's policy for this call."""
        return await self._all(Collection.ORGANIZING_BRANDS.path, OrganizingBrand, retry)

    async def promotions(self, status: str = "all") -> list[Promotion]:
        return await self._all(Collection.PROMOTIONS.path, Promotion, status=status)

    async def promotion(self, promotion_id: str | int) -> Promotion:
        path = endpoints.PROMOTION.format(promotion_id=promotion_id)
        return Promotion.from_raw(await self._get_object(path))

    async def user(self, promotion_id: str | int, user_id: str | int) -> User:
        path = endpoints.USER.format(promotion_id=promotion_id, user_id=user_id)
        return User.from_raw(await self._get_object(path))

    async def user_coin_transactions(
        self, promotion_id: str | int, user_id: str | int
    ) -> list[CoinTransaction]:
        path = endpoints.USER_COIN_TRANSACTIONS.format(promotion_id=promotion_id, user_id=user_id)
        return await self._all(path, CoinTransaction)

    # -- coin transactions ----------------------------------------------------------------------

    async def add_coins(
        self, promotion_id: str | int, user_id: str | int, amount: int | float, concept: str
    ) -> CoinOutcome:
        """Send one coin transaction, never twice blindly (see `tui.api.journal`).

        Returns APPLIED, or NOT_APPLIED when reconciliation proved it never landed (send it again
        only on purpose, with `resend_coins`); raises `OutcomeUnknown` when nobody can tell, and
        the typed error of a refusal (400, 404...).
        """
        entry = self.journal.record_intent(
            account=redact_url(self.base_url),
            promotion_id=str(promotion_id),
            user_id=str(user_id),
            amount=amount,
            concept=concept,
        )
        return await self._post_coins(entry)

    async def resend_coins(self, entry: JournalEntry) -> CoinOutcome:
        """Send again a transaction that reconciliation proved was not applied."""
        if entry.state is not EntryState.NOT_APPLIED:
            raise InvalidArgument(
                f"Journal entry {entry.id} is {entry.state.value}: only a transaction proved "
                "not applied may be sent again."
            )
        retry = self.journal.record_intent(
            account=entry.account,
            promotion_id=entry.promotion_id,
            user_id=entry.user_id,
            amount=entry.amount,
            concept=entry.concept,
            retry_of=entry.id,
        )
        return await self._post_coins(retry)

    async def _post_coins(self, entry: JournalEntry) -> CoinOutcome:
        path = endpoints.ADD_COIN_TRANSACTION.format(promotion_id=entry.promotion_id)
        body = {"user_id": entry.user_id, "amount": entry.amount, "concept": entry.concept}
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
                    self.journal.mark(entry, EntryState.NOT_APPLIED, note=exc.message)
                    raise
                return await self._settle(entry, exc.message)
            except BadResponse as exc:  # an answer came, but could not be decoded
                return await self._settle(entry, exc.message)
            if response.status_code != 429:
                return await self._coin_answer(entry, response)
            # A 429 means refused; once the window has passed, check before sending it again.
            match = await self._read_back(entry, "Easypromos answered 429")
            if match is not None:
                return self._applied(entry, match, reconciled=True)
        error = status_error(response, EASYPROMOS) or RateLimited("Rate limited.")
        self.journal.mark(entry, EntryState.NOT_APPLIED, note=error.message)
        raise error

    async def _coin_answer(self, entry: JournalEntry, response: httpx.Response) -> CoinOutcome:
        error = status_error(response, EASYPROMOS)
        if isinstance(error, ServerError):
            return await self._settle(entry, error.message)
        if error is not None:
            self.journal.mark(entry, EntryState.NOT_APPLIED, note=error.message)
            raise error
        try:
            data = json_body(response, EASYPROMOS)
        except BadResponse as exc:
            return await self._settle(entry, exc.message)
        return self._applied(entry, CoinTransaction.from_raw(data), reconciled=False)

    def _applied(
        self, entry: JournalEntry, transaction: CoinTransaction, *, reconciled: bool
    ) -> CoinOutcome:
        note = "reconciled" if reconciled else ""
        settled = self.journal.mark(
            entry, EntryState.APPLIED, transaction_id=transaction.id or None, note=note
        )
        return CoinOutcome(EntryState.APPLIED, settled, transaction, reconciled)

    async def _settle(self, entry: JournalEntry, reason: str) -> CoinOutcome:
        unknown = self.journal.mark(entry, EntryState.UNKNOWN, note=reason)
        return await self.reconcile(unknown, reason=reason)

    async def reconcile(self, entry: JournalEntry, *, reason: str = "") -> CoinOutcome:
        """Settle an `intent`/`unknown` entry by reading the user's transactions back.

        Waits `reconcile_delay` first, so that a POST the server is still processing has landed.
        """
        await asyncio.sleep(self.reconcile_delay)
        match = await self._read_back(entry, reason)
        if match is not None:
            return self._applied(entry, match, reconciled=True)
        settled = self.journal.mark(
            entry, EntryState.NOT_APPLIED, note="reconciled: not among the user's transactions"
        )
        return CoinOutcome(EntryState.NOT_APPLIED, settled, None, reconciled=True)

    async def _read_back(self, entry: JournalEntry, reason: str) -> CoinTransaction | None:
        """The user's transaction that matches `entry`; OutcomeUnknown if they cannot be read."""
        try:
            transactions = await self.user_coin_transactions(entry.promotion_id, entry.user_id)
        except PromoTuiApiError as exc:
            why = f"{reason + '; ' if reason else ''}reading the user's transactions failed"
            raise OutcomeUnknown(entry, f"{why} ({exc.message})") from None
        claimed = self.journal.claimed_transaction_ids(entry.promotion_id, entry.user_id)
        claimed.discard(entry.transaction_id or "")
        return find_match(entry, transactions, claimed)


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
