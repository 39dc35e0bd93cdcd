"""One profile's connections for the app: the Easypromos client, Ezepo and the store.

Screens and widgets ask the session for data (and its `ezepo` for Ezepo's) and never build a URL.
The session knows nothing of Textual; `session_of(widget)` finds the app's session from any widget.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from tui.api.endpoints import Collection
from tui.api.errors import NetworkError, PromoTuiApiError
from tui.api.health import CallHealth
from tui.config import Settings
from tui.ezepo_session import EzepoSession

if TYPE_CHECKING:  # imported by `start`, off the event loop: httpx, the API layer, the store
    from tui.api.easypromos import Checking, EasypromosClient
    from tui.api.errors import OutcomeUnknown
    from tui.api.journal import CoinOutcome, JournalEntry
    from tui.api.models import Role
    from tui.api.pacing import Lane, PacerState
    from tui.store import Store, sync

Record = dict[str, Any]


@dataclass(frozen=True)
class Progress:
    """How far a collection load got: pages read, new records, total pages when known."""

    pages: int
    items: int
    total_pages: int | None


class NotConfigured(Exception):
    """The profile has no Easypromos token: the setup screen must run first."""


class Session:
    """The clients and the store of one profile; `start()` before use, `close()` after.

    `prepare`, if given, is a blocking call that `start` makes (in a thread) before creating the
    clients: the demo starts its sandbox there, after the app's first frame. `warn` hears, from
    any thread, of answers taken with a caveat (the same bytes that are not UTF-8, again).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        prepare: Callable[[], object] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._prepare = prepare
        self._warn = warn
        self._starting = asyncio.Lock()
        self.easypromos: EasypromosClient | None = None
        self.ezepo: EzepoSession | None = None
        """Ezepo's side of the session; None without an Ezepo endpoint and key."""
        self._store: Store | None = None
        self._store_guessed = False  # opened offline: the latest cache of the profile and URL
        self._refreshing = asyncio.Lock()
        self.easypromos_health, self.ezepo_health = CallHealth(), CallHealth()
        """When a call of the session's clients of each service last succeeded, failed..."""
        self.offline = False
        self.cached_at: float | None = None
        """When the account shown was read (epoch seconds; offline, from the cache); None while
        no account is shown: offline, nothing is cached."""

    # ---- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Create the clients (no network call yet); calls after the first one wait for it.

        The work runs in a thread, so the screen stays live: `prepare`, then the clients, whose
        modules (httpx, the API layer: ~0.2 s) are imported on first use.
        """
        async with self._starting:
            if self.easypromos is not None:
                return
            if self._prepare is not None:
                await asyncio.to_thread(self._prepare)
                self._prepare = None
            self.easypromos, self.ezepo = await asyncio.to_thread(self._new_clients)

    def _new_clients(self) -> tuple[EasypromosClient, EzepoSession | None]:
        from tui import clients

        ezepo = clients.ezepo_client(self.settings, self._warn)
        if ezepo is None:
            return self._new_client(), None
        ezepo.health = self.ezepo_health
        return self._new_client(), EzepoSession(ezepo)

    def _new_client(self, lane: Lane | None = None) -> EasypromosClient:
        """A client of the profile's account (clients share the account's pacer), its calls in
        `lane` (INTERACTIVE unless told)."""
        from tui import clients
        from tui.api.pacing import Lane

        client = clients.easypromos_client(self.settings, self._warn, lane or Lane.INTERACTIVE)
        if client is None:
            raise NotConfigured("No Easypromos token in this profile")
        client.health = self.easypromos_health
        return client

    async def close(self) -> None:
        """Close the clients and the store."""
        for client in (self.easypromos, self.ezepo):
            if client is not None:
                await client.aclose()
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def client(self) -> EasypromosClient:
        if self.easypromos is None:
            raise NotConfigured("The session has not started")
        return self.easypromos

    @property
    def store(self) -> Store:
        """The profile's cache for this account (opened by `load_account`)."""
        if self._store is None:
            raise NotConfigured("The account has not been loaded yet")
        return self._store

    @property
    def has_store(self) -> bool:
        return self._store is not None

    def pacer_state(self) -> PacerState | None:
        """The Easypromos budget of this minute, for the status bar."""
        return self.easypromos.pacer.state() if self.easypromos is not None else None

    def budget_wait(self) -> float | None:
        """Seconds until what the user waits on (an interactive call that has waited for the
        account's budget over a second) may go; None when nothing waits so. For a dialog's
        "budget spent: next window in 23 s" (`status_bar.budget_wait_text`)."""
        state = self.pacer_state()
        if state is None or state.interactive_wait_until is None:
            return None
        return max(0.0, state.interactive_wait_until - time.time())

    async def _online(self, call: Any) -> Any:
        """Await an API call, noting whether the network answered."""
        try:
            result = await call
        except NetworkError:
            self.offline = True
            raise
        self.offline = False
        return result

    # ---- account --------------------------------------------------------------------------------

    async def load_account(
        self, on_cache_upgrade: Callable[[], None] | None = None
    ) -> tuple[list[Record], list[Record]]:
        """The organizing brands and every promotion (written through to the store).

        With the network down they come from the cache (`offline`, `cached_at`): the session's
        own, or the latest one of this profile and URL. A cache is shown after the first failed
        try (F5 tries again); without one, the call is retried as any GET before NetworkError.
        `on_cache_upgrade` is called (on another thread) before a cache of an older version is
        migrated, which takes a while.
        """
        from tui.api.retry import RetryPolicy, is_retryable

        client = self.client
        try:
            brands = await self._online(client.organizing_brands(RetryPolicy(attempts=1)))
        except PromoTuiApiError as error:
            if not is_retryable(error):
                raise
            offline = isinstance(error, NetworkError)
            cached = await self._cached_account(on_cache_upgrade) if offline else None
            if cached is not None:
                return cached
            brands = await self._online(client.organizing_brands())
        self.cached_at = None
        if self._store is not None and self._store_guessed:
            self._store.close()
            self._store, self._store_guessed = None, False
        if self._store is None:
            from tui.store import Store

            settings = self.settings
            self._store = await asyncio.to_thread(
                Store.open,
                settings.profile,
                settings.easypromos_url,
                [brand.get("id") for brand in brands],
                enabled=settings.cache_enabled,
                max_age_days=settings.cache_max_age_days,
                directory=settings.cache_directory,
                on_upgrade=on_cache_upgrade,
            )
        promotions = await self._online(client.promotions("all"))
        store = self._store
        await asyncio.to_thread(store.write_page, Collection.ORGANIZING_BRANDS, None, brands)
        await asyncio.to_thread(store.write_page, Collection.PROMOTIONS, None, promotions)
        self.cached_at = time.time()
        return brands, promotions

    async def _cached_account(
        self, on_upgrade: Callable[[], None] | None
    ) -> tuple[list[Record], list[Record]] | None:
        """Brands and promotions from the cache, or None when nothing is cached."""
        settings = self.settings
        if self._store is None and settings.cache_enabled:
            from tui.store import Store

            self._store = await asyncio.to_thread(
                Store.open_latest,
                settings.profile,
                settings.easypromos_url,
                settings.cache_directory,
                on_upgrade,
            )
            self._store_guessed = self._store is not None
        store = self._store
        if store is None:
            return None

        def read() -> tuple[list[Record], list[Record], float | None] | None:
            freshness = store.freshness(Collection.PROMOTIONS, None)
            if freshness.written_at is None:
                return None
            brands = list(store.iter_records(Collection.ORGANIZING_BRANDS, None))
            promotions = list(store.iter_records(Collection.PROMOTIONS, None))
            return brands, promotions, freshness.refreshed_at or freshness.written_at

        found = await asyncio.to_thread(read)
        if found is None:
            return None
        brands, promotions, self.cached_at = found
        return brands, promotions

    @property
    def ezepo_role(self) -> Role | None:
        """Which kind of Ezepo key this profile holds, once checked (None without Ezepo)."""
        return self.ezepo.role if self.ezepo is not None else None

    async def promotion(self, promotion_id: str) -> Record:
        """One promotion in full (raises ScopeError when the token may not read it)."""
        return await self._online(self.client.promotion(promotion_id))

    # ---- collections ----------------------------------------------------------------------------

    async def refresh(
        self,
        collection: Collection,
        promotion_id: str,
        full: bool,
        on_progress: Callable[[Progress], None],
    ) -> sync.SyncReport:
        """Stream a collection into the store (incremental unless `full`); what it found.

        The read runs on its own thread and event loop, with its own client on the account's
        shared pacer, so parsing pages and writing them to SQLite never stalls the screen.
        `on_progress` is called from that thread. Cancelling stops it at its next await.
        """
        from tui.api.pacing import Lane
        from tui.api.retry import RetryPolicy
        from tui.store import sync

        running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []
        offline = self.offline

        async def read() -> sync.SyncReport:
            task = asyncio.current_task()
            assert task is not None
            running.append((asyncio.get_running_loop(), task))
            async with self._new_client(Lane.BULK) as client:
                retry = client.retry
                if offline:  # known offline: one try says whether the network is back
                    client.retry = RetryPolicy(attempts=1)

                def progress(report: sync.SyncProgress) -> None:
                    client.retry = retry  # a page came: the next ones are retried as usual
                    on_progress(Progress(report.pages_done, report.added, report.pages_estimate))

                return await sync.refresh(
                    client, self.store, collection, promotion_id, full=full, on_progress=progress
                )

        async with self._refreshing:  # one read at a time, or their resume cursors would race
            thread = asyncio.ensure_future(asyncio.to_thread(asyncio.run, read()))
            try:
                return await self._online(asyncio.shield(thread))
            except asyncio.CancelledError:
                for loop, task in running:  # cancelled at its next await, between two pages
                    loop.call_soon_threadsafe(task.cancel)
                with contextlib.suppress(BaseException):
                    await thread
                raise

    # ---- users and coins ------------------------------------------------------------------------

    async def user(self, promotion_id: str, user_id: str) -> Record:
        """A user from the cache, else from the API."""
        cached = await asyncio.to_thread(self.store.get, Collection.USERS, promotion_id, user_id)
        if cached is not None:
            return cached
        return await self._online(self.client.user(promotion_id, user_id))

    async def user_transactions(self, promotion_id: str, user_id: str) -> list[Record]:
        """A user's coin transactions, newest first (one API call)."""
        found = await self._online(self.client.user_coin_transactions(promotion_id, user_id))
        found.sort(key=lambda t: (t.created is not None, t.created), reverse=True)
        return [t.raw for t in found]

    @staticmethod
    def balance_of(transactions: Sequence[Record]) -> int | float:
        """The balance after the newest transaction (0 without any)."""
        if not transactions:
            return 0
        newest = transactions[0]
        balance = newest.get("transaction", newest).get("balance")
        return balance if isinstance(balance, (int, float)) else float(balance or 0)

    async def user_participations(
        self, promotion_id: str, user_id: str, limit: int
    ) -> tuple[int | None, list[Record]]:
        """(count, newest `limit`) of a user's cached participations; count None if not cached
        (nor when the account, which opens the cache, has not loaded yet).

        Looked up by the indexed `user_id` field in SQL, not by searching the text.
        """
        if self._store is None:
            return None, []
        store = self._store

        def query() -> tuple[int | None, list[Record]]:
            if store.freshness(Collection.PARTICIPATIONS, promotion_id).written_at is None:
                return None, []
            participations = Collection.PARTICIPATIONS
            return store.matching(participations, promotion_id, "user_id", user_id, limit)

        return await asyncio.to_thread(query)

    async def prepare_coins(
        self, promotion_id: str, user_id: str, amount: int, concept: str
    ) -> JournalEntry:
        """Journal the intent of a coin transaction (JournalUnavailable: nothing may be sent)."""
        return await asyncio.to_thread(
            self.client.prepare_coins, promotion_id, user_id, amount, concept
        )

    async def send_coins(
        self, entry: JournalEntry, on_checking: Checking | None = None
    ) -> CoinOutcome:
        """Send a journaled coin transaction (see `EasypromosClient.send_coins`)."""
        return await self._online(self.client.send_coins(entry, on_checking))

    async def reconcile_pending(
        self, on_checking: Checking | None = None
    ) -> list[CoinOutcome | OutcomeUnknown]:
        """Settle the journal's open entries of this account (see `EasypromosClient`)."""
        return await self._online(self.client.reconcile_pending(on_checking))

    def journal_entries(self) -> list[JournalEntry]:
        """The local coin-transaction journal, newest first."""
        return list(reversed(self.client.journal.entries()))


def session_of(node: object) -> Session:
    """The session of the app a widget or screen belongs to."""
    return cast(Session, cast(Any, node).app.session)
