"""Retries of idempotent calls (GETs) with tenacity: capped exponential backoff with jitter.

Retried: connection errors and timeouts, 500/502/503/504, bodies that are truncated, HTML or not
JSON. Not retried: anything the server said on purpose (400, 401, 403, 404, 415). A 429 never
reaches this layer: the pacer waits for the next window and the same attempt goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from tui.api.errors import BadResponse, NetworkError, PromoTuiApiError, ServerError
from tui.api.health import CallHealth

T = TypeVar("T")
log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts in all, and the backoff between them (seconds)."""

    attempts: int = 5
    initial: float = 0.5
    maximum: float = 8.0
    jitter: float = 0.5


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, ServerError):
        return exc.status in RETRYABLE_STATUS
    return isinstance(exc, (NetworkError, BadResponse))


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.info("retrying after attempt %d: %s", state.attempt_number, error)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool] = is_retryable,
    *,
    health: CallHealth | None = None,
    what: str = "",
) -> T:
    """Run `call` until it succeeds or the policy gives up; then raise a clear, typed error.

    `health` notes a success (`what`, e.g. `GET /v2/users/1`, names the call) or a failure."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.initial, max=policy.maximum)
        + wait_random(0, policy.jitter),
        retry=retry_if_exception(retryable),
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                result = await call()
            outcome = attempt.retry_state.outcome
            if outcome is not None and not outcome.failed:  # else tenacity tries again
                if health is not None:
                    health.note(attempt.retry_state.attempt_number, what)
                return result
    except PromoTuiApiError as exc:
        if health is not None:
            health.failed()
        attempts = retrying.statistics.get("attempt_number", 1)
        if attempts > 1 and retryable(exc):
            raise gave_up(exc, attempts) from None
        raise
    raise AssertionError("unreachable: tenacity either returns or raises")


def gave_up(exc: PromoTuiApiError, attempts: int) -> PromoTuiApiError:
    """The same kind of error, saying that retrying did not help."""
    message = f"{exc.message} Gave up after {attempts} attempts."
    if isinstance(exc, NetworkError):
        return NetworkError(message, sent=exc.sent)
    return type(exc)(message, status=exc.status)
